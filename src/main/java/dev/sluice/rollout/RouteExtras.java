package dev.sluice.rollout;

import java.util.List;
import java.util.Map;

/**
 * What a managed http route carries beside its destinations, as read: what the stages need to know
 * before they add anything, and what Sluice added before.
 *
 * @param match the managed route's own match (empty for a fallback route), as plain maps
 * @param mirror its {@code mirror} (subset and percent), or null
 * @param otherMirrors whether it mirrors in a way Sluice does not write ({@code mirrors}, or a
 *     mirror without a subset)
 * @param owned the routes of Sluice's found in the VirtualService, their match as written (the
 *     managed route's own combined in), by purpose; only the Canary's own once {@link #ownedBy}
 * @param cookies per subset, the {@code Set-Cookie} value Sluice set on its answers
 * @param foreignCookie a {@code Set-Cookie} on the route's answers that is not Sluice's, or null
 */
public record RouteExtras(
    List<Map<String, Object>> match,
    RouteAdditions.Mirror mirror,
    boolean otherMirrors,
    List<RouteAdditions.Route> owned,
    Map<String, String> cookies,
    String foreignCookie) {

  /** A route without match, mirror, cookies or routes of Sluice's. */
  public static final RouteExtras NONE =
      new RouteExtras(List.of(), null, false, List.of(), Map.of(), null);

  public RouteExtras {
    match = List.copyOf(match);
    owned = List.copyOf(owned);
    cookies = Map.copyOf(cookies);
  }

  /**
   * These extras with only the routes named {@code prefix + purpose}, each known by its purpose.
   */
  public RouteExtras ownedBy(String prefix) {
    List<RouteAdditions.Route> mine =
        owned.stream()
            .filter(r -> r.purpose().startsWith(prefix))
            .map(
                r ->
                    new RouteAdditions.Route(
                        r.purpose().substring(prefix.length()), r.match(), r.subset()))
            .toList();
    return new RouteExtras(match, mirror, otherMirrors, mine, cookies, foreignCookie);
  }
}
