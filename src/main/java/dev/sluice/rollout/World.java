package dev.sluice.rollout;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the cluster looks like now, as far as one Canary's release is concerned.
 *
 * @param route the managed route of the VirtualService
 * @param subsets subset names of the DestinationRule, or {@code null} when it does not exist
 * @param deployments the app's Deployments by version
 */
public record World(
    RouteObservation route, Set<String> subsets, Map<String, DeploymentView> deployments) {

  public World {
    subsets = subsets == null ? null : Set.copyOf(subsets);
    deployments = Map.copyOf(deployments);
  }

  public boolean destinationRuleExists() {
    return subsets != null;
  }

  public boolean hasSubset(String version) {
    return subsets != null && subsets.contains(version);
  }

  public Optional<DeploymentView> deployment(String version) {
    return Optional.ofNullable(deployments.get(version));
  }
}
