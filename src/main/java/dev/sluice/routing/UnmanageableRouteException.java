package dev.sluice.routing;

import dev.sluice.rollout.RouteObservation;

/**
 * The managed route of a VirtualService cannot be written: the route is absent ({@link
 * RouteObservation.State#NOT_FOUND}) or the VirtualService is one Sluice refuses to manage ({@link
 * RouteObservation.State#INVALID}, e.g. match routes without a fallback route). {@link
 * #observation()} says which and why.
 */
public class UnmanageableRouteException extends RefusedEditException {
  private static final long serialVersionUID = 1L;

  private final transient RouteObservation observation;

  public UnmanageableRouteException(RouteObservation observation) {
    super(observation.state() + ": " + observation.problem());
    this.observation = observation;
  }

  /** What {@link VirtualServiceEdits#inspect} found; its state is never OK. */
  public RouteObservation observation() {
    return observation;
  }
}
