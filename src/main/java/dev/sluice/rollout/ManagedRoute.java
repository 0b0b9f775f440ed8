package dev.sluice.rollout;

/**
 * One route a Canary manages, and what it looks like now.
 *
 * @param ref where it is
 * @param observation what it looks like
 */
public record ManagedRoute(RouteRef ref, RouteObservation observation) {

  /** Whether Sluice can write it. */
  public boolean ok() {
    return observation.state() == RouteObservation.State.OK;
  }
}
