package dev.sluice.sandbox;

import dev.sluice.testing.IstioSchemas;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;

/**
 * The sandbox's Kubernetes API: the fabric8 mock server in CRUD mode on 127.0.0.1 (plain HTTP, a
 * free port), with Sluice's CRDs from {@code deploy/crds/} and minimal Istio CRDs (the real names,
 * group, version and plural, no schema), so it needs nothing outside the project.
 */
final class ApiServer implements AutoCloseable {
  private static final List<String> SLUICE_CRDS =
      List.of("canaries.sluice.dev-v1.yml", "analysistemplates.sluice.dev-v1.yml");

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final BenchDispatcher bench;

  ApiServer(Path projectDir) {
    this(projectDir, false);
  }

  /**
   * @param forBenchmark store through {@link BenchDispatcher}: Events discarded, objects found by
   *     key, writes timed. Only the benchmark uses this.
   */
  ApiServer(Path projectDir, boolean forBenchmark) {
    this(
        projectDir, forBenchmark ? new BenchDispatcher() : new KubernetesCrudDispatcher(List.of()));
  }

  /** An API server storing through {@code dispatcher} (a test's own, e.g. to answer a conflict). */
  ApiServer(Path projectDir, KubernetesCrudDispatcher dispatcher) {
    bench = dispatcher instanceof BenchDispatcher b ? b : null;
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    for (String file : SLUICE_CRDS) {
      Path path = projectDir.resolve("deploy/crds").resolve(file);
      try (InputStream in = Files.newInputStream(path)) {
        create(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read Sluice's CRD " + path, e);
      }
    }
    for (String file :
        List.of(IstioSchemas.VIRTUAL_SERVICE_CRD, IstioSchemas.DESTINATION_RULE_CRD)) {
      try (InputStream in = IstioSchemas.crd(file)) {
        create(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private void create(CustomResourceDefinition crd) {
    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
  }

  /** How long each create and update took inside the mock server; taken and cleared. */
  List<Long> takeWriteNanos() {
    return bench.takeWriteNanos();
  }

  /** Every VirtualService update stored from now on goes to {@code listener} (benchmark only). */
  void onRouteStored(java.util.function.Consumer<BenchDispatcher.StoredRoute> listener) {
    bench.onRouteStored(listener);
  }

  /** Event creations answered without storing them (benchmark only). */
  long eventsDiscarded() {
    return bench.eventsDiscarded();
  }

  /** The API root, e.g. {@code http://127.0.0.1:40123}. */
  String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** The mock server, e.g. for the requests it received ({@code takeRequest}). */
  KubernetesMockServer server() {
    return server;
  }

  KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
