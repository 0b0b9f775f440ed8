package dev.sluice.rollout;

import java.time.Instant;

/**
 * One version's Deployment as the state machine sees it.
 *
 * @param version the version label's value
 * @param name the Deployment's name
 * @param replicas desired replicas
 * @param readyReplicas ready replicas
 * @param createdAt creation time, to tell newer versions from older ones
 */
public record DeploymentView(
    String version, String name, int replicas, int readyReplicas, Instant createdAt) {

  /** Every desired replica is ready, and there is at least one: a release may start. */
  public boolean ready() {
    return replicas > 0 && readyReplicas >= replicas;
  }

  /** At least one replica serves: the subset may stay in a route. */
  public boolean serving() {
    return readyReplicas > 0;
  }
}
