package dev.sluice.rollout;

import java.util.List;
import java.util.Map;

/**
 * What Sluice adds to a managed http route for a stage, beside its destinations: a mirror to the
 * canary, routes of its own just before the managed route, and session cookies set on the answers.
 * A rollback or a promotion asks for none of them, which removes every one Sluice added.
 *
 * @param mirror the mirror to set, or null for none (Sluice's own mirror is then removed)
 * @param routes Sluice's routes, in order, placed immediately before the managed route
 * @param cookies per subset of the managed route, the {@code Set-Cookie} value its answers carry
 * @param ownMirror the subset whose mirror on the managed route is Sluice's (removable), or null
 */
public record RouteAdditions(
    Mirror mirror, List<Route> routes, Map<String, String> cookies, String ownMirror) {

  /** Nothing added, nothing of Sluice's to remove. */
  public static final RouteAdditions NONE = new RouteAdditions(null, List.of(), Map.of(), null);

  public RouteAdditions {
    routes = List.copyOf(routes);
    cookies = Map.copyOf(cookies);
  }

  /** Whether nothing is added. */
  public boolean none() {
    return mirror == null && routes.isEmpty() && cookies.isEmpty();
  }

  /**
   * A mirror of the managed route.
   *
   * @param subset where copies go
   * @param percent the share of requests copied, 1..100
   */
  public record Mirror(String subset, int percent) {}

  /**
   * A route of Sluice's, named after the Canary and its purpose.
   *
   * @param purpose {@code match}, {@code sticky-canary} or {@code sticky-stable}
   * @param match its Istio HTTPMatchRequests, before they are combined with the managed route's own
   *     match
   * @param subset where all its requests go
   */
  public record Route(String purpose, List<Map<String, Object>> match, String subset) {
    public Route {
      match = List.copyOf(match);
    }
  }
}
