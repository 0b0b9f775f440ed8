package dev.sluice.rollout;

import java.time.Instant;
import java.util.List;

/**
 * The progress of a Canary's release, as recorded in its status. It is the release's intent: the
 * controller drives the route to {@link #weight()} while a release runs, so a restarted daemon
 * resumes exactly here.
 *
 * @param phase lifecycle phase
 * @param stableVersion the version serving outside a release ({@code null} until first observed)
 * @param canaryVersion the version being (or last) released
 * @param step index of the current step in the plan, -1 before the first
 * @param weight the canary's weight in the managed route
 * @param releaseStartedAt when this release started
 * @param stepStartedAt when the current step started
 * @param lastEvaluationAt when the checks last ran in this step
 * @param retiringSince when the old version left the route (promotion), else {@code null}
 * @param finishedAt when the release ended
 * @param failures failed evaluations in this release
 * @param inconclusiveStreak inconclusive evaluations in a row
 * @param errorStreak error evaluations in a row
 * @param rollbackReason why the release was rolled back
 * @param blocker why the release cannot proceed now (or {@code null}): reason and message
 * @param candidates what was concluded about each of the app's Deployments
 * @param retiring old versions whose retirement is not finished
 * @param hooks the last answer of each webhook called in this release
 */
public record ReleaseStatus(
    Phase phase,
    String stableVersion,
    String canaryVersion,
    int step,
    int weight,
    Instant releaseStartedAt,
    Instant stepStartedAt,
    Instant lastEvaluationAt,
    Instant retiringSince,
    Instant finishedAt,
    int failures,
    int inconclusiveStreak,
    int errorStreak,
    String rollbackReason,
    Blocker blocker,
    List<Candidate> candidates,
    List<Retiring> retiring,
    List<HookRecord> hooks) {

  public ReleaseStatus {
    candidates = List.copyOf(candidates);
    retiring = List.copyOf(retiring);
    hooks = List.copyOf(hooks);
  }

  /** A status without webhook answers. */
  public ReleaseStatus(
      Phase phase,
      String stableVersion,
      String canaryVersion,
      int step,
      int weight,
      Instant releaseStartedAt,
      Instant stepStartedAt,
      Instant lastEvaluationAt,
      Instant retiringSince,
      Instant finishedAt,
      int failures,
      int inconclusiveStreak,
      int errorStreak,
      String rollbackReason,
      Blocker blocker,
      List<Candidate> candidates,
      List<Retiring> retiring) {
    this(
        phase,
        stableVersion,
        canaryVersion,
        step,
        weight,
        releaseStartedAt,
        stepStartedAt,
        lastEvaluationAt,
        retiringSince,
        finishedAt,
        failures,
        inconclusiveStreak,
        errorStreak,
        rollbackReason,
        blocker,
        candidates,
        retiring,
        List.of());
  }

  /** Why a release cannot go on now; shown as a condition and an event. */
  public record Blocker(Reason reason, String message) {}

  /** The status of a Canary Sluice has never acted on. */
  public static ReleaseStatus initial() {
    return new ReleaseStatus(
        Phase.Idle,
        null,
        null,
        -1,
        0,
        null,
        null,
        null,
        null,
        null,
        0,
        0,
        0,
        null,
        null,
        List.of(),
        List.of());
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** A mutable copy, for deriving the next status field by field. */
  public static final class Builder {
    public Phase phase;
    public String stableVersion;
    public String canaryVersion;
    public int step;
    public int weight;
    public Instant releaseStartedAt;
    public Instant stepStartedAt;
    public Instant lastEvaluationAt;
    public Instant retiringSince;
    public Instant finishedAt;
    public int failures;
    public int inconclusiveStreak;
    public int errorStreak;
    public String rollbackReason;
    public Blocker blocker;
    public List<Candidate> candidates;
    public List<Retiring> retiring;
    public List<HookRecord> hooks;

    private Builder(ReleaseStatus s) {
      phase = s.phase;
      stableVersion = s.stableVersion;
      canaryVersion = s.canaryVersion;
      step = s.step;
      weight = s.weight;
      releaseStartedAt = s.releaseStartedAt;
      stepStartedAt = s.stepStartedAt;
      lastEvaluationAt = s.lastEvaluationAt;
      retiringSince = s.retiringSince;
      finishedAt = s.finishedAt;
      failures = s.failures;
      inconclusiveStreak = s.inconclusiveStreak;
      errorStreak = s.errorStreak;
      rollbackReason = s.rollbackReason;
      blocker = s.blocker;
      candidates = s.candidates;
      retiring = s.retiring;
      hooks = s.hooks;
    }

    public ReleaseStatus build() {
      return new ReleaseStatus(
          phase,
          stableVersion,
          canaryVersion,
          step,
          weight,
          releaseStartedAt,
          stepStartedAt,
          lastEvaluationAt,
          retiringSince,
          finishedAt,
          failures,
          inconclusiveStreak,
          errorStreak,
          rollbackReason,
          blocker,
          candidates,
          retiring,
          hooks);
    }
  }
}
