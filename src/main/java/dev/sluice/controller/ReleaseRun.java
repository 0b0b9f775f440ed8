package dev.sluice.controller;

import dev.sluice.model.CanaryStatus;
import dev.sluice.rollout.Decision;
import dev.sluice.rollout.DecisionLoop;
import dev.sluice.rollout.Effect;
import dev.sluice.rollout.Reason;
import dev.sluice.rollout.ReleaseSpec;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.RollbackCause;
import dev.sluice.rollout.Signal;
import dev.sluice.rollout.World;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * One reconcile's cluster as the {@link DecisionLoop} sees it: the world from the snapshot, effects
 * carried out on the API server, statuses written to the Canary, and the signal's sender answered,
 * events recorded and reactions timed as the decisions are carried out.
 */
final class ReleaseRun implements DecisionLoop.Cluster {
  private static final Logger LOG = Logger.getLogger(ReleaseRun.class);

  private final Subject subject;
  private final WorldReader.Snapshot snapshot;
  private final ReleaseSpec spec;
  private final DueChecks.Result checked;
  private final Optional<SignalInbox.Pending> pending;
  private final EffectExecutor effects;
  private final StatusWriter status;
  private final SignalReplies replies;
  private final QuietEvaluations quiet;
  private final EventRecorder events;
  private final ReleaseMetrics metrics;
  private final HookCalls hooks;
  private final ReleaseNotices notices;
  private boolean answered;
  private Instant decidedAt;

  ReleaseRun(
      Subject subject,
      WorldReader.Snapshot snapshot,
      ReleaseSpec spec,
      DueChecks.Result checked,
      Optional<SignalInbox.Pending> pending,
      Steps steps) {
    this.subject = subject;
    this.snapshot = snapshot;
    this.spec = spec;
    this.checked = checked;
    this.pending = pending;
    this.effects = steps.effects();
    this.status = steps.status();
    this.replies = steps.replies();
    this.quiet = steps.quiet();
    this.events = steps.events();
    this.metrics = steps.metrics();
    this.hooks = steps.hooks();
    this.notices = steps.notices();
  }

  /** What a run uses that outlives it. */
  record Steps(
      EffectExecutor effects,
      StatusWriter status,
      SignalReplies replies,
      QuietEvaluations quiet,
      EventRecorder events,
      ReleaseMetrics metrics,
      HookCalls hooks,
      ReleaseNotices notices) {}

  @Override
  public World world() {
    return snapshot.world();
  }

  @Override
  public boolean carryOut(Effect effect) {
    try {
      return effects.carryOut(subject.canary(), snapshot, effect);
    } catch (DecisionLoop.EffectFailed e) {
      LOG.warnf("%s: %s", subject.key, e.getMessage());
      throw e;
    }
  }

  @Override
  public void readAgain() {
    snapshot.readAgain();
  }

  @Override
  public boolean analysisShownFailing() {
    CanaryStatus stored = subject.canary().getStatus();
    var analysis =
        stored == null ? null : StatusMapper.find(stored.conditions, StatusMapper.ANALYSIS);
    return (analysis != null && !"True".equals(analysis.getStatus()))
        || DryRunShown.outdated(stored, checked.verdict());
  }

  @Override
  public boolean record(ReleaseStatus next, boolean evaluated) {
    return status.write(subject, next, spec, evaluated ? checked.verdict() : null);
  }

  @Override
  public void remember(ReleaseStatus next) {
    quiet.remember(subject.key, next); // a passing check mid-bake: nothing to write but its time
  }

  @Override
  public void recordFailedWrite(Decision d, ReleaseStatus next, String error) {
    status.write(subject, next, spec, null);
    if (d.rollback().isPresent()) {
      metrics.rolledBack(subject.namespace, subject.name, d.rollback().get());
      events.record(subject.canary(), true, Reason.RollbackWriteFailed, next.blocker().message());
    }
  }

  @Override
  public void decided(DecisionLoop.Turn turn) {
    decidedAt = notices.now(); // the transition's time, from which notifications are timed
    if (pending.isPresent() && !answered) {
      replies.answer(subject, pending.get(), turn.decision(), turn.before());
      answered = true;
    }
  }

  @Override
  public void carriedOut(DecisionLoop.Turn turn) {
    RollbackCause cause = turn.decision().rollback().orElse(null);
    if (turn.signal().orElse(null) instanceof Signal.AlertFiring alert
        && cause == RollbackCause.ALERT) {
      replies.alertRolledBack(alert, pending.get().received(), turn.decision(), turn.before());
    }
    if (turn.evaluation().isPresent() && cause == RollbackCause.CHECK) {
      replies.checkRolledBack(checked.verdict());
    }
  }

  @Override
  public void announce(DecisionLoop.Turn turn) {
    replies.announce(subject, turn.decision(), turn.before());
    if (!turn.decision().calls().isEmpty()) {
      hooks.make(subject, spec, turn.decision().status(), turn.decision().calls());
    }
    // queued only: the receivers are called on the notifier's threads, never on this one
    notices.announce(
        subject, turn, checked.verdict(), decidedAt == null ? notices.now() : decidedAt);
  }
}
