package dev.sluice.rollout;

import dev.sluice.rollout.Decision.Note;
import dev.sluice.rollout.ReleaseStatus.Blocker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The release state machine: a pure function of (spec, status, world, signal, evaluation, now).
 *
 * <p>The controller calls {@link #decide} again after carrying out a decision's effects, with the
 * world as the effects left it, until a decision has neither effects nor a status change. Each
 * decision therefore takes one small step, which keeps every rule local and every crash harmless:
 * effects are idempotent and derived from the world, and the status is the release's intent.
 */
public final class Rollout {
  private Rollout() {}

  /** When the checks should next run, or empty when no checks run in this phase. */
  public static Optional<Instant> nextEvaluationAt(ReleaseSpec spec, ReleaseStatus st) {
    if ((st.phase() != Phase.Progressing && st.phase() != Phase.Paused)
        || st.stepStartedAt() == null) {
      return Optional.empty();
    }
    Duration every = spec.effectiveEvaluationInterval();
    Instant stepEnd = st.stepStartedAt().plus(spec.step(st.step()).bake());
    Instant last = st.lastEvaluationAt();
    if (last == null || last.isBefore(st.stepStartedAt())) {
      return Optional.of(st.stepStartedAt().plus(every));
    }
    Instant next = last.plus(every);
    // The end of the bake is always an evaluation: it decides the advance.
    if (last.isBefore(stepEnd) && next.isAfter(stepEnd)) {
      next = stepEnd;
    }
    return Optional.of(next);
  }

  /** Whether the controller should run the checks before calling {@link #decide}. */
  public static boolean evaluationDue(ReleaseSpec spec, ReleaseStatus st, Instant now) {
    return nextEvaluationAt(spec, st).map(t -> !now.isBefore(t)).orElse(false);
  }

  /**
   * Decides the next step of the release.
   *
   * @param spec the Canary's policy
   * @param st the recorded status
   * @param world the cluster as it is now
   * @param signal a manual command or a firing alert, if one arrived
   * @param evaluation the checks' verdict, when they were due and ran
   * @param now the current time
   */
  public static Decision decide(
      ReleaseSpec spec,
      ReleaseStatus st,
      World world,
      Optional<Signal> signal,
      Optional<Evaluation> evaluation,
      Instant now) {
    return new Decider(spec, st, world, now).run(signal, evaluation);
  }

  /** One decision being made; collects effects and events. */
  private static final class Decider {
    private final ReleaseSpec spec;
    private final ReleaseStatus st;
    private final World world;
    private final Instant now;
    private final ReleaseStatus.Builder next;
    private final List<Effect> effects = new ArrayList<>();
    private final List<Note> events = new ArrayList<>();
    private final RouteShapes shapes;
    private final List<HookCall> calls = new ArrayList<>();
    private Instant wakeAt;
    private Instant hookWakeAt;
    private String refusal;
    private RollbackCause rollback;

    Decider(ReleaseSpec spec, ReleaseStatus st, World world, Instant now) {
      this.spec = spec;
      this.st = st;
      this.world = world;
      this.now = now;
      this.next = st.toBuilder();
      this.shapes = new RouteShapes(spec, st);
    }

    /** Asks for {@code want} when a writable managed route does not look like it yet. */
    private void converge(Effect.SetRoute want) {
      if (world.writableRoutes().stream().anyMatch(r -> !RouteShapes.conforms(r, want))) {
        effects.add(want);
      }
    }

    Decision run(Optional<Signal> signal, Optional<Evaluation> evaluation) {
      if (signal.isPresent() && handleSignal(signal.get())) {
        return finish();
      }
      switch (st.phase()) {
        case Idle, Succeeded, RolledBack -> settled();
        case Initializing -> initializing();
        case Progressing, Paused -> progressing(evaluation);
        case Finalizing -> finalizing();
        case RollingBack, Failed -> rollBack(null, st.rollbackReason());
      }
      continueRetirements();
      pollHooks();
      return finish();
    }

    private Decision finish() {
      next.candidates =
          Candidates.of(
              spec, next.phase, next.stableVersion, next.canaryVersion, next.retiring, world);
      if (hookWakeAt != null && (wakeAt == null || hookWakeAt.isBefore(wakeAt))) {
        wakeAt = hookWakeAt;
      }
      return new Decision(
          next.build(),
          effects,
          events,
          Optional.ofNullable(wakeAt),
          Optional.ofNullable(refusal),
          Optional.ofNullable(rollback),
          calls);
    }

    // ---- webhooks ------------------------------------------------------------------------

    private Hooks hooks() {
      return new Hooks(spec, next.hooks);
    }

    /**
     * Asks for the calls of the webhooks of {@code type} that are due for {@code step}, and wakes
     * for the next poll of the others.
     */
    private void callHooks(Hook.Type type, int step) {
      Hooks hooks = hooks();
      for (Hook h : spec.hooks(type)) {
        hooks
            .dueAt(h, step, now, spec.effectiveEvaluationInterval())
            .ifPresent(
                at -> {
                  if (!at.isAfter(now)) {
                    calls.add(new HookCall(h.name(), type, step, st.releaseStartedAt()));
                  } else if (hookWakeAt == null || at.isBefore(hookWakeAt)) {
                    hookWakeAt = at;
                  }
                });
      }
    }

    /** Rollback webhooks are polled while the release runs; post-rollout ones called after. */
    private void pollHooks() {
      if (rollback != null || next.releaseStartedAt == null) {
        return;
      }
      switch (next.phase) {
        case Initializing, Progressing, Paused -> callHooks(Hook.Type.ROLLBACK, -1);
        case Succeeded, RolledBack -> callHooks(Hook.Type.POST_ROLLOUT, -1);
        default -> {}
      }
    }

    /**
     * Folds a webhook's answer into the status; returns true when it decided this step (a
     * rollback). An answer for another release, or for a step the release has left, is dropped.
     */
    private boolean hookAnswered(Signal.HookAnswered a) {
      HookCall c = a.call();
      if (st.releaseStartedAt() == null || !st.releaseStartedAt().equals(c.release())) {
        return false;
      }
      next.hooks = Hooks.fold(st.hooks(), a);
      String what = c.type().specName() + " webhook " + c.name();
      boolean running = st.phase().releasing();
      switch (c.type()) {
        case ROLLBACK -> {
          if (a.passed() && running && st.phase() != Phase.Finalizing) {
            rollBack(RollbackCause.WEBHOOK, what + " asked for a rollback: " + a.message());
            return true;
          }
        }
        case PRE_ROLLOUT -> {
          if (!a.passed() && st.phase() == Phase.Initializing) {
            rollBack(RollbackCause.WEBHOOK, what + " failed: " + a.message());
            return true;
          }
        }
        case STEP -> {
          if (!a.passed()
              && c.step() == st.step()
              && (st.phase() == Phase.Progressing || st.phase() == Phase.Paused)) {
            next.failures = st.failures() + 1;
            String failed = what + " failed at step " + (c.step() + 1) + ": " + a.message();
            if (next.failures >= spec.failureThreshold()) {
              rollBack(RollbackCause.CHECK, "check failed: " + failed);
              return true;
            }
            events.add(
                Note.warning(
                    Reason.CheckFailed,
                    failed + " (" + next.failures + "/" + spec.failureThreshold() + ")"));
          }
        }
        case CONFIRM_ROLLOUT, CONFIRM_PROMOTION -> {
          if (a.passed()) {
            events.add(Note.normal(Reason.Confirmed, what + " confirmed: " + a.message()));
          }
        }
        case POST_ROLLOUT -> {
          if (!a.passed()) {
            events.add(Note.warning(Reason.WebhookFailed, what + " failed: " + a.message()));
          }
        }
      }
      return false;
    }

    /**
     * Waits for every confirm webhook of {@code type}, polling them; {@code what} says for what.
     */
    private void awaitConfirmation(Hook.Type type, String what) {
      callHooks(type, -1);
      List<Hook> waiting = hooks().waiting(type, -1);
      block(
          Reason.AwaitingConfirmation,
          "waiting for "
              + type.specName()
              + " webhook "
              + hooks().describe(waiting, -1)
              + " to answer 2xx "
              + what);
    }

    // ---- signals -------------------------------------------------------------------------

    /** Returns true when the signal decided this step. */
    private boolean handleSignal(Signal signal) {
      if (signal instanceof Signal.HookAnswered answer) {
        return hookAnswered(answer);
      }
      if (signal instanceof Signal.AlertFiring alert) {
        if (!st.phase().releasing()) {
          return false; // nothing to roll back; the caller logs and counts it
        }
        rollBack(
            RollbackCause.ALERT, "alert " + alert.alertName() + " fired (" + alert.labels() + ")");
        return true;
      }
      Signal.Manual manual = (Signal.Manual) signal;
      String by = manual.by() == null ? "" : " by " + manual.by();
      switch (manual.command()) {
        case PAUSE -> {
          if (st.phase() != Phase.Progressing) {
            return refuse("pause applies to a Progressing release; the release is " + st.phase());
          }
          next.phase = Phase.Paused;
          clearAwaitingConfirmation();
          events.add(Note.normal(Reason.Paused, "paused at weight " + st.weight() + by));
        }
        case RESUME -> {
          if (st.phase() != Phase.Paused) {
            return refuse("resume applies to a Paused release; the release is " + st.phase());
          }
          next.phase = Phase.Progressing;
          // The bake of the current step starts again, so the step is judged on fresh data.
          next.stepStartedAt = now;
          clearAwaitingConfirmation();
          events.add(Note.normal(Reason.Resumed, "resumed at weight " + st.weight() + by));
        }
        case PROMOTE -> {
          if (st.phase() != Phase.Progressing && st.phase() != Phase.Paused) {
            return refuse(
                "promote applies to a Progressing or Paused release; the release is " + st.phase());
          }
          enterFinalizing("promoted manually at weight " + st.weight() + by);
        }
        case ABORT -> {
          if (!st.phase().releasing()) {
            return refuse("abort applies to a running release; the release is " + st.phase());
          }
          rollBack(RollbackCause.MANUAL, "aborted" + by);
        }
        case RETRY -> {
          if (st.phase() != Phase.RolledBack || st.canaryVersion() == null) {
            return refuse("retry applies to a RolledBack release; the release is " + st.phase());
          }
          if (world.deployment(st.canaryVersion()).isEmpty()) {
            return refuse("the Deployment of version " + st.canaryVersion() + " no longer exists");
          }
          start(st.canaryVersion(), "retried" + by);
        }
      }
      return true;
    }

    /**
     * Why the release must stop because a mirror stage's route mirrors elsewhere (someone else
     * wrote a mirror Sluice must not replace), or empty.
     */
    private Optional<String> foreignMirror() {
      if (spec.step(st.step()).kind() != Step.Kind.MIRROR) {
        return Optional.empty();
      }
      for (ManagedRoute r : world.writableRoutes()) {
        RouteExtras x = r.observation().extras();
        if (x.otherMirrors()
            || (x.mirror() != null && !x.mirror().subset().equals(st.canaryVersion()))) {
          return Optional.of(
              world.where(r)
                  + "the managed route's mirror was changed outside the release"
                  + (x.mirror() == null ? "" : " (it mirrors to " + x.mirror().subset() + ")"));
        }
      }
      return Optional.empty();
    }

    /** A paused or resumed release judges its step again before it asks for a promotion. */
    private void clearAwaitingConfirmation() {
      if (st.blocker() != null && st.blocker().reason() == Reason.AwaitingConfirmation) {
        next.blocker = null;
      }
    }

    private boolean refuse(String why) {
      refusal = why;
      return true;
    }

    // ---- settled phases: wait for a new version --------------------------------------------

    private void settled() {
      if (blockedByRoutes()) {
        return;
      }
      if (st.stableVersion() == null) {
        adoptStable();
        return;
      }
      if (st.phase() == Phase.RolledBack) {
        retireRolledBackSubset();
      }
      String target = spec.targetVersion();
      String rolledBack = st.phase() == Phase.RolledBack ? st.canaryVersion() : null;
      if (target != null) {
        if (target.equals(st.stableVersion()) || target.equals(rolledBack)) {
          next.blocker = null;
          return;
        }
        Optional<Blocker> problem = targetProblem(target);
        if (problem.isPresent()) {
          block(problem.get().reason(), problem.get().message());
          return;
        }
        next.blocker = null;
        start(target, "it is the targetVersion");
        return;
      }
      next.blocker = null;
      if (!spec.autoStart()) {
        return;
      }
      // the newest candidate (see Candidates for what makes one); a version is judged on its
      // first Deployment, the one a release waits for
      Candidates.of(spec, next.phase, next.stableVersion, next.canaryVersion, next.retiring, world)
          .stream()
          .filter(Candidate::candidate)
          .flatMap(
              c ->
                  world
                      .deployment(c.version())
                      .filter(d -> d.name().equals(c.deployment()))
                      .stream())
          .max(Candidates.NEWEST)
          .ifPresent(d -> start(d.version(), "version " + d.version() + " is ready"));
    }

    /**
     * Why the targetVersion cannot start a release, or empty when it can. The user named it, so it
     * may be a version another route serves too (a QA route to it, say); it must still be one of
     * the Deployments the versionSelector allows, and its subset, if one exists, must select it.
     */
    private Optional<Blocker> targetProblem(String target) {
      Optional<DeploymentView> d = world.deployment(target);
      if (d.isEmpty()) {
        return Optional.of(
            new Blocker(
                Reason.WaitingForTarget, "targetVersion " + target + " has no Deployment yet"));
      }
      if (!spec.versionSelector().matches(d.get().labels())) {
        return Optional.of(
            new Blocker(
                Reason.TargetNotSelected,
                "targetVersion "
                    + target
                    + ": Deployment "
                    + d.get().name()
                    + " is not selected by the Canary's versionSelector"));
      }
      return world.subsetProblem(target).map(p -> new Blocker(Reason.SubsetMismatch, p));
    }

    /**
     * The first time Sluice sees the routes: the version they all send all traffic to is stable.
     */
    private void adoptStable() {
      java.util.Set<String> full = new java.util.LinkedHashSet<>();
      for (ManagedRoute r : world.routes()) {
        List<Destination> destinations = r.observation().destinations();
        Optional<Destination> all =
            destinations.stream().filter(d -> d.weight() == 100).findFirst();
        if (all.isEmpty()) {
          block(
              Reason.AmbiguousStable,
              world.where(r)
                  + "the managed route splits traffic "
                  + destinations
                  + " and no release is recorded; send 100% to one subset so Sluice knows the stable version");
          return;
        }
        full.add(all.get().subset());
      }
      if (full.size() > 1) {
        block(
            Reason.AmbiguousStable,
            "the managed routes send all traffic to different subsets "
                + full
                + " and no release is recorded; send 100% to the same subset in every one so Sluice"
                + " knows the stable version");
        return;
      }
      next.stableVersion = full.iterator().next();
      next.blocker = null;
      events.add(Note.normal(Reason.StableVersion, "stable version is " + next.stableVersion));
    }

    /**
     * After a rollback the canary's subset is to leave the DestinationRule (its Deployment stays
     * for inspection): recorded as a retirement, carried out once nothing routes to it.
     */
    private void retireRolledBackSubset() {
      String canary = st.canaryVersion();
      if (canary != null
          && !canary.equals(st.stableVersion())
          && world.hasSubset(canary)
          && next.retiring.stream().noneMatch(r -> r.version().equals(canary))) {
        List<Retiring> retiring = new ArrayList<>(next.retiring);
        retiring.add(new Retiring(canary, Retiring.Scope.SUBSET, now, null));
        next.retiring = retiring;
      }
    }

    private void start(String version, String why) {
      next.phase = Phase.Initializing;
      next.canaryVersion = version;
      next.step = -1;
      next.weight = 0;
      next.releaseStartedAt = now;
      next.stepStartedAt = null;
      next.lastEvaluationAt = null;
      next.retiringSince = null;
      next.finishedAt = null;
      next.failures = 0;
      next.inconclusiveStreak = 0;
      next.errorStreak = 0;
      next.rollbackReason = null;
      next.blocker = null;
      next.hooks = List.of();
      // a version released again (retry, or named as targetVersion) is no longer to be retired
      next.retiring = next.retiring.stream().filter(r -> !r.version().equals(version)).toList();
      events.add(
          Note.normal(
              Reason.ReleaseStarted,
              "releasing " + version + " (stable " + st.stableVersion() + "): " + why));
    }

    // ---- initializing: subset, readiness, route --------------------------------------------

    private void initializing() {
      String canary = st.canaryVersion();
      String stable = st.stableVersion();
      if (world.deployment(canary).isEmpty()) {
        rollBack(RollbackCause.EXTERNAL, "the Deployment of version " + canary + " disappeared");
        return;
      }
      // a person or a system confirms first; the progress deadline counts from the confirmation
      Optional<Instant> confirmed =
          hooks().confirmedAt(Hook.Type.CONFIRM_ROLLOUT, st.releaseStartedAt());
      if (confirmed.isEmpty()) {
        awaitConfirmation(Hook.Type.CONFIRM_ROLLOUT, "before " + canary + " gets any traffic");
        return;
      }
      Instant deadline = confirmed.get().plus(spec.progressDeadline());
      if (!now.isBefore(deadline)) {
        rollBack(
            RollbackCause.LIMIT,
            "version "
                + canary
                + " did not become ready within the progress deadline "
                + Durations.format(spec.progressDeadline()));
        return;
      }
      wakeAt = deadline;
      Optional<DeploymentView> deployment = world.deployment(canary);
      if (blockedByRoutes()) {
        return;
      }
      if (!world.destinationRuleExists()) {
        block(Reason.DestinationRuleNotFound, "the DestinationRule does not exist");
        return;
      }
      if (!world.hasSubset(canary)) {
        effects.add(new Effect.AddSubset(canary, stable));
        return;
      }
      Optional<String> subsetProblem = world.subsetProblem(canary);
      if (subsetProblem.isPresent()) {
        // Sluice never rewrites a subset's labels behind the user's back: it waits, and the
        // progress deadline rolls the release back if nobody fixes the subset.
        block(Reason.SubsetMismatch, subsetProblem.get() + "; no traffic is sent to it");
        return;
      }
      if (!deployment.get().ready()) {
        block(
            Reason.WaitingForCanary,
            "waiting for Deployment "
                + deployment.get().name()
                + " to be ready ("
                + deployment.get().readyReplicas()
                + "/"
                + deployment.get().replicas()
                + ")");
        return;
      }
      for (ManagedRoute r : world.routes()) {
        Optional<String> problem = shapes.problem(r);
        if (problem.isPresent()) {
          // nothing of the user's is replaced: the release waits, and the progress deadline
          // rolls it back if the route or the Canary is not changed
          block(Reason.StrategyConflict, world.where(r) + problem.get());
          return;
        }
      }
      if (!preRolloutPassed()) {
        return;
      }
      next.blocker = null;
      if (world.routes().stream().anyMatch(r -> r.observation().weightOf(canary) < 0)) {
        // The canary joins the route at weight 0 first: from then on, a route without it means
        // the release was reset (by a rollback or another writer), never "not yet written".
        effects.add(shapes.joining());
        return;
      }
      enterStep(0);
    }

    /**
     * Whether every pre-rollout webhook answered 2xx; else calls them (once) and waits, or rolls
     * back when one failed (its answer rolls back as it arrives; this catches one recorded before a
     * restart).
     */
    private boolean preRolloutPassed() {
      List<Hook> waiting = hooks().waiting(Hook.Type.PRE_ROLLOUT, -1);
      if (waiting.isEmpty()) {
        return true;
      }
      for (Hook h : waiting) {
        Optional<HookRecord> failed = hooks().last(h.name());
        if (failed.isPresent()) {
          rollBack(
              RollbackCause.WEBHOOK,
              "pre-rollout webhook " + h.name() + " failed: " + failed.get().message());
          return false;
        }
      }
      callHooks(Hook.Type.PRE_ROLLOUT, -1);
      block(
          Reason.AwaitingWebhook,
          "waiting for pre-rollout webhook "
              + hooks().describe(waiting, -1)
              + " before "
              + st.canaryVersion()
              + " gets any traffic");
      return false;
    }

    private void enterStep(int index) {
      Step step = spec.steps().get(index);
      next.phase = Phase.Progressing;
      next.step = index;
      next.weight = step.weight();
      next.stepStartedAt = now;
      events.add(
          Note.normal(
              Reason.StepAdvanced,
              "step "
                  + (index + 1)
                  + "/"
                  + spec.steps().size()
                  + ": "
                  + StepNames.describe(spec, step, st.stableVersion(), st.canaryVersion())));
    }

    // ---- progressing and paused: guard, judge, converge, advance ---------------------------

    private void progressing(Optional<Evaluation> evaluation) {
      String canary = st.canaryVersion();
      Optional<ManagedRoute> unmanageable = world.unmanageable();
      if (unmanageable.isPresent()) {
        rollBack(
            RollbackCause.EXTERNAL,
            world.where(unmanageable.get())
                + "the managed route can no longer be written: "
                + unmanageable.get().observation().problem());
        return;
      }
      for (ManagedRoute r : world.routes()) {
        if (r.observation().weightOf(canary) < 0) {
          rollBack(
              RollbackCause.EXTERNAL,
              world.where(r)
                  + "the managed route no longer sends traffic to "
                  + canary
                  + " (reset outside the release)");
          return;
        }
      }
      Optional<DeploymentView> deployment = world.deployment(canary);
      if (deployment.isEmpty() || !deployment.get().serving()) {
        rollBack(
            RollbackCause.EXTERNAL,
            "the Deployment of version " + canary + " has no ready replica");
        return;
      }
      if (!world.hasSubset(canary)) {
        rollBack(RollbackCause.EXTERNAL, "the subset " + canary + " left the DestinationRule");
        return;
      }
      Optional<String> subsetProblem = world.subsetProblem(canary);
      if (subsetProblem.isPresent()) {
        rollBack(RollbackCause.EXTERNAL, subsetProblem.get());
        return;
      }
      Optional<String> foreignMirror = foreignMirror();
      if (foreignMirror.isPresent()) {
        rollBack(RollbackCause.EXTERNAL, foreignMirror.get());
        return;
      }
      if (evaluation.isPresent() && judge(evaluation.get())) {
        return;
      }
      // The status is the intent: a route that differs (a write lost to a crash, or another
      // writer's reset) is brought back to the recorded step and weight, every managed route
      // alike.
      converge(shapes.during(st.step(), st.weight()));
      callHooks(Hook.Type.STEP, st.step());
      Instant stepEnd = st.stepStartedAt().plus(spec.step(st.step()).bake());
      boolean lastStep = st.step() + 1 >= spec.steps().size();
      // a last step that passed and waits for confirm-promotion remembers so in its blocker
      boolean passed =
          evaluation.map(e -> e.gate() == Gate.PASS && !e.at().isBefore(stepEnd)).orElse(false)
              || (lastStep
                  && st.blocker() != null
                  && st.blocker().reason() == Reason.AwaitingConfirmation);
      if (st.phase() == Phase.Progressing
          && passed
          && hooks().waiting(Hook.Type.STEP, st.step()).isEmpty()) {
        if (!lastStep) {
          enterStep(st.step() + 1);
          return;
        }
        if (hooks().confirmedAt(Hook.Type.CONFIRM_PROMOTION, now).isEmpty()) {
          // the checks go on meanwhile, and a failing one still rolls back
          awaitConfirmation(
              Hook.Type.CONFIRM_PROMOTION, "before " + st.stableVersion() + " is retired");
          wakeAt = nextEvaluationAt(spec, next.build()).orElse(null);
          return;
        }
        enterFinalizing("every step passed");
        return;
      }
      if (st.phase() == Phase.Progressing) {
        Instant deadline = stepEnd.plus(spec.progressDeadline());
        if (!now.isBefore(deadline)) {
          List<Hook> hooksWaiting = hooks().waiting(Hook.Type.STEP, st.step());
          rollBack(
              RollbackCause.LIMIT,
              "step "
                  + (st.step() + 1)
                  + (hooksWaiting.isEmpty()
                      ? " found no passing evaluation"
                      : ": step webhook "
                          + hooks().describe(hooksWaiting, st.step())
                          + " did not answer 2xx")
                  + " within the progress deadline "
                  + Durations.format(spec.progressDeadline()));
          return;
        }
      }
      wakeAt = nextEvaluationAt(spec, next.build()).orElse(null);
    }

    /** Folds an evaluation into the counters; returns true when it rolled the release back. */
    private boolean judge(Evaluation e) {
      next.lastEvaluationAt = e.at();
      switch (e.gate()) {
        case PASS -> {
          next.inconclusiveStreak = 0;
          next.errorStreak = 0;
        }
        case FAIL -> {
          next.failures = st.failures() + 1;
          next.inconclusiveStreak = 0;
          next.errorStreak = 0;
          if (next.failures >= spec.failureThreshold()) {
            rollBack(RollbackCause.CHECK, "check failed: " + e.summary());
            return true;
          }
          events.add(
              Note.warning(
                  Reason.CheckFailed,
                  e.summary() + " (" + next.failures + "/" + spec.failureThreshold() + ")"));
        }
        case INCONCLUSIVE -> {
          next.inconclusiveStreak = st.inconclusiveStreak() + 1;
          next.errorStreak = 0;
          if (next.inconclusiveStreak >= spec.inconclusiveLimit()) {
            rollBack(
                RollbackCause.LIMIT,
                next.inconclusiveStreak + " inconclusive evaluations in a row: " + e.summary());
            return true;
          }
        }
        case ERROR -> {
          next.errorStreak = st.errorStreak() + 1;
          next.inconclusiveStreak = 0;
          if (next.errorStreak >= spec.errorLimit()) {
            rollBack(
                RollbackCause.LIMIT,
                next.errorStreak + " evaluations in a row without data: " + e.summary());
            return true;
          }
        }
      }
      return false;
    }

    // ---- finalizing: retire the old version in the guide's order ---------------------------

    private void enterFinalizing(String why) {
      next.phase = Phase.Finalizing;
      next.blocker = null;
      events.add(
          Note.normal(
              Reason.Promoting,
              "promoting " + st.canaryVersion() + ": " + why + "; retiring " + st.stableVersion()));
    }

    private void finalizing() {
      String canary = st.canaryVersion();
      String old = st.stableVersion();
      Optional<ManagedRoute> unmanageable = world.unmanageable();
      if (unmanageable.isPresent()) {
        block(
            Reason.RouteNotFound,
            world.where(unmanageable.get())
                + "cannot finish the promotion: "
                + unmanageable.get().observation().problem());
        return;
      }
      // 1. the old version leaves every managed route (the canary takes 100%), and whatever a
      // stage added goes with it
      Effect.SetRoute promoted = shapes.allTo(canary);
      if (world.routes().stream().anyMatch(r -> !RouteShapes.conforms(r, promoted))) {
        effects.add(promoted);
        next.weight = 100;
        next.retiringSince = now;
        return;
      }
      // ... and keeps its pods for the retirement delay, so that every proxy has the new route
      // before they go and requests in flight finish
      if (st.retiringSince() == null) {
        next.retiringSince = now; // the route was written but a crash lost the time: wait anew
        return;
      }
      Instant retireAt = st.retiringSince().plus(spec.retirementDelay());
      if (now.isBefore(retireAt)) {
        wakeAt = retireAt;
        return;
      }
      // 2. then its subset leaves the DestinationRule, 3. then its Deployments go, each once
      // nothing
      // sends traffic to it any more; what something still holds is retired later, by itself
      Optional<Retiring> left =
          advanceRetirement(
              new Retiring(old, Retiring.Scope.SUBSET_AND_DEPLOYMENTS, st.retiringSince(), null));
      if (!effects.isEmpty() || left.map(r -> !r.held()).orElse(false)) {
        return;
      }
      List<Retiring> retiring = new ArrayList<>(st.retiring());
      left.ifPresent(
          r -> {
            retiring.add(r);
            events.add(Note.warning(Reason.RetirementBlocked, Retirements.kept(r)));
          });
      next.retiring = retiring;
      next.phase = Phase.Succeeded;
      next.retiringSince = null;
      next.stableVersion = canary;
      next.weight = 0;
      next.step = -1;
      next.finishedAt = now;
      next.blocker = null;
      events.add(
          Note.normal(
              Reason.Promoted,
              canary
                  + " is now stable; "
                  + old
                  + (left.isPresent()
                      ? " kept until nothing routes to it"
                      : " retired (" + new Retirements(spec, world, now).policy() + ")")
                  + took()));
    }

    // ---- retirement of old versions ------------------------------------------------------

    /**
     * Takes every unfinished retirement one step on, in any phase, once the phase itself asked for
     * nothing (one effect at a time keeps every step small and every crash harmless).
     */
    private void continueRetirements() {
      if (next.retiring.isEmpty()) {
        return;
      }
      List<Retiring> left = new ArrayList<>();
      for (Retiring r : next.retiring) {
        if (r.version().equals(next.stableVersion)
            || (!next.phase.settled() && r.version().equals(next.canaryVersion))) {
          continue; // in use again: not to be retired
        }
        if (!effects.isEmpty() || rollback != null) {
          left.add(r);
          continue;
        }
        Optional<Retiring> after = advanceRetirement(r);
        if (after.isEmpty()) {
          events.add(Note.normal(Reason.Retired, new Retirements(spec, world, now).finished(r)));
          continue;
        }
        if (after.get().held() && !after.get().heldBy().equals(r.heldBy())) {
          events.add(Note.warning(Reason.RetirementBlocked, Retirements.kept(after.get())));
        }
        left.add(after.get());
      }
      next.retiring = left;
    }

    /** One step of a version's retirement (see {@link Retirements}); its effects are added. */
    private Optional<Retiring> advanceRetirement(Retiring r) {
      Retirements.Step step = new Retirements(spec, world, now).advance(r);
      effects.addAll(step.effects());
      step.wakeAt().ifPresent(at -> wakeAt = wakeAt == null || at.isBefore(wakeAt) ? at : wakeAt);
      return step.after();
    }

    // ---- rollback ------------------------------------------------------------------------

    /**
     * Sends the managed route back to 100% stable in one write. {@code cause} is null when an
     * earlier decision already rolled back and this one only retries the write.
     */
    private void rollBack(RollbackCause cause, String reason) {
      if (cause != null) {
        rollback = cause;
        next.rollbackReason = reason;
        events.add(
            Note.warning(Reason.RollingBack, "rolling back " + st.canaryVersion() + ": " + reason));
      }
      next.step = -1;
      next.weight = 0;
      String stable = st.stableVersion();
      List<ManagedRoute> writable = world.writableRoutes();
      // every route that can be written goes back at once (one write per VirtualService), and
      // every route, mirror and cookie Sluice added goes in the same write
      converge(shapes.allTo(stable));
      // A VirtualService that is gone carries no traffic; one that exists but cannot be written
      // may still send traffic to the canary: the rollback is not done until it is written too.
      Optional<ManagedRoute> stuck =
          writable.isEmpty()
              ? world.unmanageable()
              : world.routes().stream()
                  .filter(r -> r.observation().state() == RouteObservation.State.INVALID)
                  .findFirst();
      if (stuck.isPresent()) {
        // retried whenever a VirtualService changes
        next.phase = Phase.Failed;
        next.blocker =
            new Blocker(
                Reason.RollbackBlocked,
                world.where(stuck.get())
                    + "cannot write the rollback: "
                    + stuck.get().observation().problem());
        if (st.phase() != Phase.Failed) {
          events.add(Note.warning(Reason.RollbackBlocked, next.blocker.message()));
        }
        return;
      }
      next.phase = Phase.RolledBack;
      next.finishedAt = now;
      next.blocker = null;
      String gone =
          world.routes().size() == writable.size()
              ? ""
              : " (gone, so carrying no traffic: "
                  + String.join(
                      ", ",
                      world.routes().stream()
                          .filter(r -> !r.ok())
                          .map(r -> r.ref().describe(world.namespace()))
                          .toList())
                  + ")";
      events.add(
          Note.warning(
              Reason.RolledBack,
              (world.routes().size() == 1 ? "route" : "routes")
                  + " back to 100% "
                  + stable
                  + gone
                  + "; "
                  + next.rollbackReason
                  + took()));
    }

    private String took() {
      if (st.releaseStartedAt() == null) {
        return "";
      }
      return " (release took "
          + Durations.format(Duration.between(st.releaseStartedAt(), now).withNanos(0))
          + ")";
    }

    /** Blocks when a managed route cannot be managed; returns whether it did. */
    private boolean blockedByRoutes() {
      Optional<ManagedRoute> unmanageable = world.unmanageable();
      if (unmanageable.isEmpty()) {
        return false;
      }
      RouteObservation route = unmanageable.get().observation();
      block(
          route.state() == RouteObservation.State.INVALID
              ? Reason.InvalidVirtualService
              : Reason.RouteNotFound,
          world.where(unmanageable.get()) + route.problem());
      return true;
    }

    private void block(Reason reason, String message) {
      Blocker b = new Blocker(reason, message);
      if (!b.equals(st.blocker())) {
        events.add(Note.warning(reason, message));
      }
      next.blocker = b;
    }
  }
}
