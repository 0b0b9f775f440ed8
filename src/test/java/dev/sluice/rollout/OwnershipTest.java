package dev.sluice.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One owner per route: who acts when two Canaries claim the same route or app. */
class OwnershipTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static Ownership.Claim claim(
      String name, long createdSecond, String app, int position, boolean releasing) {
    return new Ownership.Claim(
        "shop",
        name,
        T0.plusSeconds(createdSecond),
        app,
        List.of(route("shop/helloworld", position, null)),
        releasing);
  }

  private static Ownership.RouteClaim route(String vs, int position, String name) {
    return new Ownership.RouteClaim(vs, position < 0 ? null : "http", position, name);
  }

  @Test
  void theCanaryCreatedLaterLosesAndIsToldWhoOwnsTheRoute() {
    Ownership.Claim first = claim("helloworld", 0, "helloworld", 1, false);
    Ownership.Claim copy = claim("helloworld-copy", 60, "helloworld", 1, false);

    assertThat(Ownership.ownerOver(first, List.of(copy))).isEmpty();
    assertThat(Ownership.ownerOver(copy, List.of(first))).contains(first);
    assertThat(Ownership.conflict(copy, first))
        .isEqualTo(
            "Canary shop/helloworld releases the same app (helloworld) and was created first;"
                + " nothing is done for this Canary until that one is deleted or changed");
  }

  @Test
  void sameCreationTimeIsBrokenByName() {
    Ownership.Claim a = claim("a", 0, "x", 1, false);
    Ownership.Claim b = claim("b", 0, "y", 1, false);
    assertThat(Ownership.ownerOver(a, List.of(b))).isEmpty();
    assertThat(Ownership.ownerOver(b, List.of(a))).contains(a);
  }

  @Test
  void aReleaseUnderWayKeepsItsRouteAgainstAnOlderCanaryEditedOntoIt() {
    Ownership.Claim older = claim("older", 0, "other-app", 1, false);
    Ownership.Claim releasing = claim("releasing", 60, "helloworld", 1, true);
    assertThat(Ownership.ownerOver(releasing, List.of(older))).isEmpty();
    assertThat(Ownership.ownerOver(older, List.of(releasing))).contains(releasing);
    assertThat(Ownership.conflict(older, releasing))
        .contains("manages the same route of VirtualService shop/helloworld")
        .contains("has a release under way");
  }

  @Test
  void differentRoutesOfOneVirtualServiceAndDifferentAppsDoNotContend() {
    Ownership.Claim fallback = claim("web", 0, "web", 1, false);
    Ownership.Claim api = claim("api", 60, "api", 0, false);
    assertThat(Ownership.ownerOver(api, List.of(fallback))).isEmpty();
    assertThat(Ownership.ownerOver(fallback, List.of(api))).isEmpty();
  }

  @Test
  void anUnresolvedRouteIsComparedByName() {
    Ownership.Claim a =
        new Ownership.Claim("shop", "a", T0, "x", List.of(route("shop/vs", -1, "primary")), false);
    Ownership.Claim b =
        new Ownership.Claim(
            "shop", "b", T0.plusSeconds(1), "y", List.of(route("shop/vs", -1, "primary")), false);
    Ownership.Claim c =
        new Ownership.Claim(
            "shop", "c", T0.plusSeconds(2), "z", List.of(route("shop/vs", -1, "canary")), false);
    assertThat(Ownership.ownerOver(b, List.of(a, c))).contains(a);
    assertThat(Ownership.ownerOver(c, List.of(a, b))).isEmpty();
  }

  @Test
  void canariesInOtherNamespacesDoNotContend() {
    Ownership.Claim here = claim("helloworld", 60, "helloworld", 1, false);
    Ownership.Claim there =
        new Ownership.Claim(
            "staging",
            "helloworld",
            T0,
            "helloworld",
            List.of(route("staging/helloworld", 1, null)),
            false);
    assertThat(Ownership.ownerOver(here, List.of(there))).isEmpty();
  }

  @Test
  void aGatewayRouteSharedAcrossNamespacesHasOneOwner() {
    // two teams' Canaries list the same route of the gateway's VirtualService in istio-ingress
    Ownership.Claim shop =
        new Ownership.Claim(
            "shop",
            "web",
            T0,
            "web",
            List.of(route("shop/web", 0, null), route("istio-ingress/public", 2, null)),
            false);
    Ownership.Claim blog =
        new Ownership.Claim(
            "blog",
            "web",
            T0.plusSeconds(5),
            "web",
            List.of(route("blog/web", 0, null), route("istio-ingress/public", 2, null)),
            false);
    assertThat(Ownership.ownerOver(blog, List.of(shop))).contains(shop);
    assertThat(Ownership.conflict(blog, shop))
        .contains("manages the same route of VirtualService istio-ingress/public");
    // another route of the same gateway VirtualService is no conflict; nor is the same app name
    // in another namespace
    Ownership.Claim other =
        new Ownership.Claim(
            "blog",
            "web",
            T0.plusSeconds(5),
            "web",
            List.of(route("blog/web", 0, null), route("istio-ingress/public", 3, null)),
            false);
    assertThat(Ownership.ownerOver(other, List.of(shop))).isEmpty();
  }

  @Test
  void aTcpRouteAndAnHttpRouteAtTheSamePositionAreDifferentRoutes() {
    Ownership.Claim http =
        new Ownership.Claim(
            "shop",
            "a",
            T0,
            "a",
            List.of(new Ownership.RouteClaim("shop/db", "http", 0, null)),
            false);
    Ownership.Claim tcp =
        new Ownership.Claim(
            "shop",
            "b",
            T0.plusSeconds(1),
            "b",
            List.of(new Ownership.RouteClaim("shop/db", "tcp", 0, "tcp[0]")),
            false);
    assertThat(Ownership.ownerOver(tcp, List.of(http))).isEmpty();
  }
}
