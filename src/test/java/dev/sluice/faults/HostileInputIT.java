package dev.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.InvariantChecker;
import dev.sluice.testing.PrometheusStub;
import dev.sluice.testing.SluiceDaemon;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Hostile and bad input against the packaged daemon, end to end, with a healthy Canary releasing
 * beside it.
 *
 * <p>Specs: hand-picked bad Canaries and AnalysisTemplates, one per namespace, each with a new
 * version ready to tempt a release. The fabric8 mock API server does not apply the CRD's schema, so
 * even what the schema refuses in a cluster reaches the daemon here: every one must end with the
 * Ready condition False, reason InvalidSpec, an InvalidSpec event, and nothing written to its
 * VirtualService or DestinationRule; the control Canary is promoted as if nothing happened.
 *
 * <p>HTTP: with an API token configured, unauthenticated, wrong-token, oversized (declared and
 * chunked), malformed and path-trick requests are refused with 401/400/404/405/413 and change
 * nothing; the daemon's whole log (dev.sluice at DEBUG) never contains the token.
 */
class HostileInputIT {
  private static final String CONTROL = "hostile-control";
  private static final ResourceDefinitionContext TEMPLATE =
      new ResourceDefinitionContext.Builder()
          .withGroup("sluice.dev")
          .withVersion("v1alpha1")
          .withKind("AnalysisTemplate")
          .withPlural("analysistemplates")
          .withNamespaced(true)
          .build();

  /** One bad input: its namespace, the change to the Canary's spec, an optional template. */
  private record Bad(
      String ns, String expect, Consumer<Map<String, Object>> spec, String template) {}

  private static Map<String, Object> templateRef(String name, Map<String, String> args) {
    Map<String, Object> ref = new LinkedHashMap<>();
    ref.put("name", name);
    List<Map<String, String>> list = new ArrayList<>();
    args.forEach((k, v) -> list.add(Map.of("name", k, "value", v)));
    ref.put("args", list);
    return ref;
  }

  private static Consumer<Map<String, Object>> templates(List<Map<String, Object>> refs) {
    return s -> s.put("analysis", Map.of("interval", "500ms", "templates", refs));
  }

  private static final String NEEDS_ARG =
      """
      apiVersion: sluice.dev/v1alpha1
      kind: AnalysisTemplate
      metadata:
        name: by-route
      spec:
        args:
          - name: route
        metrics:
          - name: errors
            query: sum(rate(istio_requests_total{destination_workload_namespace="{{ namespace }}",route="{{ route }}"}[{{ window }}]))
            pass:
              max: "0.1"
      """;

  private static final String UNDECLARED =
      """
      apiVersion: sluice.dev/v1alpha1
      kind: AnalysisTemplate
      metadata:
        name: undeclared
      spec:
        metrics:
          - name: errors
            query: sum(rate(x{a="{{ nowhere }}"}[{{ window }}]))
            pass:
              max: "0.1"
      """;

  static List<Bad> bad() {
    List<Bad> out = new ArrayList<>();
    out.add(
        new Bad(
            "bad-steps-order",
            "strictly increasing",
            s -> s.put("steps", List.of(10, 50, 30)),
            null));
    out.add(new Bad("bad-step-zero", "stepWeight", s -> s.put("stepWeight", 0), null));
    out.add(new Bad("bad-step-negative", "steps", s -> s.put("steps", List.of(-10, 20)), null));
    out.add(new Bad("bad-weight-150", "maxWeight", s -> s.put("maxWeight", 150), null));
    out.add(new Bad("bad-interval", "interval", s -> s.put("interval", "1x"), null));
    out.add(new Bad("bad-zero-interval", "interval", s -> s.put("interval", "0s"), null));
    out.add(
        new Bad(
            "bad-deadline",
            "progressDeadline",
            s -> s.put("limits", Map.of("progressDeadline", "-5m")),
            null));
    out.add(
        new Bad("bad-app-promql", "app", s -> s.put("app", "helloworld\"} or vector(1) #"), null));
    out.add(
        new Bad(
            "bad-unknown-template",
            "no-such-template",
            templates(List.of(templateRef("no-such-template", Map.of()))),
            null));
    out.add(
        new Bad(
            "bad-missing-arg",
            "route",
            templates(List.of(templateRef("by-route", Map.of()))),
            NEEDS_ARG));
    out.add(
        new Bad(
            "bad-promql-arg",
            "route",
            templates(List.of(templateRef("by-route", Map.of("route", "x\"} or vector(1) #")))),
            NEEDS_ARG));
    out.add(
        new Bad(
            "bad-undeclared-var",
            "nowhere",
            templates(List.of(templateRef("undeclared", Map.of()))),
            UNDECLARED));
    out.add(
        new Bad(
            "bad-huge",
            "steps",
            s -> {
              List<Map<String, Object>> refs = new ArrayList<>();
              Map<String, String> args = new LinkedHashMap<>();
              for (int i = 0; i < 20; i++) {
                args.put("a" + i, "v".repeat(500));
              }
              for (int i = 0; i < 100; i++) {
                refs.add(templateRef("no-such-template-" + i, args));
              }
              s.put("analysis", Map.of("templates", refs));
              List<Integer> steps = new ArrayList<>();
              for (int i = 0; i < 5000; i++) {
                steps.add(i % 100 + 1);
              }
              s.put("steps", steps);
            },
            null));
    return out;
  }

  @Test
  void badSpecsAreRefusedWithInvalidSpecAndHostileRequestsChangeNothing() throws Exception {
    List<Bad> bad = bad();
    List<String> all = new ArrayList<>();
    all.add(CONTROL);
    bad.forEach(b -> all.add(b.ns()));
    Random random = new Random(Rig.SEED);
    String token =
        "sluice-faults-"
            + Long.toHexString(random.nextLong())
            + Long.toHexString(random.nextLong());
    int requests = 0;
    try (Rig rig = new Rig("hostile")) {
      URI promUrl = rig.prometheusStub();
      rig.seed(CONTROL, s -> {});
      PrometheusStub.canary(CONTROL, 0.0, 100, 500);
      for (Bad b : bad) {
        if (b.template() != null) {
          GenericKubernetesResource t =
              rig.client
                  .getKubernetesSerialization()
                  .unmarshal(b.template(), GenericKubernetesResource.class);
          rig.client.genericKubernetesResources(TEMPLATE).inNamespace(b.ns()).resource(t).create();
        }
        rig.seed(b.ns(), b.spec());
        PrometheusStub.canary(b.ns(), 0.0, 100, 500);
      }
      Map<String, String> env = new HashMap<>();
      env.put("SLUICE_API_TOKEN", token);
      env.put("QUARKUS_LOG_CATEGORY__DEV_SLUICE__LEVEL", "DEBUG");
      try (SluiceDaemon daemon = rig.daemon(rig.api.url(), promUrl, env)) {
        rig.awaitStable(CONTROL, "v1", Duration.ofSeconds(60));
        Map<String, String> vsBefore = new HashMap<>();
        Map<String, String> drBefore = new HashMap<>();
        for (String ns : all) {
          rig.release(ns, "v2");
        }
        for (Bad b : bad) {
          vsBefore.put(b.ns(), rig.virtualService(b.ns()).getMetadata().getResourceVersion());
          drBefore.put(b.ns(), destinationRule(rig, b.ns()).getMetadata().getResourceVersion());
        }

        // the HTTP surface, while the control Canary releases
        requests += hostileRequests(daemon.http(), token);

        for (Bad b : bad) {
          await()
              .atMost(Duration.ofSeconds(60))
              .untilAsserted(
                  () -> {
                    Condition ready = condition(rig.status(b.ns()), "Ready");
                    assertThat(ready).as(b.ns()).isNotNull();
                    assertThat(ready.getStatus()).as(b.ns()).isEqualTo("False");
                    assertThat(ready.getReason())
                        .as(b.ns() + ": " + ready.getMessage())
                        .isEqualTo("InvalidSpec");
                    assertThat(ready.getMessage()).as(b.ns()).contains(b.expect());
                  });
          await()
              .atMost(Duration.ofSeconds(30))
              .untilAsserted(
                  () ->
                      assertThat(rig.client.v1().events().inNamespace(b.ns()).list().getItems())
                          .as(b.ns())
                          .extracting(Event::getReason)
                          .contains("InvalidSpec"));
        }
        await()
            .atMost(Duration.ofSeconds(120))
            .until(() -> "Succeeded".equals(rig.status(CONTROL).phase));
        for (Bad b : bad) {
          assertThat(rig.virtualService(b.ns()).getMetadata().getResourceVersion())
              .as(b.ns() + ": VirtualService untouched")
              .isEqualTo(vsBefore.get(b.ns()));
          assertThat(destinationRule(rig, b.ns()).getMetadata().getResourceVersion())
              .as(b.ns() + ": DestinationRule untouched")
              .isEqualTo(drBefore.get(b.ns()));
          assertThat(rig.status(b.ns()).phase)
              .as(b.ns())
              .isNotIn("Initializing", "Progressing", "Finalizing");
        }
        assertThat(daemon.alive()).isTrue();
      }
      InvariantChecker.Report report = rig.history.check(all);
      String log = Files.readString(rig.log(rig.starts()));
      System.out.printf(
          "HostileInputIT: %d bad specs refused with InvalidSpec, %d hostile requests refused; %s%n",
          bad.size(), requests, report);
      Figures.record(
          "HostileInputIT", "badSpecs=" + bad.size() + ",hostileRequests=" + requests, report);

      assertThat(log).as("the daemon's log").contains("InvalidSpec").doesNotContain(token);
      assertThat(report.violations()).isEmpty();
      assertThat(report.lost()).isEmpty();
      assertThat(report.releasesStarted()).as("only the control Canary released").isEqualTo(1);
      assertThat(report.promoted()).isEqualTo(1);
    }
  }

  /** Every hostile request; returns how many were sent (each asserted refused). */
  private static int hostileRequests(URI http, String token) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    int n = 0;
    String abort = "/api/v1/canaries/" + CONTROL + "/helloworld/abort";
    String webhook = "/api/v1/alerts";
    String firing =
        "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":"
            + "{\"alertname\":\"x\",\"namespace\":\""
            + CONTROL
            + "\",\"app\":\"helloworld\"}}]}";
    List<String> wrong =
        List.of(
            "",
            "Bearer",
            "Bearer ",
            "Bearer " + token + "x",
            "Bearer " + token.substring(0, token.length() - 1),
            "Bearer " + token.toUpperCase(),
            "Basic "
                + java.util.Base64.getEncoder()
                    .encodeToString(("x:" + token).getBytes(StandardCharsets.UTF_8)),
            token,
            "Bearer " + token + " " + token);
    for (String path :
        List.of(
            abort, webhook, "/api/v1/canaries", "/api/v1/canaries/" + CONTROL + "/helloworld")) {
      for (String auth : wrong) {
        HttpRequest.Builder b = HttpRequest.newBuilder(http.resolve(path));
        if (!auth.isEmpty()) {
          b.header("Authorization", auth);
        }
        b =
            path.equals(webhook) || path.equals(abort)
                ? b.POST(HttpRequest.BodyPublishers.ofString(firing))
                    .header("Content-Type", "application/json")
                : b.GET();
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        n++;
        assertThat(r.statusCode()).as(path + " with '" + auth + "'").isEqualTo(401);
        assertThat(r.body()).doesNotContain(token);
      }
      // the token in the query string is no token
      HttpResponse<String> q =
          client.send(
              HttpRequest.newBuilder(
                      http.resolve(path + "?token=" + token + "&access_token=" + token))
                  .POST(HttpRequest.BodyPublishers.ofString(firing))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      n++;
      assertThat(q.statusCode()).as(path + " with the token in the query").isEqualTo(401);
    }
    String bearer = "Bearer " + token;
    // oversized: declared, and chunked without a length
    HttpResponse<String> big =
        client.send(
            HttpRequest.newBuilder(http.resolve(webhook))
                .header("Authorization", bearer)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"pad\":\"" + "x".repeat(2 << 20) + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    n++;
    assertThat(big.statusCode()).as("2 MB declared").isEqualTo(413);
    int chunked = rawChunked(http, webhook, bearer, 2 << 20);
    n++;
    assertThat(chunked).as("2 MB chunked").isEqualTo(413);
    // malformed bodies
    for (String body :
        List.of(
            "",
            "{",
            "null",
            "[]",
            "{\"version\":\"4\",\"alerts\":\"x\"}",
            "\u0000\u0001",
            "{\"version\":" + "[".repeat(10000))) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(http.resolve(webhook))
                  .header("Authorization", bearer)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      n++;
      assertThat(r.statusCode())
          .as("body " + body.substring(0, Math.min(30, body.length())))
          .isEqualTo(400);
    }
    // path tricks and odd namespaces, with the right token
    List<String> tricks =
        List.of(
            "/api/v1/canaries/" + CONTROL + "/helloworld/../abort",
            "/api/v1/canaries/" + CONTROL + "%2Fhelloworld/abort",
            "/api/v1/canaries/" + CONTROL + "/helloworld%2Fabort",
            "/api/v1/canaries/" + CONTROL + "/helloworld/%61bort%00",
            "/api/v1/canaries/%2e%2e/" + CONTROL + "/helloworld/abort",
            "/api/v1/canaries/kube-system/helloworld/abort",
            "/api/v1/canaries/" + CONTROL.toUpperCase() + "/helloworld/abort",
            "/api/v1/canaries/" + "n".repeat(300) + "/helloworld/abort",
            "/api/v1/canaries/-/helloworld/abort",
            "/api/v1/canaries/" + CONTROL + "/helloworld/abort/again",
            "/api/v1/canaries/" + CONTROL + "/*/abort",
            "/api/v1/canaries/" + CONTROL + "/helloworld/abort%3Bx");
    for (String path : tricks) {
      HttpResponse<String> r = rawPost(http, path, bearer);
      n++;
      assertThat(r.statusCode()).as(path + " -> " + r.body()).isIn(400, 404, 405);
      HttpResponse<String> anonymous = rawPost(http, path, "Bearer nope");
      n++;
      assertThat(anonymous.statusCode()).as(path + " without the token").isEqualTo(401);
    }
    return n;
  }

  /** A POST with the path sent as written (no client-side normalisation). */
  private static HttpResponse<String> rawPost(URI http, String path, String auth) throws Exception {
    try (Socket s = new Socket(http.getHost(), http.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(postHead(http, path, auth, "Content-Length: 0"));
      out.flush();
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = Integer.parseInt(answer.split(" ", 3)[1]);
      String body =
          answer.contains("\r\n\r\n") ? answer.substring(answer.indexOf("\r\n\r\n") + 4) : "";
      return new Raw(code, body);
    }
  }

  /** A POST's request line and headers, the path as written, {@code headers} before the last. */
  private static byte[] postHead(URI http, String path, String auth, String headers) {
    return ("POST "
            + path
            + " HTTP/1.1\r\nHost: "
            + http.getHost()
            + "\r\nAuthorization: "
            + auth
            + "\r\n"
            + headers
            + "\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static int rawChunked(URI http, String path, String auth, int size) throws Exception {
    try (Socket s = new Socket(http.getHost(), http.getPort())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(
          postHead(
              http, path, auth, "Content-Type: application/json\r\nTransfer-Encoding: chunked"));
      byte[] chunk = "x".repeat(8192).getBytes(StandardCharsets.ISO_8859_1);
      try {
        for (int sent = 0; sent < size; sent += chunk.length) {
          out.write(
              (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.write(chunk);
          out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (java.io.IOException e) {
        // the server may answer and close before the whole body is sent
      }
      InputStream in = s.getInputStream();
      String answer = new String(in.readNBytes(200), StandardCharsets.ISO_8859_1);
      return Integer.parseInt(answer.split(" ", 3)[1]);
    }
  }

  private record Raw(int statusCode, String body) implements HttpResponse<String> {
    @Override
    public HttpRequest request() {
      return null;
    }

    @Override
    public java.util.Optional<HttpResponse<String>> previousResponse() {
      return java.util.Optional.empty();
    }

    @Override
    public java.net.http.HttpHeaders headers() {
      return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true);
    }

    @Override
    public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
      return java.util.Optional.empty();
    }

    @Override
    public URI uri() {
      return null;
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }

  private static GenericKubernetesResource destinationRule(Rig rig, String ns) {
    return rig.client
        .genericKubernetesResources(Fixtures.DESTINATION_RULE)
        .inNamespace(ns)
        .withName("helloworld")
        .get();
  }

  private static Condition condition(CanaryStatus st, String type) {
    return st.conditions == null
        ? null
        : st.conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }
}
