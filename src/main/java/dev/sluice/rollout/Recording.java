package dev.sluice.rollout;

import java.util.Optional;

/** What of a decision goes into the Canary's stored status, and when. Pure. */
public final class Recording {
  private Recording() {}

  /**
   * Whether a decision's status must be written. A passing evaluation in the middle of a bake
   * changes only {@code lastEvaluationAt}: that is kept in memory (a restarted daemon checks once
   * more, which is harmless), so a healthy step costs two writes, its status and its route.
   * Anything else is written: a new step or phase, a counter, a verdict that is not a pass, or a
   * pass that turns an Analysis condition shown as failing back to passing (or that changes what a
   * dry-run check is shown to do).
   *
   * @param before the status the decision was made from
   * @param after the decision's status
   * @param evaluated the gate of the evaluation the decision judged, if it judged one
   * @param analysisShownFailing whether the stored Analysis condition shows a verdict other than a
   *     pass, or a dry-run check's outcome that changed since
   */
  public static boolean material(
      ReleaseStatus before,
      ReleaseStatus after,
      Optional<Gate> evaluated,
      boolean analysisShownFailing) {
    ReleaseStatus.Builder b = after.toBuilder();
    b.lastEvaluationAt = before.lastEvaluationAt();
    if (!b.build().equals(before)) {
      return true;
    }
    if (evaluated.isEmpty()) {
      return false;
    }
    return evaluated.get() != Gate.PASS || analysisShownFailing;
  }

  /**
   * The status to record when a decision's write failed (API server error, forbidden, ...), or
   * empty when nothing is to be recorded and the decision is simply made again later. A rollback
   * that could not be written is recorded as {@code RollingBack}, so that it is retried and never
   * forgotten.
   */
  public static Optional<ReleaseStatus> afterFailedWrite(Decision d, String error) {
    if (d.rollback().isEmpty() && d.status().phase() != Phase.RolledBack) {
      return Optional.empty();
    }
    ReleaseStatus.Builder b = d.status().toBuilder();
    b.phase = Phase.RollingBack;
    b.blocker =
        new ReleaseStatus.Blocker(
            Reason.RollbackWriteFailed, "the rollback write failed and is retried: " + error);
    return Optional.of(b.build());
  }
}
