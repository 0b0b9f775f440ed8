package dev.sluice.rollout;

import java.util.List;

/**
 * A side effect the state machine asks for, as data. The controller carries effects out in order;
 * each is idempotent, so a repeated effect after a crash changes nothing.
 */
public sealed interface Effect {

  /** Add a subset for {@code version} to the DestinationRule, modelled on {@code likeVersion}'s. */
  record AddSubset(String version, String likeVersion) implements Effect {}

  /** Remove {@code version}'s subset from the DestinationRule (no route references it). */
  record RemoveSubset(String version) implements Effect {}

  /**
   * Make every managed route's destinations exactly these (subsets and weights, summing to 100):
   * the routes move in lockstep, one write per VirtualService, the writes to different
   * VirtualServices issued at once. A route that cannot be written (its VirtualService gone or
   * unmanageable) is left out; the state machine asks for this only when that is right. A rollback
   * is a single SetRoute to 100% stable without additions, which also removes every route, mirror
   * and cookie Sluice added.
   *
   * @param destinations the managed routes' destinations
   * @param additions what the stage adds beside them (mirror, routes of Sluice's, cookies)
   * @param owner the prefix that names Sluice's routes for this Canary ({@code
   *     sluice/<namespace>/<name>/}), set by the controller before the write; null when unknown
   */
  record SetRoute(List<Destination> destinations, RouteAdditions additions, String owner)
      implements Effect {
    /** Destinations only: removes nothing Sluice added, adds nothing. */
    public SetRoute(List<Destination> destinations) {
      this(destinations, RouteAdditions.NONE, null);
    }

    /** This effect for the Canary whose routes are named {@code prefix + purpose}. */
    public SetRoute ownedBy(String prefix) {
      return new SetRoute(destinations, additions, prefix);
    }

    public SetRoute {
      destinations = List.copyOf(destinations);
      java.util.Objects.requireNonNull(additions, "additions");
      if (destinations.isEmpty()) {
        throw new IllegalArgumentException("a route needs at least one destination");
      }
      int sum = destinations.stream().mapToInt(Destination::weight).sum();
      if (sum != 100) {
        throw new IllegalArgumentException("weights must sum to 100, were " + destinations);
      }
    }
  }

  /**
   * Retire one Deployment of the old {@code version} per the Canary's retirement policy (nothing
   * sends traffic to its pods any more).
   */
  record RetireDeployment(String version, String deployment, RetirementPolicy policy)
      implements Effect {}
}
