package dev.sluice.controller;

import dev.sluice.model.Canary;
import dev.sluice.notify.Notifications;
import dev.sluice.rollout.DecisionLoop;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.Rollout;
import dev.sluice.routing.TrafficRouter;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * One reconcile of one Canary, as a sequence of named steps, each its own class: read the Canary,
 * claim a {@code sluice.dev/action} annotation, read the world, admit the spec (or refuse it), run
 * the checks when due, then decide and act with the {@link DecisionLoop} (the state machine, {@link
 * Rollout}, decides; {@link ReleaseRun} carries out, records and answers), and schedule the next
 * reconcile. It decides nothing itself; it only sequences I/O. docs/architecture.md follows one
 * event from an informer to a VirtualService write through these classes.
 *
 * <p>A signal (an alert, a command) is decided on the cached Canary, without reading it again
 * first: a cached copy older than this daemon's own last write was already replaced by the stored
 * one ({@link OwnWrites}), and every write is conditional. A waiting signal is decided before a due
 * evaluation runs, so an abort or an alert never waits for Prometheus.
 */
final class CanaryReconciler {
  private static final Logger LOG = Logger.getLogger(CanaryReconciler.class);

  private final KubernetesClient client;
  private final ClusterCache cache;
  private final SignalInbox inbox;
  private final ReleaseMetrics metrics;
  private final Clock clock;
  private final BiConsumer<String, Instant> schedule;
  private final OwnWrites ownWrites = new OwnWrites();
  private final QuietEvaluations quietEvaluations = new QuietEvaluations();
  private final AnnotatedActions annotatedActions;
  private final WorldReader worlds;
  private final Admission admission;
  private final Refusals refusals;
  private final DueChecks checks;
  private final ReleaseRun.Steps steps;

  CanaryReconciler(
      KubernetesClient client,
      ClusterCache cache,
      TrafficRouter router,
      AnalysisRunner analysis,
      EventRecorder events,
      ReleaseMetrics metrics,
      SignalInbox inbox,
      dev.sluice.webhooks.WebhookClient webhooks,
      Clock clock,
      BiConsumer<String, Instant> schedule,
      Notifications notifications) {
    this.client = client;
    this.cache = cache;
    this.inbox = inbox;
    this.metrics = metrics;
    this.clock = clock;
    this.schedule = schedule;
    IstioWrites istioWrites = new IstioWrites();
    DeploymentWrites deploymentWrites = new DeploymentWrites();
    StatusWriter status = new StatusWriter(client, clock, ownWrites, schedule);
    this.annotatedActions = new AnnotatedActions(client, ownWrites, inbox, events);
    this.worlds = new WorldReader(client, cache, router, istioWrites, deploymentWrites);
    this.admission = new Admission(cache, worlds, analysis);
    this.refusals = new Refusals(status, inbox, events, metrics);
    this.checks = new DueChecks(analysis, inbox, metrics, clock);
    this.steps =
        new ReleaseRun.Steps(
            new EffectExecutor(client, router, istioWrites, deploymentWrites),
            status,
            new SignalReplies(events, metrics, clock),
            quietEvaluations,
            events,
            metrics,
            new HookCalls(client, webhooks, inbox, metrics, clock, schedule),
            new ReleaseNotices(notifications, client, events, clock));
  }

  void reconcile(String key) {
    // every log line of this reconcile names the Canary (text: after the logger; JSON: mdc.canary)
    org.jboss.logging.MDC.put("canary", key);
    try {
      metrics.reconcileTimer().record(() -> run(key));
    } finally {
      org.jboss.logging.MDC.remove("canary");
    }
  }

  private void run(String key) {
    Optional<Canary> canary = readCanary(key);
    if (canary.isEmpty()) {
      return;
    }
    Subject s = new Subject(canary.get());
    if (!annotatedActions.claim(s)) {
      return; // the Canary is gone
    }
    ReleaseStatus status = quietEvaluations.overlay(key, StatusMapper.read(s.canary().getStatus()));
    WorldReader.Snapshot world = worlds.read(s.canary());
    Admission.Result admitted = admission.check(s.canary(), status);
    if (admitted.refused()) {
      refusals.refuse(s, admitted.refusal(), admitted.problem());
      return;
    }
    Optional<SignalInbox.Pending> pending = inbox.take(key);
    DueChecks.Result checked = checks.runIfDue(s, admitted.admitted(), status, pending.isPresent());
    if (checked.interrupted()) {
      schedule.accept(key, clock.instant()); // the signal first; the checks run again after it
      return;
    }
    DecisionLoop.Result result =
        DecisionLoop.run(
            admitted.admitted().spec(),
            status,
            pending.map(SignalInbox.Pending::signal),
            checked.evaluation(),
            clock::instant,
            new ReleaseRun(s, world, admitted.admitted().spec(), checked, pending, steps));
    scheduleNext(s, result);
  }

  /**
   * The Canary to decide on: the cached copy, or the stored one when the cache has not caught up
   * with this daemon's last write yet; empty when it is gone (and then everything kept for it is
   * forgotten).
   */
  private Optional<Canary> readCanary(String key) {
    Optional<Canary> cached = cache.canary(key);
    String[] parts = key.split("/", 2);
    if (cached.isEmpty()) {
      metrics.forget(parts[0], parts[1]);
      inbox.forget(key);
      ownWrites.forget(key);
      quietEvaluations.forget(key);
      cache.mesh().interest(key, null);
      return Optional.empty();
    }
    if (!ownWrites.isStale(key, cached.get().getMetadata().getResourceVersion())) {
      return cached;
    }
    // null: deleted; the informer's delete event follows
    return Optional.ofNullable(
        client.resources(Canary.class).inNamespace(parts[0]).withName(parts[1]).get());
  }

  private void scheduleNext(Subject s, DecisionLoop.Result result) {
    switch (result.ending()) {
      case CHANGED_MEANWHILE -> {} // the status write queued a fresh reconcile
      case WRITE_FAILED ->
          schedule.accept(s.key, clock.instant().plus(Tunables.RETRY_AFTER_FAILED_WRITE));
      case CONFLICTS -> {
        LOG.warnf(
            "%s: more than %d write conflicts in a row; trying again shortly",
            s.key, DecisionLoop.MAX_CONFLICTS);
        schedule.accept(s.key, clock.instant().plus(Tunables.RETRY_AFTER_FAILED_WRITE));
      }
      case SETTLED, TOO_MANY_DECISIONS -> {
        metrics.state(s.namespace, s.name, result.status());
        if (inbox.hasPending(s.key)) {
          schedule.accept(s.key, clock.instant());
        } else {
          result.wakeAt().ifPresent(at -> schedule.accept(s.key, at));
        }
      }
    }
  }
}
