package dev.sluice.controller;

import dev.sluice.analysis.GateVerdict;
import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import dev.sluice.model.CanaryStatus;
import dev.sluice.rollout.Decision;
import dev.sluice.rollout.Effect;
import dev.sluice.rollout.Phase;
import dev.sluice.rollout.Reason;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.Signal;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Tells the world what a decision did: answers the sender of a signal (the webhook's or the API's
 * caller, waiting), records Kubernetes events and metrics, and times the reactions to an alert or a
 * failed check.
 */
final class SignalReplies {
  private static final Logger LOG = Logger.getLogger(SignalReplies.class);

  private final EventRecorder events;
  private final ReleaseMetrics metrics;
  private final Clock clock;

  SignalReplies(EventRecorder events, ReleaseMetrics metrics, Clock clock) {
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Answers the signal's sender once the state machine saw it: with the refusal, or, for an alert
   * that rolled nothing back, with why. A refused command gets an event; an applied one is recorded
   * in the subject, for status.lastAction.
   */
  void answer(Subject s, SignalInbox.Pending pending, Decision d, ReleaseStatus before) {
    Signal signal = pending.signal();
    if (signal instanceof Signal.AlertFiring && d.rollback().isEmpty()) {
      pending.answer(
          Optional.of("no running release to roll back: the release is " + before.phase()));
      return;
    }
    pending.answer(d.refusal());
    if (signal instanceof Signal.Manual m) {
      if (d.refusal().isPresent()) {
        events.record(
            s.canary(),
            true,
            Reason.CommandRefused,
            describe(m) + " refused: " + d.refusal().get());
      } else {
        CanaryStatus.ManualAction a = new CanaryStatus.ManualAction();
        a.action = m.command().name().toLowerCase(Locale.ROOT);
        a.by = m.by();
        a.at = clock.instant().toString();
        a.message =
            d.events().isEmpty() ? null : StatusMapper.truncate(d.events().get(0).message(), 1024);
        s.applied(a);
      }
    }
  }

  /**
   * The rollback a firing alert asked for is carried out (its route write done, or none needed):
   * how long after the webhook received the alert, in {@code sluice_alert_reaction_seconds} and one
   * INFO line.
   */
  void alertRolledBack(
      Signal.AlertFiring alert, SignalInbox.Received received, Decision d, ReleaseStatus before) {
    Duration took = Duration.ofNanos(System.nanoTime() - received.nanos());
    metrics.alertReaction(took);
    boolean wrote = d.effects().stream().anyMatch(e -> e instanceof Effect.SetRoute);
    LOG.info(
        String.format(
            Locale.ROOT,
            "alert %s: route %s 100%% %s %.1f ms after the webhook received the alert (at %s)",
            alert.alertName(),
            wrote ? "written back to" : "already at",
            before.stableVersion(),
            took.toNanos() / 1e6,
            received.at()));
  }

  /**
   * A failed check's rollback is carried out: how long after the first failing answer was judged
   * (right after it arrived), in {@code sluice_check_reaction_seconds}.
   */
  void checkRolledBack(GateVerdict verdict) {
    verdict.measurements().stream()
        .filter(m -> m.outcome() == Outcome.FAIL && !m.dryRun())
        .min(Comparator.comparing(Measurement::at))
        .ifPresent(
            failed -> {
              Duration took = Duration.between(failed.at(), clock.instant());
              metrics.checkReaction(took);
              LOG.info(
                  String.format(
                      Locale.ROOT,
                      "check %s failed: route written back %.1f ms after its answer arrived",
                      failed.check(),
                      took.toNanos() / 1e6));
            });
  }

  /** A decision was carried out and recorded: its events and the metrics of its outcome. */
  void announce(Subject s, Decision d, ReleaseStatus before) {
    for (Decision.Note note : d.events()) {
      events.record(s.canary(), note.warning(), note.reason(), note.message());
    }
    d.rollback().ifPresent(cause -> metrics.rolledBack(s.namespace, s.name, cause));
    ReleaseStatus after = d.status();
    if (after.phase() == Phase.Succeeded
        && before.phase() != Phase.Succeeded
        && after.releaseStartedAt() != null) {
      metrics.promoted(Duration.between(after.releaseStartedAt(), after.finishedAt()));
    }
  }

  /** "pause (alice via api)": a command and who gave it, for events. */
  static String describe(Signal.Manual m) {
    return m.command().name().toLowerCase(Locale.ROOT)
        + (m.by() == null ? "" : " (" + m.by() + ")");
  }
}
