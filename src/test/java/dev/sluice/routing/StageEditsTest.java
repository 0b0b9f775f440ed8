package dev.sluice.routing;

import static dev.sluice.routing.Fixtures.http;
import static dev.sluice.routing.Fixtures.json;
import static dev.sluice.routing.Fixtures.load;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.rollout.Destination;
import dev.sluice.rollout.Effect;
import dev.sluice.rollout.RouteAdditions;
import dev.sluice.rollout.RouteExtras;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.testing.IstioSchemas;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a stage adds to a VirtualService (a route of Sluice's before the managed route, a mirror,
 * session cookies), on the objects as Istio's guide and users write them: every write passes
 * Istio's schema, every other route stays byte-identical, and the write that ends a release leaves
 * the VirtualService as it was before the release (but for the weights).
 */
class StageEditsTest {
  private static final String OWNER = OwnedRoutes.prefix("default", "helloworld");
  private static final List<Map<String, Object>> INSIDERS =
      List.of(Map.of("headers", Map.of("x-canary", Map.of("exact", "insider"))));
  private static final List<Destination> JOINED =
      List.of(new Destination("v1", 100), new Destination("v2", 0));

  private static Effect.SetRoute shape(
      List<Destination> destinations,
      RouteAdditions.Mirror mirror,
      List<RouteAdditions.Route> routes,
      Map<String, String> cookies) {
    return new Effect.SetRoute(
            destinations, new RouteAdditions(mirror, routes, cookies, "v2"), null)
        .ownedBy(OWNER);
  }

  private static Effect.SetRoute allTo(String version) {
    return shape(List.of(new Destination(version, 100)), null, List.of(), Map.of());
  }

  private static GenericKubernetesResource write(
      GenericKubernetesResource vs, String route, Effect.SetRoute effect) {
    GenericKubernetesResource edited = VirtualServiceEdits.withRoute(vs, route, effect);
    IstioSchemas.validateVirtualService(edited);
    return edited;
  }

  private static RouteExtras extras(GenericKubernetesResource vs, String route) {
    RouteObservation o = VirtualServiceEdits.inspect(vs, route);
    assertThat(o.state()).isEqualTo(RouteObservation.State.OK);
    return o.extras().ownedBy(OWNER);
  }

  @Test
  void theAbRouteGoesImmediatelyBeforeTheGuidesFallbackRouteAndLeavesWithTheRollback() {
    GenericKubernetesResource guide = load("helloworld-vs.yaml");
    GenericKubernetesResource joined = write(guide, null, shape(JOINED, null, List.of(), Map.of()));
    GenericKubernetesResource stage =
        write(
            joined,
            null,
            shape(
                JOINED,
                null,
                List.of(new RouteAdditions.Route("match", INSIDERS, "v2")),
                Map.of()));

    assertThat(http(stage, 0)).isEqualTo(http(guide, 0)); // the debug route, byte for byte
    JsonNode added = http(stage, 1);
    assertThat(added.path("name").asText()).isEqualTo("sluice/default/helloworld/match");
    assertThat(added.path("match").toString())
        .isEqualTo("[{\"headers\":{\"x-canary\":{\"exact\":\"insider\"}}}]");
    assertThat(added.path("route").toString())
        .isEqualTo(
            "[{\"destination\":{\"host\":\"helloworld\",\"subset\":\"v2\"},\"weight\":100}]");
    assertThat(http(stage, 2)).isEqualTo(http(joined, 1)); // the managed route, unchanged
    RouteObservation seen = VirtualServiceEdits.inspect(stage, null);
    assertThat(seen.position()).isEqualTo(2);
    assertThat(seen.extras().ownedBy(OWNER).owned())
        .containsExactly(new RouteAdditions.Route("match", INSIDERS, "v2"));
    // positions count the user's routes only: http[1] is still the fallback route
    assertThat(VirtualServiceEdits.inspect(stage, "http[1]").position()).isEqualTo(2);

    GenericKubernetesResource rolledBack = write(stage, null, allTo("v1"));
    assertThat(json(rolledBack)).isEqualTo(json(guide));
  }

  @Test
  void aNamedRouteWithItsOwnMatchGivesTheAbRouteBothMatchesAndOtherFieldsAreCopied() {
    GenericKubernetesResource vs = load("helloworld-vs-named-routes.yaml");
    GenericKubernetesResource stage =
        write(
            vs,
            "primary",
            shape(
                JOINED,
                null,
                List.of(new RouteAdditions.Route("match", INSIDERS, "v2")),
                Map.of()));

    JsonNode added = http(stage, 2);
    assertThat(added.path("name").asText()).isEqualTo("sluice/default/helloworld/match");
    assertThat(added.path("match").toString())
        .isEqualTo(
            "[{\"uri\":{\"prefix\":\"/\"},\"headers\":{\"x-canary\":{\"exact\":\"insider\"}}}]");
    assertThat(http(stage, 3).path("name").asText()).isEqualTo("primary");
    assertThat(extras(stage, "primary").owned().get(0).purpose()).isEqualTo("match");
  }

  @Test
  void theMirrorIsWrittenOnTheManagedRouteAndOnlySluicesIsRemoved() {
    GenericKubernetesResource guide = load("helloworld-vs.yaml");
    GenericKubernetesResource mirrored =
        write(guide, null, shape(JOINED, new RouteAdditions.Mirror("v2", 50), List.of(), Map.of()));
    JsonNode managed = http(mirrored, 1);
    assertThat(managed.path("mirror").toString())
        .isEqualTo("{\"host\":\"helloworld\",\"subset\":\"v2\"}");
    assertThat(managed.path("mirrorPercentage").path("value").asInt()).isEqualTo(50);
    assertThat(extras(mirrored, null).mirror()).isEqualTo(new RouteAdditions.Mirror("v2", 50));
    assertThat(json(write(mirrored, null, allTo("v1")))).isEqualTo(json(guide));

    // a user's mirror to another subset is read, and never removed
    GenericKubernetesResource shadow = load("helloworld-vs-mirror.yaml");
    assertThat(extras(shadow, null).mirror()).isEqualTo(new RouteAdditions.Mirror("shadow", 10));
    GenericKubernetesResource after = write(shadow, null, allTo("v1"));
    assertThat(json(after)).isEqualTo(json(shadow));
  }

  @Test
  void sessionCookiesAreSetOnEachVersionsAnswersAndLeaveNoTrace() {
    GenericKubernetesResource guide = load("helloworld-vs.yaml");
    List<Destination> step = List.of(new Destination("v1", 80), new Destination("v2", 20));
    Map<String, String> cookies =
        Map.of(
            "v2", "s=sluice-v2-0000abcd; Max-Age=60; Path=/",
            "v1", "s=sluice-v1-0000abcd; Max-Age=60; Path=/");
    List<RouteAdditions.Route> sticky =
        List.of(
            new RouteAdditions.Route(
                "sticky-canary",
                List.of(
                    Map.of(
                        "headers",
                        Map.of(
                            "cookie", Map.of("regex", "^(.*;\\s*)?s=sluice-v2-0000abcd(;.*)?$")))),
                "v2"),
            new RouteAdditions.Route(
                "sticky-stable",
                List.of(
                    Map.of(
                        "headers",
                        Map.of(
                            "cookie", Map.of("regex", "^(.*;\\s*)?s=sluice-v1-0000abcd(;.*)?$")))),
                "v1"));
    GenericKubernetesResource during = write(guide, null, shape(step, null, sticky, cookies));

    assertThat(http(during, 1).path("name").asText()).endsWith("/sticky-canary");
    assertThat(http(during, 2).path("name").asText()).endsWith("/sticky-stable");
    JsonNode managed = http(during, 3);
    assertThat(managed.path("route").get(1).path("headers").toString())
        .isEqualTo(
            "{\"response\":{\"add\":{\"Set-Cookie\":\"s=sluice-v2-0000abcd; Max-Age=60; Path=/\"}}}");
    RouteExtras seen = extras(during, null);
    assertThat(seen.cookies()).isEqualTo(cookies);
    assertThat(seen.owned()).hasSize(2);
    assertThat(seen.foreignCookie()).isNull();

    assertThat(json(write(during, null, allTo("v1")))).isEqualTo(json(guide));
  }

  @Test
  void aUsersSetCookieIsReportedAndKept() {
    GenericKubernetesResource vs = load("helloworld-vs-extra-fields.yaml");
    GenericKubernetesResource withCookie =
        VirtualServiceEdits.withRoute(
            vs, null, new Effect.SetRoute(List.of(new Destination("v1", 100))));
    com.fasterxml.jackson.databind.node.ObjectNode tree = Fixtures.tree(withCookie);
    com.fasterxml.jackson.databind.node.ObjectNode entry =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            tree.path("spec")
                .path("http")
                .get(VirtualServiceEdits.inspect(vs, null).position())
                .path("route")
                .get(0);
    entry.putObject("headers").putObject("response").putObject("set").put("set-cookie", "lang=en");
    GenericKubernetesResource users =
        Fixtures.SERIALIZATION.convertValue(tree, GenericKubernetesResource.class);

    assertThat(extras(users, null).foreignCookie()).isEqualTo("lang=en");
    assertThat(json(write(users, null, allTo("v1")))).isEqualTo(json(users));
  }

  @Test
  void anotherCanarysRoutesInTheSameVirtualServiceAreLeftAlone() {
    GenericKubernetesResource guide = load("helloworld-vs.yaml");
    Effect.SetRoute other =
        new Effect.SetRoute(
                JOINED,
                new RouteAdditions(
                    null,
                    List.of(new RouteAdditions.Route("match", INSIDERS, "v2")),
                    Map.of(),
                    null),
                null)
            .ownedBy(OwnedRoutes.prefix("default", "other"));
    GenericKubernetesResource withOthers = write(guide, null, other);
    GenericKubernetesResource mine =
        write(
            withOthers,
            null,
            shape(
                JOINED,
                null,
                List.of(new RouteAdditions.Route("match", INSIDERS, "v2")),
                Map.of()));
    GenericKubernetesResource back = write(mine, null, allTo("v1"));

    assertThat(http(back, 1).path("name").asText()).isEqualTo("sluice/default/other/match");
    assertThat(extras(back, null).owned()).isEmpty();
  }

  @Test
  void additionsAreRefusedOnATcpRouteAndRoutesNeedTheirOwner() {
    GenericKubernetesResource tcp = load("helloworld-vs-tcp-only.yaml");
    assertThatThrownBy(
            () ->
                VirtualServiceEdits.withRoute(
                    tcp,
                    null,
                    shape(JOINED, new RouteAdditions.Mirror("v2", 100), List.of(), Map.of())))
        .isInstanceOf(RefusedEditException.class)
        .hasMessageContaining("only http routes");
    Effect.SetRoute ownerless =
        new Effect.SetRoute(
            JOINED,
            new RouteAdditions(
                null, List.of(new RouteAdditions.Route("match", INSIDERS, "v2")), Map.of(), null),
            null);
    assertThatThrownBy(
            () -> VirtualServiceEdits.withRoute(load("helloworld-vs.yaml"), null, ownerless))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
