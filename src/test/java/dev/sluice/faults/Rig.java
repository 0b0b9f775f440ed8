package dev.sluice.faults;

import static org.awaitility.Awaitility.await;

import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.ApiServer;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.History;
import dev.sluice.testing.PrometheusStub;
import dev.sluice.testing.SluiceDaemon;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What every fault test stands on: the mock API server (the test kit's {@link ApiServer}), the
 * recording {@link History} opened on it before anything is created, the seed objects of Istio's
 * zero-downtime guide per namespace, and the packaged daemon started as an operator would, as many
 * times as a test likes. Runs are sized by system properties, so that CI and the soak run the same
 * code:
 *
 * <ul>
 *   <li>{@code sluice.faults.kills}: SIGKILLs mid-release in {@link CrashResumeIT} (CI: 20);
 *   <li>{@code sluice.faults.rounds}: releases per namespace in the API and Prometheus fault tests
 *       (CI: 1 or 2);
 *   <li>{@code sluice.faults.seed}: the seed of every random choice (printed by each test).
 * </ul>
 */
final class Rig implements AutoCloseable {
  static final long SEED = Long.getLong("sluice.faults.seed", 6L);

  final Path project = Path.of(System.getProperty("sluice.project.dir", "."));
  final Path work;
  final ApiServer api;
  final KubernetesClient client;
  final History history;
  private int starts;
  private PrometheusStub prometheusStub;
  private URI prometheusStubUrl;

  Rig(String name) {
    try {
      work = project.resolve("target/faults-it/" + name);
      if (Files.isDirectory(work)) {
        try (var old = Files.list(work)) {
          for (Path p : old.toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(work);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    api = new ApiServer(project);
    client = api.client();
    history = new History(client);
  }

  /**
   * The Prometheus stand-in of the component tests ({@link PrometheusStub}; its static methods set
   * each namespace's answers), started at the first call and stopped with the rig.
   */
  URI prometheusStub() {
    if (prometheusStub == null) {
      prometheusStub = new PrometheusStub();
      prometheusStubUrl = URI.create(prometheusStub.start().get("sluice.prometheus.url"));
    }
    return prometheusStubUrl;
  }

  static int property(String name, int ci) {
    return Integer.getInteger(name, ci);
  }

  /** The seed objects in {@code ns}, the Canary's spec edited by {@code spec}. */
  void seed(String ns, Consumer<Map<String, Object>> spec) {
    Fixtures.seedHelloworld(client, ns, spec);
  }

  /** A new ready Deployment of {@code version} (as helloworld-v2.yaml, renamed). */
  void release(String ns, String version) {
    for (GenericKubernetesResource d : Fixtures.read(client, "scenarios/helloworld-v2.yaml")) {
      String json =
          client
              .getKubernetesSerialization()
              .asJson(d)
              .replace("helloworld-v2", "helloworld-" + version)
              .replace("\"v2\"", "\"" + version + "\"")
              .replace("examples-helloworld-v2", "examples-helloworld-" + version);
      var dep =
          client
              .getKubernetesSerialization()
              .unmarshal(json, io.fabric8.kubernetes.api.model.apps.Deployment.class);
      client.apps().deployments().inNamespace(ns).resource(dep).create();
    }
  }

  /**
   * Whether a round of three releases of {@code version} is over: {@code a} and {@code b} promoted
   * it, {@code c} rolled it back.
   */
  boolean roundOver(String version, String a, String b, String c) {
    CanaryStatus sa = status(a);
    CanaryStatus sb = status(b);
    CanaryStatus sc = status(c);
    return "Succeeded".equals(sa.phase)
        && version.equals(sa.stableVersion)
        && "Succeeded".equals(sb.phase)
        && version.equals(sb.stableVersion)
        && "RolledBack".equals(sc.phase)
        && version.equals(sc.canaryVersion);
  }

  CanaryStatus status(String ns) {
    return Fixtures.status(client, ns);
  }

  GenericKubernetesResource virtualService(String ns) {
    return Fixtures.virtualService(client, ns);
  }

  void awaitStable(String ns, String version, Duration atMost) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> version.equals(status(ns).stableVersion));
  }

  /** Whether the Canary of {@code ns} is in a release (its route may be changing). */
  boolean releasing(String ns) {
    String phase = status(ns).phase;
    return phase != null
        && List.of("Initializing", "Progressing", "Paused", "Finalizing", "RollingBack", "Failed")
            .contains(phase);
  }

  /**
   * Starts the packaged daemon against {@code apiServerUrl} (the API server, or a proxy in front of
   * it), with a fixed instance name so that a restarted daemon takes its own Lease back at once, as
   * a restarted container of the same pod does.
   */
  SluiceDaemon daemon(String apiServerUrl, URI prometheus, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>();
    // a daemon that lives seconds: C1 only starts faster on two shared cores
    env.put("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1");
    env.put("SLUICE_INSTANCE", "sluice-faults");
    env.put("KUBERNETES_USER_AGENT", "sluice-faults");
    env.put("SLUICE_LEADER_ELECTION_NAMESPACE", "default");
    env.put("SLUICE_LEADER_ELECTION_LEASE_DURATION", "4s");
    env.put("SLUICE_LEADER_ELECTION_RENEW_DEADLINE", "3s");
    env.put("SLUICE_LEADER_ELECTION_RETRY_PERIOD", "500ms");
    env.put("SLUICE_PROMETHEUS_RETRY_MAX_RETRIES", "1");
    env.put("SLUICE_PROMETHEUS_RETRY_DELAY_MS", "50");
    env.put("SLUICE_PROMETHEUS_CIRCUIT_BREAKER_REQUEST_VOLUME", "100000");
    env.putAll(extra);
    starts++;
    return SluiceDaemon.launch(
            project, apiServerUrl, prometheus, work, work.resolve("sluice-" + starts + ".log"), env)
        .awaitReady();
  }

  Path log(int start) {
    return work.resolve("sluice-" + start + ".log");
  }

  int starts() {
    return starts;
  }

  @Override
  public void close() {
    history.close();
    api.close();
    if (prometheusStub != null) {
      prometheusStub.stop();
    }
  }
}
