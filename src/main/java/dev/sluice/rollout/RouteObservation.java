package dev.sluice.rollout;

import java.util.List;
import java.util.Set;

/**
 * What the managed route of the VirtualService looks like now, as the state machine needs it.
 *
 * @param state whether the route can be managed
 * @param problem why not, for people ({@code null} when {@code state} is {@link State#OK})
 * @param destinations the managed route's destinations in order (empty unless OK)
 * @param subsetsUsedElsewhere subsets referenced by any other route of the VirtualService
 */
public record RouteObservation(
    State state, String problem, List<Destination> destinations, Set<String> subsetsUsedElsewhere) {

  /** Whether Sluice can manage the route. */
  public enum State {
    /** The route exists and Sluice can manage it. */
    OK,
    /** The VirtualService, or the named route in it, does not exist. */
    NOT_FOUND,
    /** It exists but must not be written (e.g. match routes without a fallback route). */
    INVALID
  }

  public RouteObservation {
    destinations = List.copyOf(destinations);
    subsetsUsedElsewhere = Set.copyOf(subsetsUsedElsewhere);
  }

  public static RouteObservation ok(List<Destination> destinations, Set<String> usedElsewhere) {
    return new RouteObservation(State.OK, null, destinations, usedElsewhere);
  }

  public static RouteObservation notFound(String problem) {
    return new RouteObservation(State.NOT_FOUND, problem, List.of(), Set.of());
  }

  public static RouteObservation invalid(String problem) {
    return new RouteObservation(State.INVALID, problem, List.of(), Set.of());
  }

  /** The weight of {@code subset} in the managed route, or -1 when the route does not name it. */
  public int weightOf(String subset) {
    return destinations.stream()
        .filter(d -> d.subset().equals(subset))
        .mapToInt(Destination::weight)
        .findFirst()
        .orElse(-1);
  }

  /** Whether any route of the VirtualService, managed or not, references {@code subset}. */
  public boolean references(String subset) {
    return weightOf(subset) >= 0 || subsetsUsedElsewhere.contains(subset);
  }
}
