package dev.sluice.rollout;

import java.time.Duration;

/**
 * One step of a release: what the managed routes do during it, and how long it is held (its bake).
 * The checks judge every step alike.
 *
 * @param kind mirroring, matching requests, or a weight
 * @param weight the canary's share of the requests (0 in the mirror and match stages)
 * @param bake how long the step is held before it may advance
 */
public record Step(Kind kind, int weight, Duration bake) {

  /** What a step does. */
  public enum Kind {
    /** Copies of requests go to the canary; every answer comes from the stable version. */
    MIRROR,
    /** Requests that match go to the canary; the others to the stable version. */
    MATCH,
    /** The canary answers {@code weight}% of requests. */
    WEIGHT
  }
}
