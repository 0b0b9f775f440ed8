package dev.sluice.controller;

import dev.sluice.analysis.GateVerdict;
import dev.sluice.rollout.Evaluation;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.Rollout;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a Canary's checks when the state machine says they are due, unless a signal (an alert, a
 * command) is waiting or arrives while the queries run: a signal is decided first, without waiting
 * for Prometheus, and the evaluation follows in the next reconcile.
 */
final class DueChecks {
  private final AnalysisRunner analysis;
  private final SignalInbox inbox;
  private final ReleaseMetrics metrics;
  private final Clock clock;

  DueChecks(AnalysisRunner analysis, SignalInbox inbox, ReleaseMetrics metrics, Clock clock) {
    this.analysis = analysis;
    this.inbox = inbox;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * The checks' verdict and the evaluation the state machine judges.
   *
   * @param interrupted a signal arrived while the queries ran: the evaluation was dropped, and the
   *     signal is to be decided at once, in a reconcile of its own
   */
  record Result(GateVerdict verdict, Optional<Evaluation> evaluation, boolean interrupted) {
    static final Result NONE = new Result(null, Optional.empty(), false);
    static final Result INTERRUPTED = new Result(null, Optional.empty(), true);
  }

  Result runIfDue(
      Subject s, Admission.Admitted admitted, ReleaseStatus status, boolean signalWaiting) {
    Instant now = clock.instant();
    if (signalWaiting || !Rollout.evaluationDue(admitted.spec(), status, now)) {
      return Result.NONE;
    }
    GateVerdict verdict =
        admitted.templateProblem() != null
            ? AnalysisRunner.templateError(admitted.templateProblem(), now)
            : unlessSignalled(s, admitted);
    if (verdict == null) {
      return Result.INTERRUPTED;
    }
    metrics.measured(s.namespace, s.name, verdict.measurements());
    return new Result(
        verdict, Optional.of(AnalysisRunner.evaluation(verdict, clock.instant())), false);
  }

  /** The checks' verdict, or null when a signal for this Canary arrived before the answers. */
  private GateVerdict unlessSignalled(Subject s, Admission.Admitted admitted) {
    CompletableFuture<Void> signalled = inbox.arrival(s.key);
    try {
      return analysis.run(admitted.checks(), signalled).orElse(null);
    } finally {
      inbox.stopWaiting(s.key, signalled);
    }
  }
}
