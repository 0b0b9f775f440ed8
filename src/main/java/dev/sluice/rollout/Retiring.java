package dev.sluice.rollout;

import java.time.Instant;

/**
 * An old version whose retirement is not finished: it left the managed route (promotion) or was
 * rolled back, and its subset (and, after a promotion, its Deployments) go once nothing sends
 * traffic to them any more.
 *
 * @param version the version
 * @param scope what is to be retired
 * @param freeSince since when nothing has held it (the retirement delay counts from here); null
 *     while something holds it
 * @param heldBy what holds it, for people; null when nothing does
 */
public record Retiring(String version, Scope scope, Instant freeSince, String heldBy) {

  /** What retiring a version removes. */
  public enum Scope {
    /** Its subset only: a rolled-back canary's Deployment stays for inspection. */
    SUBSET,
    /**
     * Its subset, then its Deployments (per the Canary's retirement policy): a replaced version.
     */
    SUBSET_AND_DEPLOYMENTS
  }

  public boolean held() {
    return heldBy != null;
  }
}
