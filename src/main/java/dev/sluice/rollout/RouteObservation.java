package dev.sluice.rollout;

import java.util.List;

/**
 * What the managed route of the VirtualService looks like now, as the state machine needs it.
 *
 * @param state whether the route can be managed
 * @param problem why not, for people ({@code null} when {@code state} is {@link State#OK})
 * @param destinations the managed route's destinations in order (empty unless OK)
 * @param kind the kind of route, {@code http}, {@code tls} or {@code tcp} (null unless OK)
 * @param position the managed route's index in the VirtualService's routes of its kind (-1 unless
 *     OK)
 * @param host the host the managed route's destinations name, as written (null unless OK)
 * @param extras what an http route carries beside its destinations: its match, its mirror, Sluice's
 *     routes and cookies ({@link RouteExtras#NONE} unless OK)
 */
public record RouteObservation(
    State state,
    String problem,
    List<Destination> destinations,
    String kind,
    int position,
    String host,
    RouteExtras extras) {

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
    java.util.Objects.requireNonNull(extras, "extras");
  }

  public static RouteObservation ok(
      String kind, List<Destination> destinations, int position, String host) {
    return new RouteObservation(
        State.OK, null, destinations, kind, position, host, RouteExtras.NONE);
  }

  /** This observation with {@code extras}. */
  public RouteObservation withExtras(RouteExtras extras) {
    return new RouteObservation(state, problem, destinations, kind, position, host, extras);
  }

  /** An OK http route. */
  public static RouteObservation ok(List<Destination> destinations, int position, String host) {
    return ok("http", destinations, position, host);
  }

  /** An OK route at position 0 to host {@code helloworld}. */
  public static RouteObservation ok(List<Destination> destinations) {
    return ok(destinations, 0, "helloworld");
  }

  public static RouteObservation notFound(String problem) {
    return new RouteObservation(
        State.NOT_FOUND, problem, List.of(), null, -1, null, RouteExtras.NONE);
  }

  public static RouteObservation invalid(String problem) {
    return new RouteObservation(
        State.INVALID, problem, List.of(), null, -1, null, RouteExtras.NONE);
  }

  /** The weight of {@code subset} in the managed route, or -1 when the route does not name it. */
  public int weightOf(String subset) {
    return destinations.stream()
        .filter(d -> d.subset().equals(subset))
        .mapToInt(Destination::weight)
        .findFirst()
        .orElse(-1);
  }
}
