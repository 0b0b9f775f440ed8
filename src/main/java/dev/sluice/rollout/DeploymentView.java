package dev.sluice.rollout;

import java.time.Instant;
import java.util.Map;

/**
 * One Deployment of the app as the state machine sees it.
 *
 * @param version the version label's value, or null when the Deployment has none
 * @param name the Deployment's name
 * @param replicas desired replicas
 * @param readyReplicas ready replicas
 * @param createdAt creation time, to tell newer versions from older ones
 * @param labels the Deployment's own labels (what a Canary's versionSelector selects on)
 * @param podLabels the labels of its pods (what a DestinationRule's subset selects on)
 */
public record DeploymentView(
    String version,
    String name,
    int replicas,
    int readyReplicas,
    Instant createdAt,
    Map<String, String> labels,
    Map<String, String> podLabels) {

  public DeploymentView {
    labels = Map.copyOf(labels);
    podLabels = Map.copyOf(podLabels);
  }

  /** A Deployment whose own and pod labels are just {@code version=<version>}. */
  public DeploymentView(
      String version, String name, int replicas, int readyReplicas, Instant createdAt) {
    this(
        version,
        name,
        replicas,
        readyReplicas,
        createdAt,
        Map.of("version", version),
        Map.of("version", version));
  }

  /** Every desired replica is ready, and there is at least one: a release may start. */
  public boolean ready() {
    return replicas > 0 && readyReplicas >= replicas;
  }

  /** At least one replica serves: the subset may stay in a route. */
  public boolean serving() {
    return readyReplicas > 0;
  }
}
