package dev.sluice.rollout;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which of the app's Deployments may start a release by itself, and why each other one may not.
 *
 * <p>A version is a candidate only when Sluice has no doubt it is a new release of the app: its
 * Deployment is selected by the Canary's versionSelector, ready, not older than the stable
 * version's Deployment (nor, after a rollback, than the rolled-back one), not an old version being
 * retired, its subset (when one exists) selects exactly its pods, and no route of any kind, no
 * mirror, in any VirtualService Sluice can see sends traffic to it but the managed route. A
 * Deployment that something else already serves (a debug or shadow build, a version pinned for one
 * client) is never a candidate, whatever its labels and age.
 */
public final class Candidates {
  private Candidates() {}

  /** Newest first in {@code max}: by creation time, then by version. */
  public static final Comparator<DeploymentView> NEWEST =
      Comparator.comparing(DeploymentView::createdAt).thenComparing(DeploymentView::version);

  /**
   * One entry per Deployment of the app, first created first.
   *
   * @param phase the phase the status is in (or goes to)
   * @param stable the stable version, or null before one is known
   * @param canary the version being (or last) released, or null
   * @param retiring the old versions whose retirement is not finished
   */
  public static List<Candidate> of(
      ReleaseSpec spec,
      Phase phase,
      String stable,
      String canary,
      List<Retiring> retiring,
      World world) {
    Optional<DeploymentView> stableDeployment =
        stable == null ? Optional.empty() : world.deployment(stable);
    String rolledBack = phase == Phase.RolledBack ? canary : null;
    Optional<DeploymentView> rolledBackDeployment =
        rolledBack == null ? Optional.empty() : world.deployment(rolledBack);
    List<Candidate> out = new ArrayList<>();
    for (DeploymentView d : world.deployments()) {
      String why =
          retiring.stream().anyMatch(r -> r.version().equals(d.version()))
              ? "it is an old version, being retired"
              : whyNot(
                  spec, phase, stable, canary, world, d, stableDeployment, rolledBackDeployment);
      out.add(
          new Candidate(
              d.name(),
              d.version(),
              why == null,
              why == null ? "ready, and no other route serves it" : why));
    }
    return List.copyOf(out);
  }

  private static String whyNot(
      ReleaseSpec spec,
      Phase phase,
      String stable,
      String canary,
      World world,
      DeploymentView d,
      Optional<DeploymentView> stableDeployment,
      Optional<DeploymentView> rolledBackDeployment) {
    String version = d.version();
    if (version == null) {
      return "it has no version label";
    }
    if (version.equals(stable)) {
      return "it is the stable version";
    }
    if (version.equals(canary) && !phase.settled()) {
      return "it is being released";
    }
    if (rolledBackDeployment.isPresent() && version.equals(canary)) {
      return "it was rolled back; the retry action releases it again";
    }
    if (!spec.versionSelector().matches(d.labels())) {
      return "the Canary's versionSelector does not select it";
    }
    List<Reference> serving = world.serving(d);
    if (!serving.isEmpty()) {
      return "it is served by "
          + String.join(
              "; ", serving.stream().map(r -> r.describe(world.namespace())).distinct().toList());
    }
    Optional<String> subset = world.subsetProblem(version);
    if (subset.isPresent()) {
      return subset.get();
    }
    if (stableDeployment.isPresent()
        && d.createdAt().isBefore(stableDeployment.get().createdAt())) {
      return "it is older than the stable version's Deployment " + stableDeployment.get().name();
    }
    if (rolledBackDeployment.isPresent() && NEWEST.compare(d, rolledBackDeployment.get()) <= 0) {
      // an older version left running (itself rolled back before) must not start again, or two
      // rolled-back versions would release each other in turn
      return "it is not newer than the rolled-back version " + canary;
    }
    if (!d.ready()) {
      return "it is not ready (" + d.readyReplicas() + "/" + d.replicas() + " replicas)";
    }
    if (spec.targetVersion() != null) {
      return "the Canary releases its targetVersion (" + spec.targetVersion() + ") only";
    }
    if (!spec.autoStart()) {
      return "autoStart is off: name it in targetVersion to release it";
    }
    return null;
  }
}
