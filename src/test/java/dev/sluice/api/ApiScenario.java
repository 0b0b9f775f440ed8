package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.ClusterHistory;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the API tests share: the seed objects of Istio's guide in a namespace of their own, a
 * release held mid-way (each step bakes 10 minutes, so nothing advances while a test acts), and a
 * plain JDK HTTP client for the API.
 */
final class ApiScenario {
  static final String TOKEN = "test-token-4f1c2a9e7b";
  static final Duration WAIT = Duration.ofSeconds(90);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  final KubernetesClient client;
  final URI base;
  final String ns;
  ClusterHistory history;

  ApiScenario(KubernetesClient client, URI base, String ns) {
    this.client = client;
    this.base = base;
    this.ns = ns;
  }

  // ---- cluster --------------------------------------------------------------------------

  /** The seed objects with a healthy Prometheus; returns once v1 is adopted as stable (Idle). */
  ApiScenario seed() {
    PrometheusStub.canary(ns, 0.0, 120, 500);
    Fixtures.seedHelloworld(
        client,
        ns,
        spec -> {
          spec.put("interval", "10m"); // every step outlasts the test
          @SuppressWarnings("unchecked")
          Map<String, Object> analysis = (Map<String, Object>) spec.get("analysis");
          analysis.put("interval", "2s");
        });
    await().atMost(WAIT).until(() -> "v1".equals(status().stableVersion));
    history = new ClusterHistory(client, ns);
    return this;
  }

  /** Releases v2 and waits until it holds its first step (10%). */
  ApiScenario progressing() {
    Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");
    awaitPhase("Progressing");
    assertThat(status().weight).isEqualTo(10);
    // the status (the intent) is written before the route: wait for the route write too
    await()
        .atMost(WAIT)
        .until(
            () -> {
              List<List<String>> writes = routeWrites();
              return !writes.isEmpty()
                  && writes.get(writes.size() - 1).equals(List.of("v1=90", "v2=10"));
            });
    return this;
  }

  Canary canary() {
    return client.resources(Canary.class).inNamespace(ns).withName("helloworld").get();
  }

  CanaryStatus status() {
    return Fixtures.status(client, ns);
  }

  void awaitPhase(String phase) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(status().phase)
                    .as(() -> client.getKubernetesSerialization().asYaml(status()))
                    .isEqualTo(phase));
  }

  /** The default route's weights now, e.g. [v1=90, v2=10]. */
  List<String> route() {
    return ClusterHistory.weights(Fixtures.virtualService(client, ns), "default");
  }

  /** The default route's weights at every write since the seed. */
  List<List<String>> routeWrites() {
    return history.virtualServices().stream()
        .map(vs -> ClusterHistory.weights(vs, "default"))
        .toList();
  }

  List<Event> events() {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  List<Event> events(String reason) {
    return events().stream().filter(e -> reason.equals(e.getReason())).toList();
  }

  static Condition condition(CanaryStatus st, String type) {
    return st.conditions == null
        ? null
        : st.conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  static double rollbacks(MeterRegistry registry, String ns, String reason) {
    Counter c = registry.find("sluice.rollbacks").tags("namespace", ns, "reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  static double alerts(MeterRegistry registry, String result) {
    Counter c = registry.find("sluice.alerts").tag("result", result).counter();
    return c == null ? 0 : c.count();
  }

  /** Deletes the Canary, so its release stops costing evaluations for the tests that follow. */
  void close() {
    if (history != null) {
      history.close();
    }
    client.resources(Canary.class).inNamespace(ns).withName("helloworld").delete();
    PrometheusStub.clear(ns);
  }

  // ---- HTTP -----------------------------------------------------------------------------

  static String bearer() {
    return "Bearer " + TOKEN;
  }

  HttpResponse<String> post(String path, String authorization, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b.build());
  }

  HttpResponse<String> post(String path, String body) {
    return post(path, bearer(), body);
  }

  HttpResponse<String> get(String path) {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", bearer())
            .GET()
            .build());
  }

  /** POST /api/v1/canaries/{ns}/helloworld/{action}. */
  HttpResponse<String> action(String action) {
    return post("/api/v1/canaries/" + ns + "/helloworld/" + action + "?by=alice", null);
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A test resource as text, with {@code ${namespace}} replaced. */
  String resource(String name) {
    try (InputStream in = ApiScenario.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${namespace}", ns);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
