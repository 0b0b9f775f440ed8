package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.ApiServer;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.Processes;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mesh's proxy end to end (the in-process API server, the kubelet's real pods, the proxy's
 * watch): it applies a route's response headers to the answer, marks the route that served it, and
 * mirrors copies to the canary that never reach, delay or count as the user's answer, while the
 * canary's sidecar reports them.
 */
class MeshTest {
  private static ApiServer api;
  private static IstioMetrics metrics;
  private static final HttpClient HTTP = Mesh.http11("mesh-test", Duration.ofSeconds(2));
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  static void startApi() {
    api = new ApiServer(Path.of(System.getProperty("sluice.project.dir", ".")));
    metrics = new IstioMetrics();
  }

  @AfterAll
  static void stopApi() {
    metrics.close();
    api.close();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  /** Namespace {@code ns} seeded with v1, v2 and debug, v2 behaving as {@code v2}; its proxy. */
  private Mesh seed(String ns, Behaviour v2) {
    KubernetesClient client = api.client();
    Fixtures.apply(
        client,
        ns,
        "sandbox/helloworld.yaml",
        doc -> {
          if (doc.getKind().equals("DestinationRule")) {
            List<Object> subsets =
                new ArrayList<>(MeshConfig.list(MeshConfig.spec(doc).get("subsets")));
            subsets.add(Map.of("name", "v2", "labels", Map.of("version", "v2")));
            MeshConfig.spec(doc).put("subsets", subsets);
          }
          return doc;
        });
    Fixtures.apply(client, ns, "sandbox/helloworld-v2.yaml");
    Kubelet kubelet =
        new Kubelet(client, ns, v -> v.equals("v2") ? v2 : Behaviour.HEALTHY, 0).start();
    closing.add(kubelet);
    Mesh mesh = new Mesh(client, ns, "helloworld", metrics).start();
    closing.add(0, mesh);
    await(() -> kubelet.runningPods().size() == 5, "the pods");
    return mesh;
  }

  /** Writes the VirtualService as {@code edit} makes it and waits until the proxy routes by it. */
  private void route(Mesh mesh, String ns, UnaryOperator<GenericKubernetesResource> edit) {
    var vss = api.client().genericKubernetesResources(Fixtures.VIRTUAL_SERVICE).inNamespace(ns);
    GenericKubernetesResource written =
        vss.resource(edit.apply(vss.withName("helloworld").get())).update();
    String version = "helloworld@" + written.getMetadata().getResourceVersion();
    await(
        () -> {
          MeshConfig.Decision d =
              mesh.config()
                  .route(
                      "helloworld",
                      new MeshConfig.Request("GET", "/hello", "helloworld", Map.of()),
                      () -> 0.5);
          return d instanceof MeshConfig.Forward f && version.equals(f.routedBy());
        },
        "the proxy to route by " + version);
  }

  private static void await(BooleanSupplier test, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!test.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Processes.sleep(20);
    }
  }

  private static HttpResponse<String> get(Mesh mesh, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(mesh.url().resolve("/hello"));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aMirroredCopyReachesTheCanaryItsAnswerDiscardedAndOnlyTheCanarysSidecarReportsIt()
      throws Exception {
    // v2 fails every request, and slowly: its answers must neither reach nor delay the user
    Mesh mesh = seed("mesh-mirror", new Behaviour(1.0, 1000));
    route(mesh, "mesh-mirror", vs -> SluiceRoutes.mirror(vs, 100));

    int n = 20;
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = get(mesh);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue(Backend.VERSION_HEADER)).hasValue("v1");
      assertThat(r.headers().firstValue(Mesh.ROUTE_HEADER)).hasValue("default");
      // the user's answer came before its copy's (v2 takes 600 ms or more): nobody waited for it
      long copiesAnswered =
          mesh.mirrors().byVersionAndStatus().values().stream().mapToLong(Long::longValue).sum();
      assertThat(copiesAnswered).as("copies answered after answer %d", i).isLessThanOrEqualTo(i);
    }
    await(() -> mesh.mirrors().byVersionAndStatus().getOrDefault("v2 500", 0L) == n, "copies");
    assertThat(mesh.mirrors().sent()).isEqualTo(n);
    assertThat(mesh.mirrors().notDelivered()).isEmpty();

    String scraped = scrape();
    assertThat(count(scraped, "destination", "mesh-mirror", "v2", "500")).isEqualTo(n);
    assertThat(count(scraped, "destination", "mesh-mirror", "v1", "200")).isEqualTo(n);
    assertThat(count(scraped, "source", "mesh-mirror", "v2", "500")).isZero();
    assertThat(count(scraped, "source", "mesh-mirror", "v1", "200")).isEqualTo(n);

    // the rollback's write: no more copies
    route(mesh, "mesh-mirror", vs -> SluiceRoutes.only(vs, "v1"));
    get(mesh);
    assertThat(mesh.mirrors().sent()).isEqualTo(n);
  }

  @Test
  void theAnswerCarriesTheSetCookieOfItsDestinationAndTheRouteThatServedIt() throws Exception {
    Mesh mesh = seed("mesh-sticky", Behaviour.HEALTHY);
    route(
        mesh,
        "mesh-sticky",
        vs -> SluiceRoutes.sticky(vs, "mesh-sticky", "helloworld", "s", "12345678", 60, 50, 50));

    Map<String, String> cookieOf = new LinkedHashMap<>();
    for (int i = 0; i < 40 && cookieOf.size() < 2; i++) {
      HttpResponse<String> r = get(mesh);
      String version = r.headers().firstValue(Backend.VERSION_HEADER).orElseThrow();
      assertThat(r.headers().firstValue(Mesh.ROUTE_HEADER)).hasValue("default");
      assertThat(r.headers().allValues("set-cookie"))
          .containsExactly(
              "s=" + SluiceRoutes.cookieValue(version, "12345678") + "; Max-Age=60; Path=/");
      cookieOf.put(version, "s=" + SluiceRoutes.cookieValue(version, "12345678"));
    }
    assertThat(cookieOf).containsOnlyKeys("v1", "v2");
    for (Map.Entry<String, String> e : cookieOf.entrySet()) {
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = get(mesh, "cookie", "a=1; " + e.getValue());
        assertThat(r.headers().firstValue(Backend.VERSION_HEADER)).hasValue(e.getKey());
        assertThat(r.headers().firstValue(Mesh.ROUTE_HEADER))
            .hasValue(
                "sluice/mesh-sticky/helloworld/sticky-"
                    + (e.getKey().equals("v2") ? "canary" : "stable"));
        assertThat(r.headers().allValues("set-cookie")).isEmpty();
      }
    }
  }

  /** The count of {@code istio_requests_total} for one reporter, namespace, version and code. */
  private static long count(
      String scraped, String reporter, String ns, String version, String code) {
    long sum = 0;
    for (String line : scraped.split("\n")) {
      if (line.startsWith("istio_requests_total{")
          && line.contains("reporter=\"" + reporter + "\"")
          && line.contains("destination_service_namespace=\"" + ns + "\"")
          && line.contains("destination_version=\"" + version + "\"")
          && line.contains("response_code=\"" + code + "\"")) {
        sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static String scrape() throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://" + metrics.target() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
        .body();
  }
}
