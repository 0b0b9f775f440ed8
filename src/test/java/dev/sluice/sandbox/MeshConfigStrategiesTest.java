package dev.sluice.sandbox;

import static dev.sluice.sandbox.MeshConfigTest.PODS;
import static dev.sluice.sandbox.MeshConfigTest.config;
import static dev.sluice.sandbox.MeshConfigTest.get;
import static dev.sluice.sandbox.MeshConfigTest.kind;
import static dev.sluice.sandbox.MeshConfigTest.pod;
import static dev.sluice.sandbox.MeshConfigTest.read;
import static dev.sluice.sandbox.MeshConfigTest.withV2Subset;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.IstioSchemas;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's mesh routes the VirtualServices Sluice writes for the release strategies of issue
 * 18 ({@link SluiceRoutes}, as the design gives them) as Envoy would: the A/B and preview
 * match route, the sticky routes on the {@code cookie} header and their {@code Set-Cookie}, and the
 * mirror; and the match conditions those need, by Istio's rules.
 */
class MeshConfigStrategiesTest {
  private static final String NS = "sandbox-test";
  private static final String TOKEN = "0a1b2c3d";

  private static List<GenericKubernetesResource> docs() throws IOException {
    return withV2Subset(read("sandbox/helloworld.yaml"));
  }

  private static GenericKubernetesResource seed(List<GenericKubernetesResource> docs) {
    return kind(docs, "VirtualService").get(0);
  }

  /** The seed VirtualService with {@code routes} (name, match) before the default route. */
  @SuppressWarnings("unchecked")
  private static GenericKubernetesResource withRoutes(
      GenericKubernetesResource seed, Object... nameAndMatch) {
    GenericKubernetesResource vs = SluiceRoutes.weights(seed, 100, 0);
    List<Map<String, Object>> http =
        new ArrayList<>((List<Map<String, Object>>) MeshConfig.spec(vs).get("http"));
    for (int i = 0; i < nameAndMatch.length; i += 2) {
      Map<String, Object> route = new LinkedHashMap<>();
      route.put("name", nameAndMatch[i]);
      route.put("match", nameAndMatch[i + 1]);
      route.put(
          "route", List.of(Map.of("destination", Map.of("host", "helloworld", "subset", "v2"))));
      http.add(http.size() - 1, route);
    }
    MeshConfig.spec(vs).put("http", http);
    return vs;
  }

  private static MeshConfig.Request request(String path, Map<String, List<String>> headers) {
    return new MeshConfig.Request("GET", path, "helloworld", headers);
  }

  private static MeshConfig.Forward forward(MeshConfig.Decision d) {
    assertThat(d).isInstanceOf(MeshConfig.Forward.class);
    return (MeshConfig.Forward) d;
  }

  @Test
  void headerConditionsAreExactPrefixOrAWholeValueRegexOnEveryValueOfTheHeader()
      throws IOException {
    var docs = docs();
    MeshConfig mesh =
        config(
            docs,
            withRoutes(
                seed(docs),
                "exact",
                List.of(Map.of("headers", Map.of("x-canary", Map.of("exact", "insider")))),
                "prefix",
                List.of(Map.of("headers", Map.of("x-group", Map.of("prefix", "beta")))),
                "regex",
                List.of(Map.of("headers", Map.of("x-user", Map.of("regex", "u[0-9]+"))))),
            PODS);

    assertThat(forward(mesh.route("helloworld", get("/", "x-canary", "insider"), () -> 0)).route())
        .isEqualTo("exact");
    // exact is exact: no prefix, no case folding of the value; the name has no case
    assertThat(forward(mesh.route("helloworld", get("/", "x-canary", "insiders"), () -> 0)).route())
        .isEqualTo("default");
    assertThat(forward(mesh.route("helloworld", get("/", "x-canary", "Insider"), () -> 0)).route())
        .isEqualTo("default");
    assertThat(forward(mesh.route("helloworld", get("/", "X-Canary", "insider"), () -> 0)).route())
        .isEqualTo("exact");
    assertThat(forward(mesh.route("helloworld", get("/", "x-group", "beta-2"), () -> 0)).route())
        .isEqualTo("prefix");
    // the regex must match the whole value, as Envoy's RE2 full match
    assertThat(forward(mesh.route("helloworld", get("/", "x-user", "u42"), () -> 0)).route())
        .isEqualTo("regex");
    assertThat(forward(mesh.route("helloworld", get("/", "x-user", "xu42"), () -> 0)).route())
        .isEqualTo("default");
    assertThat(forward(mesh.route("helloworld", get("/", "x-user", "u42x"), () -> 0)).route())
        .isEqualTo("default");
    // a header sent twice is matched as its values joined by ",": "insider,other" is not insider
    Map<String, List<String>> twice = Map.of("x-canary", List.of("insider", "other"));
    assertThat(forward(mesh.route("helloworld", request("/", twice), () -> 0)).route())
        .isEqualTo("default");
    Map<String, List<String>> twoCase = new TreeMap<>();
    twoCase.put("X-Group", List.of("beta"));
    twoCase.put("x-group", List.of("gamma"));
    assertThat(forward(mesh.route("helloworld", request("/", twoCase), () -> 0)).route())
        .isEqualTo("prefix");
  }

  @Test
  void matchBlocksAreOredTheirConditionsAndedAndUriCaseIsIgnoredForExactAndPrefixOnly()
      throws IOException {
    var docs = docs();
    List<Map<String, Object>> match =
        List.of(
            Map.of(
                "headers",
                Map.of("x-canary", Map.of("exact", "insider")),
                "uri",
                Map.of("prefix", "/hello"),
                "ignoreUriCase",
                true),
            Map.of("uri", Map.of("regex", "/items/[a-z]+")));
    MeshConfig mesh =
        config(
            docs,
            withRoutes(
                seed(docs),
                "either",
                match,
                "exact-uri",
                List.of(Map.of("uri", Map.of("exact", "/Exact"), "ignoreUriCase", true))),
            PODS);

    // block 1: both conditions; the uri prefix without case
    assertThat(
            forward(mesh.route("helloworld", get("/HELLO/x", "x-canary", "insider"), () -> 0))
                .route())
        .isEqualTo("either");
    assertThat(forward(mesh.route("helloworld", get("/hello", "x-other", "1"), () -> 0)).route())
        .isEqualTo("default");
    assertThat(
            forward(mesh.route("helloworld", get("/bye", "x-canary", "insider"), () -> 0)).route())
        .isEqualTo("default");
    // block 2 alone; its regex matches the whole path (no query string), with case
    assertThat(forward(mesh.route("helloworld", get("/items/abc?x=1"), () -> 0)).route())
        .isEqualTo("either");
    assertThat(forward(mesh.route("helloworld", get("/items/abc/1"), () -> 0)).route())
        .isEqualTo("default");
    assertThat(forward(mesh.route("helloworld", get("/items/ABC"), () -> 0)).route())
        .isEqualTo("default");
    assertThat(forward(mesh.route("helloworld", get("/exact"), () -> 0)).route())
        .isEqualTo("exact-uri");
    assertThat(forward(mesh.route("helloworld", get("/exact/"), () -> 0)).route())
        .isEqualTo("default");
  }

  @Test
  void theStickyRoutesCookieRegexFindsTheCookieAmongOthersAndNothingElse() throws IOException {
    var docs = docs();
    String canary = SluiceRoutes.cookieValue("v2", TOKEN);
    GenericKubernetesResource vs =
        SluiceRoutes.sticky(seed(docs), NS, "helloworld", "sluice-session", TOKEN, 3600, 90, 10);
    assertThat(IstioSchemas.virtualServiceErrors(vs)).isEmpty();
    MeshConfig mesh = config(docs, vs, PODS);
    String stickyCanary = SluiceRoutes.routeName(NS, "helloworld", "sticky-canary");

    for (String cookie :
        List.of(
            "sluice-session=" + canary,
            "a=b; sluice-session=" + canary,
            "a=b;sluice-session=" + canary + "; c=d",
            "sluice-session=" + canary + ";c=d")) {
      MeshConfig.Forward f = forward(mesh.route("helloworld", get("/", "cookie", cookie), () -> 0));
      assertThat(f.route()).as(cookie).isEqualTo(stickyCanary);
      assertThat(f.version()).isEqualTo("v2");
    }
    for (String cookie :
        List.of(
            "xsluice-session=" + canary,
            "sluice-session=" + canary + "x",
            "sluice-session=" + canary.toUpperCase(),
            "other=sluice-session=" + canary,
            "sluice-session=" + SluiceRoutes.cookieValue("v2", "ffffffff"))) {
      // none of these is the cookie: the weighted route, drawn at 0 → v1
      MeshConfig.Forward f = forward(mesh.route("helloworld", get("/", "cookie", cookie), () -> 0));
      assertThat(f.route()).as(cookie).isEqualTo("default");
    }
    // HTTP/2's cookie crumbs: several cookie headers, joined by "; " as Envoy does
    Map<String, List<String>> crumbs =
        Map.of("cookie", List.of("a=b", "sluice-session=" + canary, "c=d"));
    assertThat(forward(mesh.route("helloworld", request("/", crumbs), () -> 0)).route())
        .isEqualTo(stickyCanary);
    // the stable's cookie goes to the stable
    MeshConfig.Forward stable =
        forward(
            mesh.route(
                "helloworld",
                get("/", "cookie", "sluice-session=" + SluiceRoutes.cookieValue("v1", TOKEN)),
                () -> 0.99));
    assertThat(stable.route()).isEqualTo(SluiceRoutes.routeName(NS, "helloworld", "sticky-stable"));
    assertThat(stable.version()).isEqualTo("v1");
  }

  @Test
  void aWeightedAnswerSetsTheCookieOfTheVersionDrawnAndKeepsTheAppsOwnSetCookie()
      throws IOException {
    var docs = docs();
    MeshConfig mesh =
        config(
            docs,
            SluiceRoutes.sticky(
                seed(docs), NS, "helloworld", "sluice-session", TOKEN, 3600, 70, 30),
            PODS);
    Map<String, List<String>> fromPod = Map.of("set-cookie", List.of("theme=dark; Path=/"));

    MeshConfig.Forward toV1 = forward(mesh.route("helloworld", get("/"), () -> 0.5));
    assertThat(toV1.version()).isEqualTo("v1");
    assertThat(HeaderOperations.applyAll(toV1.responseHeaders(), fromPod).get("Set-Cookie"))
        .containsExactly(
            "theme=dark; Path=/",
            "sluice-session=" + SluiceRoutes.cookieValue("v1", TOKEN) + "; Max-Age=3600; Path=/");
    MeshConfig.Forward toV2 = forward(mesh.route("helloworld", get("/"), () -> 0.8));
    assertThat(toV2.version()).isEqualTo("v2");
    assertThat(HeaderOperations.applyAll(toV2.responseHeaders(), Map.of()).get("set-cookie"))
        .containsExactly(
            "sluice-session=" + SluiceRoutes.cookieValue("v2", TOKEN) + "; Max-Age=3600; Path=/");
    // a sticky route's answer sets no cookie: the session keeps the one it has
    MeshConfig.Forward sticky =
        forward(
            mesh.route(
                "helloworld",
                get("/", "cookie", "sluice-session=" + SluiceRoutes.cookieValue("v2", TOKEN)),
                () -> 0));
    assertThat(HeaderOperations.applyAll(sticky.responseHeaders(), Map.of())).isEmpty();
  }

  @Test
  void routesAreTriedInOrderAndSluicesMatchRouteIsAnOrdinaryRoute() throws IOException {
    var docs = docs();
    GenericKubernetesResource vs =
        SluiceRoutes.match(
            seed(docs), NS, "helloworld", SluiceRoutes.headerExact("x-canary", "insider"));
    vs.getMetadata().setResourceVersion("4711");
    assertThat(IstioSchemas.virtualServiceErrors(vs)).isEmpty();
    MeshConfig mesh = config(docs, vs, PODS);

    MeshConfig.Forward insider =
        forward(mesh.route("helloworld", get("/", "x-canary", "insider"), () -> 0.99));
    assertThat(insider.route()).isEqualTo("sluice/sandbox-test/helloworld/match");
    assertThat(insider.version()).isEqualTo("v2");
    // the debug route comes first: an insider's debug request is the debug pod's
    assertThat(
            pod(
                mesh.route(
                    "helloworld",
                    get("/", "x-canary", "insider", "my-header", "debug"),
                    () -> 0.99)))
        .isEqualTo("helloworld-debug-0");
    // everyone else: the managed route at 100% v1, whatever the draw
    MeshConfig.Forward other = forward(mesh.route("helloworld", get("/"), () -> 0.99));
    assertThat(other.route()).isEqualTo("default");
    assertThat(other.version()).isEqualTo("v1");
    // the match route copied the managed route's other fields
    @SuppressWarnings("unchecked")
    var http = (List<Map<String, Object>>) MeshConfig.spec(vs).get("http");
    assertThat(http)
        .extracting(r -> r.get("name"))
        .containsExactly("debug", insider.route(), "default");
    assertThat(http.get(1).get("retries")).isEqualTo(http.get(2).get("retries"));
    // the routing VirtualService's version comes with the answer
    assertThat(other.routedBy()).isEqualTo("helloworld@4711");
  }

  @Test
  void theBlueGreenPreviewReachesV2AloneUntilTheSwitchSendsEveryoneInOneWrite() throws IOException {
    var docs = docs();
    MeshConfig preview =
        config(
            docs,
            SluiceRoutes.match(
                seed(docs), NS, "helloworld", SluiceRoutes.headerExact("x-sluice-preview", "true")),
            PODS);
    assertThat(
            forward(preview.route("helloworld", get("/", "x-sluice-preview", "true"), () -> 0))
                .version())
        .isEqualTo("v2");
    assertThat(
            forward(preview.route("helloworld", get("/", "x-sluice-preview", "yes"), () -> 0.99))
                .version())
        .isEqualTo("v1");
    MeshConfig switched = config(docs, SluiceRoutes.weights(seed(docs), 0, 100), PODS);
    for (double r : new double[] {0, 0.5, 0.9999}) {
      assertThat(forward(switched.route("helloworld", get("/"), () -> r)).version())
          .isEqualTo("v2");
    }
  }

  @Test
  void theMirrorCopiesTheDrawnShareOfRequestsToTheCanaryWhileTheUserGetsTheStable()
      throws IOException {
    var docs = docs();
    GenericKubernetesResource all = SluiceRoutes.mirror(seed(docs), 100);
    assertThat(IstioSchemas.virtualServiceErrors(all)).isEmpty();
    MeshConfig mesh = config(docs, all, PODS);
    MeshConfig.Forward user = forward(mesh.route("helloworld", get("/"), () -> 0.9999));
    assertThat(user.version()).isEqualTo("v1");
    assertThat(user.mirrors()).hasSize(1);
    assertThat(forward(user.mirrors().get(0)).version()).isEqualTo("v2");
    assertThat(forward(user.mirrors().get(0)).pod()).isEqualTo("helloworld-v2-0");

    // mirrorPercentage 30: a draw under 0.3 is copied, one over not
    MeshConfig share = config(docs, SluiceRoutes.mirror(seed(docs), 30), PODS);
    double[] draws = {0.0, 0.29};
    int[] n = {0};
    assertThat(share.route("helloworld", get("/"), () -> draws[n[0]++ % 2]))
        .satisfies(d -> assertThat(forward(d).mirrors()).hasSize(1));
    assertThat(forward(share.route("helloworld", get("/"), () -> 0.31)).mirrors()).isEmpty();

    // no mirrorPercentage: everything is copied
    GenericKubernetesResource noPercentage = SluiceRoutes.mirror(seed(docs), 100);
    managed(noPercentage).remove("mirrorPercentage");
    assertThat(
            forward(config(docs, noPercentage, PODS).route("helloworld", get("/"), () -> 0.9999))
                .mirrors())
        .hasSize(1);

    // a mirror to a subset the DestinationRule lacks: the copy is lost, the user's request not
    var v1Only = read("sandbox/helloworld.yaml");
    MeshConfig noSubset = config(v1Only, SluiceRoutes.mirror(seed(v1Only), 100), PODS);
    MeshConfig.Forward stillServed = forward(noSubset.route("helloworld", get("/"), () -> 0.5));
    assertThat(stillServed.version()).isEqualTo("v1");
    assertThat(stillServed.mirrors()).singleElement().isInstanceOf(MeshConfig.Refuse.class);
    // the rollback's write: no mirror left
    assertThat(
            forward(
                    config(docs, SluiceRoutes.only(seed(docs), "v1"), PODS)
                        .route("helloworld", get("/"), () -> 0))
                .mirrors())
        .isEmpty();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> managed(GenericKubernetesResource vs) {
    return ((List<Map<String, Object>>) MeshConfig.spec(vs).get("http"))
        .stream().filter(r -> "default".equals(r.get("name"))).findFirst().orElseThrow();
  }
}
