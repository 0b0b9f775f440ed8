package dev.sluice.rollout;

import java.time.Duration;
import java.util.List;

/**
 * A Canary's policy with every default applied and every value checked: what the state machine
 * needs, and nothing it does not.
 *
 * @param plan canary weights, strictly increasing, each 1..100 (empty only when a stage is judged
 *     instead: the canary is promoted after the stages)
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
 * @param strategy the stages before the weight steps, and session affinity ({@link Strategy#NONE}
 *     for weights only)
 * @param hooks the Canary's webhooks, in the order the spec lists them
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
    LabelSelector versionSelector,
    Strategy strategy,
    List<Hook> hooks) {

  public static final int DEFAULT_STEP_WEIGHT = 10;
  public static final int DEFAULT_MAX_WEIGHT = 100;
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
  public static final Duration DEFAULT_EVALUATION_INTERVAL = Duration.ofSeconds(15);
  public static final int DEFAULT_FAILURE_THRESHOLD = 1;
  public static final int DEFAULT_INCONCLUSIVE_LIMIT = 5;
  public static final int DEFAULT_ERROR_LIMIT = 5;
  public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofMinutes(10);
  public static final Duration DEFAULT_RETIREMENT_DELAY = Duration.ofSeconds(30);

  /** A spec without webhooks. */
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
      String targetVersion,
      Duration retirementDelay,
      LabelSelector versionSelector,
      Strategy strategy) {
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
        retirementDelay,
        versionSelector,
        strategy,
        List.of());
  }

  /** A spec with weight steps only. */
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
      String targetVersion,
      Duration retirementDelay,
      LabelSelector versionSelector) {
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
        retirementDelay,
        versionSelector,
        Strategy.NONE);
  }

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
    hooks = List.copyOf(hooks);
    if (strategy == null) {
      throw new IllegalArgumentException("strategy must be given (Strategy.NONE)");
    }
    if (plan.isEmpty() && strategy.mirror() == null && strategy.match() == null) {
      throw new IllegalArgumentException("the step plan is empty and no stage is judged");
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

  /** This spec with {@code h} as its webhooks. */
  public ReleaseSpec withHooks(List<Hook> h) {
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
        targetVersion,
        retirementDelay,
        versionSelector,
        strategy,
        h);
  }

  /** The webhooks of type {@code type}, in spec order. */
  public List<Hook> hooks(Hook.Type type) {
    return hooks.stream().filter(h -> h.type() == type).toList();
  }

  /** This spec with {@code selector} as its versionSelector. */
  public ReleaseSpec withVersionSelector(LabelSelector selector) {
    return with(targetVersion, retirementDelay, selector, strategy);
  }

  /** This spec with {@code s} as its strategy. */
  public ReleaseSpec withStrategy(Strategy s) {
    return with(targetVersion, retirementDelay, versionSelector, s);
  }

  /** This spec releasing {@code version} only (null: whatever candidate comes). */
  public ReleaseSpec withTargetVersion(String version) {
    return with(version, retirementDelay, versionSelector, strategy);
  }

  /** This spec with {@code delay} as its retirement delay. */
  public ReleaseSpec withRetirementDelay(Duration delay) {
    return with(targetVersion, delay, versionSelector, strategy);
  }

  private ReleaseSpec with(String target, Duration delay, LabelSelector selector, Strategy s) {
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
        selector,
        s,
        hooks);
  }

  /**
   * The release's steps in order: the mirror stage, the match stage (A/B, or blue/green's preview),
   * then one step per weight of the plan, the last held {@code switchIterations} intervals.
   */
  public List<Step> steps() {
    List<Step> steps = new java.util.ArrayList<>();
    if (strategy.mirror() != null) {
      steps.add(
          new Step(Step.Kind.MIRROR, 0, interval.multipliedBy(strategy.mirror().iterations())));
    }
    if (strategy.match() != null) {
      steps.add(new Step(Step.Kind.MATCH, 0, interval.multipliedBy(strategy.match().iterations())));
    }
    for (int i = 0; i < plan.size(); i++) {
      Duration bake =
          i == plan.size() - 1 ? interval.multipliedBy(strategy.switchIterations()) : interval;
      steps.add(new Step(Step.Kind.WEIGHT, plan.get(i), bake));
    }
    return List.copyOf(steps);
  }

  /**
   * What step {@code index} does, for people: {@code Mirror}, {@code Match}, {@code Preview}
   * (blue/green before the switch), {@code Weights} or {@code Switched} (blue/green after it).
   */
  public String stageName(int index) {
    return switch (step(index).kind()) {
      case MIRROR -> "Mirror";
      case MATCH -> strategy.blueGreen() ? "Preview" : "Match";
      case WEIGHT -> strategy.blueGreen() ? "Switched" : "Weights";
    };
  }

  /**
   * Step {@code index} of {@link #steps}; the last one when the index is past the end (a spec
   * edited to fewer steps while a release runs).
   */
  public Step step(int index) {
    List<Step> steps = steps();
    return steps.get(Math.max(0, Math.min(index, steps.size() - 1)));
  }

  /** The checks run at least once per bake, and at its end. */
  public Duration effectiveEvaluationInterval() {
    return evaluationInterval.compareTo(interval) < 0 ? evaluationInterval : interval;
  }
}
