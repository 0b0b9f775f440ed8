package dev.sluice.rollout;

import java.time.Duration;
import java.util.List;

/**
 * A Canary's policy with every default applied and every value checked: what the state machine
 * needs, and nothing it does not.
 *
 * @param plan canary weights, strictly increasing, each 1..100
 * @param interval how long each step is held (bake time)
 * @param evaluationInterval how often checks run during a bake
 * @param failureThreshold failed evaluations that roll back
 * @param inconclusiveLimit consecutive inconclusive evaluations that roll back
 * @param errorLimit consecutive error evaluations that roll back
 * @param progressDeadline how long a step may wait past its bake (or a new version for readiness)
 * @param retirement what happens to the old Deployment
 * @param autoStart whether a newly ready version starts a release by itself
 * @param targetVersion the version to release, when named explicitly (GitOps); else {@code null}
 * @param retirementDelay how long the old version keeps its subset and Deployment after leaving the
 *     route, so that every proxy has the new route before the old pods go (in-flight requests
 *     finish)
 * @param versionSelector which of the app's Deployments may be released (all by default)
 */
public record ReleaseSpec(
    List<Integer> plan,
    Duration interval,
    Duration evaluationInterval,
    int failureThreshold,
    int inconclusiveLimit,
    int errorLimit,
    Duration progressDeadline,
    RetirementPolicy retirement,
    boolean autoStart,
    String targetVersion,
    Duration retirementDelay,
    LabelSelector versionSelector) {

  public static final int DEFAULT_STEP_WEIGHT = 10;
  public static final int DEFAULT_MAX_WEIGHT = 100;
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
  public static final Duration DEFAULT_EVALUATION_INTERVAL = Duration.ofSeconds(15);
  public static final int DEFAULT_FAILURE_THRESHOLD = 1;
  public static final int DEFAULT_INCONCLUSIVE_LIMIT = 5;
  public static final int DEFAULT_ERROR_LIMIT = 5;
  public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofMinutes(10);
  public static final Duration DEFAULT_RETIREMENT_DELAY = Duration.ofSeconds(30);

  /** A spec that retires the old version as soon as it left the route. */
  public ReleaseSpec(
      List<Integer> plan,
      Duration interval,
      Duration evaluationInterval,
      int failureThreshold,
      int inconclusiveLimit,
      int errorLimit,
      Duration progressDeadline,
      RetirementPolicy retirement,
      boolean autoStart,
      String targetVersion) {
    this(
        plan,
        interval,
        evaluationInterval,
        failureThreshold,
        inconclusiveLimit,
        errorLimit,
        progressDeadline,
        retirement,
        autoStart,
        targetVersion,
        Duration.ZERO,
        LabelSelector.ALL);
  }

  public ReleaseSpec {
    plan = List.copyOf(plan);
    if (plan.isEmpty()) {
      throw new IllegalArgumentException("the step plan is empty");
    }
    if (interval.isNegative()
        || interval.isZero()
        || evaluationInterval.isNegative()
        || evaluationInterval.isZero()) {
      throw new IllegalArgumentException("intervals must be positive");
    }
    if (retirementDelay == null || retirementDelay.isNegative()) {
      throw new IllegalArgumentException("retirementDelay must not be negative");
    }
    if (versionSelector == null) {
      throw new IllegalArgumentException("versionSelector must be given (LabelSelector.ALL)");
    }
    if (failureThreshold < 1 || inconclusiveLimit < 1 || errorLimit < 1) {
      throw new IllegalArgumentException("limits must be at least 1");
    }
  }

  /** This spec with {@code selector} as its versionSelector. */
  public ReleaseSpec withVersionSelector(LabelSelector selector) {
    return with(targetVersion, retirementDelay, selector);
  }

  /** This spec releasing {@code version} only (null: whatever candidate comes). */
  public ReleaseSpec withTargetVersion(String version) {
    return with(version, retirementDelay, versionSelector);
  }

  /** This spec with {@code delay} as its retirement delay. */
  public ReleaseSpec withRetirementDelay(Duration delay) {
    return with(targetVersion, delay, versionSelector);
  }

  private ReleaseSpec with(String target, Duration delay, LabelSelector selector) {
    return new ReleaseSpec(
        plan,
        interval,
        evaluationInterval,
        failureThreshold,
        inconclusiveLimit,
        errorLimit,
        progressDeadline,
        retirement,
        autoStart,
        target,
        delay,
        selector);
  }

  /** The checks run at least once per bake, and at its end. */
  public Duration effectiveEvaluationInterval() {
    return evaluationInterval.compareTo(interval) < 0 ? evaluationInterval : interval;
  }
}
