package dev.sluice.routing;

import static dev.sluice.routing.Fixtures.http;
import static dev.sluice.routing.Fixtures.json;
import static dev.sluice.routing.Fixtures.jsonWithoutRoute;
import static dev.sluice.routing.Fixtures.load;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.rollout.Destination;
import dev.sluice.rollout.Reference;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.rollout.RouteObservation.State;
import dev.sluice.testing.IstioSchemas;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VirtualServiceEditsTest {

  private static final String HELLOWORLD = "helloworld-vs.yaml";

  // ---- inspect ----------------------------------------------------------------------------

  @Test
  void inspectFindsTheFallbackRouteOfTheGuide() {
    GenericKubernetesResource vs = load(HELLOWORLD);
    RouteObservation route = VirtualServiceEdits.inspect(vs, null);

    assertThat(route.state()).isEqualTo(State.OK);
    assertThat(route.problem()).isNull();
    assertThat(route.destinations()).containsExactly(new Destination("v1", 100));
    assertThat(route.position()).isEqualTo(1);
    assertThat(route.host()).isEqualTo("helloworld");
    assertThat(usedElsewhere(vs, route)).containsExactly("debug");
    assertThat(route.weightOf("v1")).isEqualTo(100);
    assertThat(route.weightOf("v2")).isEqualTo(-1);
  }

  @Test
  void inspectReadsASplitRouteInOrder() {
    RouteObservation route =
        VirtualServiceEdits.inspect(load("helloworld-vs-mid-release.yaml"), null);

    assertThat(route.destinations())
        .containsExactly(new Destination("v1", 70), new Destination("v2", 30));
  }

  @Test
  void aSingleDestinationWithoutWeightHasAllTheTraffic() {
    RouteObservation route =
        VirtualServiceEdits.inspect(load("helloworld-vs-unweighted.yaml"), null);

    assertThat(route.state()).isEqualTo(State.OK);
    assertThat(route.destinations()).containsExactly(new Destination("v1", 100));
  }

  @Test
  void inspectFindsANamedRouteThatIsNotTheFirst() {
    GenericKubernetesResource vs = load("helloworld-vs-named-routes.yaml");
    RouteObservation route = VirtualServiceEdits.inspect(vs, "primary");

    assertThat(route.state()).isEqualTo(State.OK);
    assertThat(route.destinations()).containsExactly(new Destination("v1", 100));
    // The catch-all route also sends to v1: v1 is used elsewhere too.
    assertThat(usedElsewhere(vs, route)).containsExactlyInAnyOrder("debug", "v0", "v1");
  }

  @Test
  void withoutARouteNameTheFallbackRouteIsManagedEvenWhenRoutesAreNamed() {
    GenericKubernetesResource vs = load("helloworld-vs-named-routes.yaml");
    RouteObservation route = VirtualServiceEdits.inspect(vs, null);

    assertThat(route.destinations()).containsExactly(new Destination("v1", 100));
    assertThat(usedElsewhere(vs, route)).containsExactlyInAnyOrder("debug", "v0", "v1");
  }

  @Test
  void anAbsentNamedRouteIsNotFound() {
    RouteObservation route =
        VirtualServiceEdits.inspect(load("helloworld-vs-named-routes.yaml"), "canary");

    assertThat(route.state()).isEqualTo(State.NOT_FOUND);
    assertThat(route.problem()).contains("no http route named \"canary\"");
    assertThat(route.destinations()).isEmpty();
  }

  @Test
  void anAbsentVirtualServiceIsNotFound() {
    assertThat(VirtualServiceEdits.inspect(null, null).state()).isEqualTo(State.NOT_FOUND);
  }

  @Test
  void tcpAndTlsRoutesCountAsUsedElsewhere() {
    GenericKubernetesResource vs = load("helloworld-vs-tcp.yaml");
    RouteObservation route = VirtualServiceEdits.inspect(vs, null);

    assertThat(route.destinations()).containsExactly(new Destination("v1", 100));
    assertThat(usedElsewhere(vs, route)).containsExactlyInAnyOrder("v1", "tls-terminator");
  }

  @Test
  void aTcpOnlyVirtualServiceHasItsTcpRouteManagedByDefault() {
    GenericKubernetesResource vs = load("helloworld-vs-tcp-only.yaml");
    RouteObservation route = VirtualServiceEdits.inspect(vs, null);

    assertThat(route.state()).isEqualTo(State.OK);
    assertThat(route.kind()).isEqualTo("tcp");
    assertThat(route.destinations()).containsExactly(new Destination("v1", 100));

    GenericKubernetesResource edited =
        VirtualServiceEdits.withRoute(
            vs, null, List.of(new Destination("v1", 90), new Destination("v2", 10)));
    JsonNode tcp = Fixtures.tree(edited).path("spec").path("tcp").get(0).path("route");
    assertThat(tcp).hasSize(2);
    assertThat(tcp.get(0).path("destination").path("subset").asText()).isEqualTo("v1");
    assertThat(tcp.get(0).path("weight").asInt()).isEqualTo(90);
    assertThat(tcp.get(1).path("destination").path("subset").asText()).isEqualTo("v2");
    assertThat(tcp.get(1).path("weight").asInt()).isEqualTo(10);
    assertThat(VirtualServiceEdits.inspect(edited, null).destinations())
        .containsExactly(new Destination("v1", 90), new Destination("v2", 10));
    IstioSchemas.validateVirtualService(edited);
  }

  @Test
  void tlsAndTcpRoutesAreNamedByPositionAndOnlyThatRouteChanges() {
    GenericKubernetesResource vs = load("helloworld-vs-tcp.yaml");

    RouteObservation tcp = VirtualServiceEdits.inspect(vs, "tcp[0]");
    assertThat(tcp.state()).isEqualTo(State.OK);
    assertThat(tcp.kind()).isEqualTo("tcp");
    assertThat(tcp.position()).isZero();
    assertThat(tcp.destinations()).containsExactly(new Destination("v1", 100));

    RouteObservation tls = VirtualServiceEdits.inspect(vs, "tls[0]");
    assertThat(tls.kind()).isEqualTo("tls");
    assertThat(tls.destinations()).containsExactly(new Destination("tls-terminator", 100));

    assertThat(VirtualServiceEdits.inspect(vs, "tcp[1]").state()).isEqualTo(State.NOT_FOUND);
    assertThat(VirtualServiceEdits.inspect(vs, "tcp[1]").problem())
        .isEqualTo("the VirtualService has no tcp route at position 1 (it has 1)");

    GenericKubernetesResource edited =
        VirtualServiceEdits.withRoute(
            vs, "tcp[0]", List.of(new Destination("v1", 70), new Destination("v2", 30)));
    JsonNode before = Fixtures.tree(vs).path("spec");
    JsonNode after = Fixtures.tree(edited).path("spec");
    assertThat(after.path("http")).isEqualTo(before.path("http"));
    assertThat(after.path("tls")).isEqualTo(before.path("tls"));
    assertThat(after.path("tcp").get(0).path("match"))
        .isEqualTo(before.path("tcp").get(0).path("match"));
    assertThat(VirtualServiceEdits.inspect(edited, "tcp[0]").destinations())
        .containsExactly(new Destination("v1", 70), new Destination("v2", 30));
    // the port of the existing destination is kept, and copied for the new subset
    assertThat(after.path("tcp").get(0).path("route").get(1).path("destination").path("port"))
        .isEqualTo(before.path("tcp").get(0).path("route").get(0).path("destination").path("port"));
    IstioSchemas.validateVirtualService(edited);

    GenericKubernetesResource tlsEdited =
        VirtualServiceEdits.withRoute(
            vs,
            "tls[0]",
            List.of(new Destination("tls-terminator", 50), new Destination("tls-next", 50)));
    assertThat(Fixtures.tree(tlsEdited).path("spec").path("tcp"))
        .isEqualTo(Fixtures.tree(vs).path("spec").path("tcp"));
    assertThat(VirtualServiceEdits.inspect(tlsEdited, "tls[0]").destinations())
        .containsExactly(new Destination("tls-terminator", 50), new Destination("tls-next", 50));
    IstioSchemas.validateVirtualService(tlsEdited);
  }

  @Test
  void aDelegateVirtualServiceWithoutHostsIsManagedLikeAnyOther() {
    GenericKubernetesResource vs = load("helloworld-vs-delegate.yaml");
    RouteObservation route = VirtualServiceEdits.inspect(vs, "primary");

    assertThat(route.state()).isEqualTo(State.OK);
    assertThat(route.position()).isEqualTo(1);
    assertThat(route.host()).isEqualTo("helloworld.default.svc.cluster.local");
    GenericKubernetesResource edited =
        VirtualServiceEdits.withRoute(
            vs, "primary", List.of(new Destination("v1", 80), new Destination("v2", 20)));
    assertThat(Fixtures.http(edited, 0)).isEqualTo(Fixtures.http(vs, 0)); // the debug route
    assertThat(Fixtures.tree(edited).path("spec").has("hosts")).isFalse();
    IstioSchemas.validateVirtualService(edited);
  }

  @Test
  void mirrorsCountAsUsedElsewhereEvenOnTheManagedRoute() {
    GenericKubernetesResource vs = load("helloworld-vs-mirror.yaml");
    RouteObservation route = VirtualServiceEdits.inspect(vs, null);

    assertThat(route.destinations()).containsExactly(new Destination("v1", 100));
    assertThat(usedElsewhere(vs, route)).containsExactlyInAnyOrder("shadow", "unreachable");
  }

  @ParameterizedTest(name = "{0} (route {1}): {2}")
  @CsvSource(
      nullValues = "-",
      delimiter = '|',
      textBlock =
          """
          no-fallback.yaml          | -       | match routes have no fallback route
          no-fallback.yaml          | primary | match routes have no fallback route
          no-routes.yaml            | -       | has no http, tls or tcp routes
          tls-and-tcp.yaml          | -       | has tls and tcp routes but no http routes: name the route to manage (tls[N] or tcp[N])
          redirect.yaml             | -       | has no route destinations
          direct-response.yaml      | -       | has no route destinations
          delegate.yaml             | -       | http route 0 delegates to VirtualService default/helloworld-routes: point the Canary at that delegate VirtualService
          no-subset.yaml            | -       | destination 0 of http route 0 has no subset
          different-hosts.yaml      | -       | sends traffic to different hosts [helloworld, helloworld-next]
          missing-weights.yaml      | -       | 2 of the 2 destinations of http route 0 have no weight
          weights-not-100.yaml      | -       | the weights of http route 0 sum to 90, not 100
          weight-over-100.yaml      | -       | destination 0 of http route 0 has weight 150, outside 0..100
          duplicate-subset.yaml     | -       | names subset "v1" twice
          duplicate-route-name.yaml | primary | 2 http routes are named "primary"
          """)
  void unmanageableVirtualServicesAreInvalidWithAReason(
      String fixture, String routeName, String problem) {
    GenericKubernetesResource vs = load("unmanageable/" + fixture);

    RouteObservation route = VirtualServiceEdits.inspect(vs, routeName);

    assertThat(route.state()).isEqualTo(State.INVALID);
    assertThat(route.problem()).contains(problem);
    assertThat(route.destinations()).isEmpty();
    assertThatThrownBy(
            () -> VirtualServiceEdits.withRoute(vs, routeName, List.of(new Destination("v1", 100))))
        .isInstanceOf(UnmanageableRouteException.class)
        .hasMessageContaining(problem)
        .satisfies(
            e ->
                assertThat(((UnmanageableRouteException) e).observation().state())
                    .isEqualTo(State.INVALID));
  }

  // ---- withRoute --------------------------------------------------------------------------

  @Test
  void firstCanaryStepAddsTheNewSubsetAsACopyOfTheStableDestination() {
    GenericKubernetesResource before = load(HELLOWORLD);

    GenericKubernetesResource after =
        VirtualServiceEdits.withRoute(
            before, null, List.of(new Destination("v1", 90), new Destination("v2", 10)));

    JsonNode route = http(after, 1).get("route");
    assertThat(route.toString())
        .isEqualTo(
            "[{\"destination\":{\"host\":\"helloworld\",\"subset\":\"v1\"},\"weight\":90},"
                + "{\"destination\":{\"host\":\"helloworld\",\"subset\":\"v2\"},\"weight\":10}]");
    // The match route and every other field: byte-identical.
    assertThat(http(after, 0).toString()).isEqualTo(http(before, 0).toString());
    assertThat(jsonWithoutRoute(after, 1)).isEqualTo(jsonWithoutRoute(before, 1));
    assertThat(VirtualServiceEdits.inspect(after, null).destinations())
        .containsExactly(new Destination("v1", 90), new Destination("v2", 10));
    validateIfPossible(after);
  }

  @Test
  void everyFieldOfRouteAndDestinationsIsKept() {
    GenericKubernetesResource before = load("helloworld-vs-extra-fields.yaml");

    GenericKubernetesResource after =
        VirtualServiceEdits.withRoute(
            before, "default", List.of(new Destination("v1", 75), new Destination("v2", 25)));

    JsonNode route = http(after, 1).get("route");
    JsonNode stable = http(before, 1).get("route").get(0);
    ObjectNode expectedStable = ((ObjectNode) stable).deepCopy().put("weight", 75);
    ObjectNode expectedCanary = expectedStable.deepCopy().put("weight", 25);
    ((ObjectNode) expectedCanary.get("destination")).put("subset", "v2");
    assertThat(route.get(0).toString()).isEqualTo(expectedStable.toString());
    assertThat(route.get(1).toString()).isEqualTo(expectedCanary.toString());
    assertThat(route.get(1).path("destination").path("port").path("number").asInt())
        .isEqualTo(5000);
    assertThat(route.get(1).path("headers").toString())
        .isEqualTo(stable.path("headers").toString());
    // retries, timeout, headers, corsPolicy of the managed route, the other route, metadata, ...
    assertThat(http(after, 0).toString()).isEqualTo(http(before, 0).toString());
    assertThat(jsonWithoutRoute(after, 1)).isEqualTo(jsonWithoutRoute(before, 1));
    validateIfPossible(after);
  }

  @Test
  void aNamedRouteIsTheOnlyOneChanged() {
    GenericKubernetesResource before = load("helloworld-vs-named-routes.yaml");

    GenericKubernetesResource after =
        VirtualServiceEdits.withRoute(
            before, "primary", List.of(new Destination("v1", 50), new Destination("v2", 50)));

    assertThat(jsonWithoutRoute(after, 2)).isEqualTo(jsonWithoutRoute(before, 2));
    // The unnamed fallback route also sends to v1 and is not touched.
    assertThat(http(after, 3).toString()).isEqualTo(http(before, 3).toString());
    assertThat(VirtualServiceEdits.inspect(after, "primary").destinations())
        .containsExactly(new Destination("v1", 50), new Destination("v2", 50));
    validateIfPossible(after);
  }

  @Test
  void rollbackIsOneEditToAllStable() {
    GenericKubernetesResource before = load("helloworld-vs-mid-release.yaml");

    GenericKubernetesResource after =
        VirtualServiceEdits.withRoute(before, null, List.of(new Destination("v1", 100)));

    assertThat(http(after, 1).get("route").toString())
        .isEqualTo(
            "[{\"destination\":{\"host\":\"helloworld\",\"subset\":\"v1\"},\"weight\":100}]");
    assertThat(jsonWithoutRoute(after, 1)).isEqualTo(jsonWithoutRoute(before, 1));
    validateIfPossible(after);
  }

  @Test
  void promotionKeepsTheCanaryDestinationAndDropsTheStableOne() {
    GenericKubernetesResource before = load("helloworld-vs-mid-release.yaml");

    GenericKubernetesResource after =
        VirtualServiceEdits.withRoute(before, null, List.of(new Destination("v2", 100)));

    assertThat(VirtualServiceEdits.inspect(after, null).destinations())
        .containsExactly(new Destination("v2", 100));
    assertThat(VirtualServiceEdits.inspect(after, null).weightOf("v1")).isEqualTo(-1);
    assertThat(usedElsewhere(after, VirtualServiceEdits.inspect(after, null))).doesNotContain("v1");
    validateIfPossible(after);
  }

  @Test
  void aZeroWeightDestinationIsKeptAsWritten() {
    GenericKubernetesResource after =
        VirtualServiceEdits.withRoute(
            load(HELLOWORLD), null, List.of(new Destination("v1", 100), new Destination("v2", 0)));

    assertThat(VirtualServiceEdits.inspect(after, null).destinations())
        .containsExactly(new Destination("v1", 100), new Destination("v2", 0));
    validateIfPossible(after);
  }

  @Test
  void theSameSubsetsAndWeightsInAnyOrderChangeNothing() {
    GenericKubernetesResource midRelease = load("helloworld-vs-mid-release.yaml");
    GenericKubernetesResource unweighted = load("helloworld-vs-unweighted.yaml");

    assertThat(
            json(
                VirtualServiceEdits.withRoute(
                    midRelease,
                    null,
                    List.of(new Destination("v2", 30), new Destination("v1", 70)))))
        .isEqualTo(json(midRelease));
    // No "weight: 100" is added to a lone destination that has all the traffic already.
    assertThat(
            json(
                VirtualServiceEdits.withRoute(
                    unweighted, null, List.of(new Destination("v1", 100)))))
        .isEqualTo(json(unweighted));
  }

  @Test
  void mirrorAndOtherRoutesStayAsTheyAre() {
    GenericKubernetesResource before = load("helloworld-vs-mirror.yaml");

    GenericKubernetesResource after =
        VirtualServiceEdits.withRoute(
            before, null, List.of(new Destination("v1", 80), new Destination("v2", 20)));

    assertThat(jsonWithoutRoute(after, 0)).isEqualTo(jsonWithoutRoute(before, 0));
    assertThat(http(after, 0).path("mirrorPercentage").toString()).isEqualTo("{\"value\":10.0}");
    validateIfPossible(after);
  }

  @Test
  void tcpAndTlsRoutesStayAsTheyAre() {
    GenericKubernetesResource before = load("helloworld-vs-tcp.yaml");

    GenericKubernetesResource after =
        VirtualServiceEdits.withRoute(
            before, null, List.of(new Destination("v1", 80), new Destination("v2", 20)));

    assertThat(jsonWithoutRoute(after, 0)).isEqualTo(jsonWithoutRoute(before, 0));
    assertThat(http(after, 0).get("route").get(1).path("destination").path("port").toString())
        .isEqualTo("{\"number\":5000}");
    validateIfPossible(after);
  }

  @Test
  void theInputIsNeverModified() {
    GenericKubernetesResource before = load("helloworld-vs-extra-fields.yaml");
    String original = json(before);

    VirtualServiceEdits.withRoute(
        before, "default", List.of(new Destination("v1", 10), new Destination("v9", 90)));
    VirtualServiceEdits.inspect(before, "default");

    assertThat(json(before)).isEqualTo(original);
  }

  @Test
  void anAbsentNamedRouteIsNotWritten() {
    assertThatThrownBy(
            () ->
                VirtualServiceEdits.withRoute(
                    load("helloworld-vs-named-routes.yaml"),
                    "canary",
                    List.of(new Destination("v1", 100))))
        .isInstanceOf(UnmanageableRouteException.class)
        .satisfies(
            e ->
                assertThat(((UnmanageableRouteException) e).observation().state())
                    .isEqualTo(State.NOT_FOUND));
  }

  @Test
  void plansThatBreakTheWeightRulesAreRejected() {
    GenericKubernetesResource vs = load(HELLOWORLD);

    assertThatThrownBy(() -> VirtualServiceEdits.withRoute(vs, null, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                VirtualServiceEdits.withRoute(
                    vs, null, List.of(new Destination("v1", 60), new Destination("v2", 30))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sum to 100");
    assertThatThrownBy(
            () ->
                VirtualServiceEdits.withRoute(
                    vs, null, List.of(new Destination("v1", 50), new Destination("v1", 50))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
  }

  @Test
  void theManagedRoutesOwnSubsetsAreNotUsedElsewhere() {
    GenericKubernetesResource vs =
        VirtualServiceEdits.withRoute(
            load(HELLOWORLD), null, List.of(new Destination("v1", 50), new Destination("v2", 50)));
    RouteObservation route = VirtualServiceEdits.inspect(vs, null);

    assertThat(usedElsewhere(vs, route)).isEqualTo(Set.of("debug"));
  }

  /**
   * The subsets the VirtualService references anywhere but in the managed route's destinations:
   * other routes of any kind, and mirrors (the managed route's own included).
   */
  static Set<String> usedElsewhere(GenericKubernetesResource vs, RouteObservation route) {
    String key = vs.getMetadata().getNamespace() + "/" + vs.getMetadata().getName();
    Set<String> out = new java.util.LinkedHashSet<>();
    for (Reference r : MeshReferences.of(vs)) {
      if (!MeshReferences.inRoute(r, key, "http", route.position())) {
        out.add(r.subset());
      }
    }
    return out;
  }

  private static void validateIfPossible(GenericKubernetesResource vs) {
    IstioSchemas.validateVirtualService(vs);
  }
}
