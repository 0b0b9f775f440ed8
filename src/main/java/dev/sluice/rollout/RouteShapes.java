package dev.sluice.rollout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the managed routes should look like in each part of a release, as route effects, and whether
 * a route already does. Beside the destinations, a stage adds a mirror, routes of Sluice's or
 * session cookies ({@link RouteAdditions}); every other shape removes what Sluice added, so a
 * rollback or a promotion is one write per VirtualService.
 */
final class RouteShapes {
  /** A {@code Set-Cookie} whose value starts with this (after {@code name=}) is Sluice's. */
  static final String COOKIE_VALUE_PREFIX = "sluice-";

  private final ReleaseSpec spec;
  private final ReleaseStatus st;

  RouteShapes(ReleaseSpec spec, ReleaseStatus st) {
    this.spec = spec;
    this.st = st;
  }

  /** The canary joins the routes at weight 0, nothing added yet. */
  Effect.SetRoute joining() {
    return shape(
        List.of(new Destination(st.stableVersion(), 100), new Destination(st.canaryVersion(), 0)),
        null,
        List.of(),
        Map.of());
  }

  /** Every request to {@code version}; whatever Sluice added is removed. */
  Effect.SetRoute allTo(String version) {
    return shape(List.of(new Destination(version, 100)), null, List.of(), Map.of());
  }

  /** The routes during step {@code index} at the recorded {@code weight}. */
  Effect.SetRoute during(int index, int weight) {
    String stable = st.stableVersion();
    String canary = st.canaryVersion();
    List<Destination> destinations =
        List.of(new Destination(stable, 100 - weight), new Destination(canary, weight));
    Strategy s = spec.strategy();
    Step step = spec.step(index);
    return switch (step.kind()) {
      case MIRROR ->
          shape(
              destinations,
              new RouteAdditions.Mirror(canary, s.mirror().percent()),
              List.of(),
              Map.of());
      case MATCH ->
          shape(
              destinations,
              null,
              List.of(new RouteAdditions.Route("match", s.match().match(), canary)),
              Map.of());
      case WEIGHT -> {
        if (s.affinity() == null) {
          yield shape(destinations, null, List.of(), Map.of());
        }
        Map<String, String> cookies = new LinkedHashMap<>();
        cookies.put(canary, setCookie(canary));
        cookies.put(stable, setCookie(stable));
        yield shape(
            destinations,
            null,
            List.of(
                new RouteAdditions.Route("sticky-canary", cookieMatch(canary), canary),
                new RouteAdditions.Route("sticky-stable", cookieMatch(stable), stable)),
            cookies);
      }
    };
  }

  private Effect.SetRoute shape(
      List<Destination> destinations,
      RouteAdditions.Mirror mirror,
      List<RouteAdditions.Route> routes,
      Map<String, String> cookies) {
    String ownMirror = spec.strategy().mirror() == null ? null : st.canaryVersion();
    return new Effect.SetRoute(
        destinations, new RouteAdditions(mirror, routes, cookies, ownMirror), null);
  }

  /** The cookie value that sends a session back to {@code version} in this release. */
  String cookieValue(String version) {
    String release = st.canaryVersion() + "@" + st.releaseStartedAt();
    return COOKIE_VALUE_PREFIX + version + "-" + String.format("%08x", release.hashCode());
  }

  private String setCookie(String version) {
    Strategy.SessionAffinity a = spec.strategy().affinity();
    return a.cookieName()
        + "="
        + cookieValue(version)
        + "; Max-Age="
        + a.maxAge().toSeconds()
        + "; Path=/";
  }

  /** Requests whose cookie header carries this release's cookie for {@code version}. */
  private List<Map<String, Object>> cookieMatch(String version) {
    String cookie = spec.strategy().affinity().cookieName() + "=" + cookieValue(version);
    String regex = "^(.*;\\s*)?" + quote(cookie) + "(;.*)?$";
    return List.of(Map.of("headers", Map.of("cookie", Map.of("regex", regex))));
  }

  /** {@code text} as an RE2 literal. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  /** Whether {@code r} already looks as {@code want} asks (no write needed). */
  static boolean conforms(ManagedRoute r, Effect.SetRoute want) {
    RouteObservation o = r.observation();
    if (!o.destinations().equals(want.destinations())) {
      return false;
    }
    RouteExtras x = o.extras();
    RouteAdditions a = want.additions();
    if (a.mirror() != null) {
      if (!a.mirror().equals(x.mirror())) {
        return false;
      }
    } else if (x.mirror() != null && x.mirror().subset().equals(a.ownMirror())) {
      return false; // Sluice's mirror, no longer wanted
    }
    List<RouteAdditions.Route> wanted = new ArrayList<>();
    for (RouteAdditions.Route route : a.routes()) {
      wanted.add(
          new RouteAdditions.Route(
              route.purpose(), Matches.and(x.match(), route.match()).match(), route.subset()));
    }
    return x.owned().equals(wanted) && x.cookies().equals(a.cookies());
  }

  /**
   * Why the stages cannot be carried out on {@code r}, or empty: checked before the canary joins,
   * so that Sluice never replaces a mirror, a cookie or a match of the user's.
   */
  Optional<String> problem(ManagedRoute r) {
    Strategy s = spec.strategy();
    if (!s.needsHttp()) {
      return Optional.empty();
    }
    RouteObservation o = r.observation();
    if (!"http".equals(o.kind())) {
      return Optional.of(
          "the managed route is a "
              + o.kind()
              + " route: mirror, match and sessionAffinity need an http route");
    }
    RouteExtras x = o.extras();
    if (s.mirror() != null && (x.mirror() != null || x.otherMirrors())) {
      return Optional.of(
          "the managed route already mirrors"
              + (x.mirror() == null ? "" : " to " + x.mirror().subset())
              + ": the mirror stage would replace it (remove that mirror, or the Canary's mirror)");
    }
    if (s.affinity() != null && x.foreignCookie() != null) {
      return Optional.of(
          "the managed route already sets a cookie ("
              + x.foreignCookie()
              + "): session affinity would replace it (remove it, or the Canary's"
              + " sessionAffinity)");
    }
    List<List<Map<String, Object>>> stageMatches = new ArrayList<>();
    if (s.match() != null) {
      stageMatches.add(s.match().match());
    }
    if (s.affinity() != null) {
      stageMatches.add(cookieMatch(st.canaryVersion()));
    }
    for (List<Map<String, Object>> m : stageMatches) {
      Optional<String> conflict = Matches.and(x.match(), m).problem();
      if (conflict.isPresent()) {
        return conflict;
      }
    }
    return Optional.empty();
  }
}
