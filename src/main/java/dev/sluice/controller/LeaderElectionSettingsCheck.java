package dev.sluice.controller;

import dev.sluice.config.KubernetesNames;
import dev.sluice.config.Problems;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder;
import java.time.Duration;

/**
 * The rules of {@link LeaderElectionConfig}: the Lease's namespace and name, and the durations as
 * fabric8's {@link LeaderElectorBuilder} would, whose refusal otherwise comes only once the caches
 * have synced, and then looks like an unreachable API.
 */
final class LeaderElectionSettingsCheck {
  private static final String PREFIX = "sluice.leader-election.";

  /** fabric8's {@code LeaderElector.JITTER_FACTOR}: a retry waits up to this much longer. */
  static final double JITTER_FACTOR = 1.2;

  private LeaderElectionSettingsCheck() {}

  static void check(LeaderElectionConfig config, Problems problems) {
    config.namespace().ifPresent(ns -> KubernetesNames.label(problems, PREFIX + "namespace", ns));
    KubernetesNames.subdomain(problems, PREFIX + "lease-name", config.leaseName());
    Duration lease = config.leaseDuration();
    Duration renew = config.renewDeadline();
    Duration retry = config.retryPeriod();
    problems.positive(PREFIX + "lease-duration", lease);
    problems.positive(PREFIX + "renew-deadline", renew);
    problems.positive(PREFIX + "retry-period", retry);
    if (lease.compareTo(renew) <= 0) {
      problems.add(
          PREFIX + "lease-duration",
          lease,
          "must be longer than "
              + PREFIX
              + "renew-deadline ("
              + Problems.show(renew)
              + "): a leader would lose its Lease while it still renews it");
    }
    Duration minimum = minimumRenewDeadline(retry);
    if (minimum == null) {
      problems.add(PREFIX + "retry-period", retry, "is too long");
    } else if (renew.compareTo(minimum) <= 0) {
      problems.add(
          PREFIX + "renew-deadline",
          renew,
          "must be longer than "
              + Problems.show(minimum)
              + ", the longest wait between two tries to renew the Lease ("
              + PREFIX
              + "retry-period, "
              + Problems.show(retry)
              + ", plus up to "
              + JITTER_FACTOR
              + " times it of jitter)");
    }
  }

  /**
   * fabric8's rule ({@code LeaderElectorBuilder.validate}): the renew deadline must be longer than
   * {@code retryPeriod + ceil(retryPeriod in ms * JITTER_FACTOR) ms}. Null when that overflows.
   */
  static Duration minimumRenewDeadline(Duration retry) {
    try {
      return retry.plusMillis((long) Math.ceil(retry.toMillis() * JITTER_FACTOR));
    } catch (ArithmeticException e) {
      return null;
    }
  }
}
