package dev.sluice.controller;

import dev.sluice.analysis.Check;
import dev.sluice.analysis.GateVerdict;
import dev.sluice.analysis.InvalidTemplateException;
import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import dev.sluice.model.Canary;
import dev.sluice.model.CanarySpec;
import dev.sluice.model.CanaryStatus;
import dev.sluice.rollout.Command;
import dev.sluice.rollout.Decision;
import dev.sluice.rollout.DeploymentView;
import dev.sluice.rollout.Effect;
import dev.sluice.rollout.Evaluation;
import dev.sluice.rollout.Ownership;
import dev.sluice.rollout.Phase;
import dev.sluice.rollout.Reason;
import dev.sluice.rollout.Reference;
import dev.sluice.rollout.ReleaseSpec;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.RollbackCause;
import dev.sluice.rollout.Rollout;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.rollout.Signal;
import dev.sluice.rollout.World;
import dev.sluice.routing.DestinationRuleEdits;
import dev.sluice.routing.Hosts;
import dev.sluice.routing.MeshReferences;
import dev.sluice.routing.TrafficRouter;
import dev.sluice.routing.WriteConflictException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * Carries out the state machine's decisions for one Canary: reads the world from the caches, runs
 * the checks when they are due, asks {@link Rollout#decide} what to do, performs the actions, and
 * records the status. It decides nothing itself; it only sequences I/O.
 *
 * <p>Ordering: within one decision, actions are carried out before the status is written. A step
 * advance is a decision with only a status change (the intent) followed by one that writes the
 * route; a rollback is a decision whose single route write comes first. So a crash can lose at most
 * a route write the status already asks for, and the next reconcile redoes it.
 *
 * <p>Signals (manual commands, firing alerts) come from the {@link SignalInbox}; a {@code
 * sluice.dev/action} annotation is first claimed ({@link ActionAnnotation}) and then queued there
 * like a REST command. A waiting signal is decided on the Canary as read from the API server (not
 * the cache), and before a due evaluation runs, so an abort or an alert never waits for Prometheus;
 * the evaluation follows in the next reconcile, queued at once.
 */
final class CanaryReconciler {
  private static final Logger LOG = Logger.getLogger(CanaryReconciler.class);
  private static final int MAX_DECISIONS = 24;
  private static final int MAX_CONFLICTS = 8;
  private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(2);

  private final KubernetesClient client;
  private final ClusterCache cache;
  private final TrafficRouter router;
  // a VirtualService or DestinationRule is analysed once per version, not at every reconcile
  private final ObjectMemo<RouteObservation> routes = new ObjectMemo<>(20_000);
  private final ObjectMemo<RuleView> rules = new ObjectMemo<>(20_000);
  private final ObjectMemo<List<Reference>> references = new ObjectMemo<>(20_000);

  /** What a DestinationRule tells: its subsets with their labels, and its host's key. */
  private record RuleView(Map<String, Map<String, String>> subsets, String host) {}

  private final AnalysisRunner analysis;
  private final EventRecorder events;
  private final ReleaseMetrics metrics;
  private final SignalInbox inbox;
  private final Clock clock;
  private final BiConsumer<String, Instant> schedule;
  private final OwnWrites ownWrites = new OwnWrites();

  CanaryReconciler(
      KubernetesClient client,
      ClusterCache cache,
      TrafficRouter router,
      AnalysisRunner analysis,
      EventRecorder events,
      ReleaseMetrics metrics,
      SignalInbox inbox,
      Clock clock,
      BiConsumer<String, Instant> schedule) {
    this.client = client;
    this.cache = cache;
    this.router = router;
    this.analysis = analysis;
    this.events = events;
    this.metrics = metrics;
    this.inbox = inbox;
    this.clock = clock;
    this.schedule = schedule;
  }

  void reconcile(String key) {
    // every log line of this reconcile names the Canary (text: after the logger; JSON: mdc.canary)
    org.jboss.logging.MDC.put("canary", key);
    try {
      metrics.reconcileTimer().record(() -> reconcileTimed(key));
    } finally {
      org.jboss.logging.MDC.remove("canary");
    }
  }

  /** The VirtualServices and DestinationRules this daemon wrote last. */
  private final IstioWrites istioWrites = new IstioWrites();

  /** When each Canary's checks last passed without a status write (see Run#material). */
  private final QuietEvaluations quietEvaluations = new QuietEvaluations();

  private void reconcileTimed(String key) {
    Optional<Canary> cached = cache.canary(key);
    String[] parts = key.split("/", 2);
    if (cached.isEmpty()) {
      metrics.forget(parts[0], parts[1]);
      inbox.forget(key);
      ownWrites.forget(key);
      quietEvaluations.forget(key);
      cache.mesh().interest(key, null);
      return;
    }
    Canary canary = cached.get();
    if (ownWrites.isStale(key, canary.getMetadata().getResourceVersion())) {
      // The cache has not caught up with our last write yet: decide on the stored Canary.
      canary = client.resources(Canary.class).inNamespace(parts[0]).withName(parts[1]).get();
      if (canary == null) {
        return; // deleted; the informer's delete event follows
      }
    }
    new Run(canary).go();
  }

  /** The I/O of one reconcile of one Canary, with the objects as last read or written. */
  private final class Run {
    private Canary canary;
    private final String namespace;
    private final String name;
    private final String key;
    private GenericKubernetesResource virtualService;
    private GenericKubernetesResource destinationRule;
    private final Map<String, Deployment> deployments = new HashMap<>();

    /** The manual action this run applied, recorded in status.lastAction by every write. */
    private CanaryStatus.ManualAction applied;

    Run(Canary canary) {
      this.canary = canary;
      this.namespace = canary.getMetadata().getNamespace();
      this.name = canary.getMetadata().getName();
      this.key = namespace + "/" + name;
    }

    void go() {
      if (ActionAnnotation.present(canary) && !claimAnnotatedAction()) {
        return; // the Canary is gone
      }
      // A signal is decided on the cached Canary, without reading it again first: a cached copy
      // older than this daemon's own last write (a command just decided) was already replaced by
      // the stored one (reconcileTimed, OwnWrites), and every write is conditional. The read cost
      // an alert's rollback a round trip (28 ms at the median with 1,000 releases, scripts/bench).
      SpecReader.Result read = SpecReader.read(canary);
      if (!read.valid()) {
        refuseSpec(String.join("; ", read.problems()));
        return;
      }
      ReleaseSpec spec = read.spec();
      CanarySpec cs = canary.getSpec();
      ReleaseStatus status = quietEvaluations.overlay(key, StatusMapper.read(canary.getStatus()));
      refreshFromCache();
      Optional<String> conflict = conflict(status);
      if (conflict.isPresent()) {
        refuse(Reason.Conflict, conflict.get());
        return;
      }

      // Templates are checked before a release may start; during one, a broken template is an
      // error evaluation (hold, then roll back at the error limit) rather than a silent stop.
      List<Check> checks;
      InvalidTemplateException templateProblem = null;
      try {
        checks = analysis.checks(canary, status.stableVersion(), status.canaryVersion());
      } catch (InvalidTemplateException e) {
        checks = List.of();
        templateProblem = e;
      }
      if (templateProblem != null && !status.phase().releasing()) {
        refuseSpec(templateProblem.getMessage());
        return;
      }

      Optional<SignalInbox.Pending> pending = inbox.take(key);
      Optional<Signal> signal = pending.map(SignalInbox.Pending::signal);
      Optional<Evaluation> evaluation = Optional.empty();
      GateVerdict verdict = null;
      Instant now = clock.instant();
      // A signal is decided first, without waiting for Prometheus; a due evaluation runs in the
      // next reconcile (the last decision's wake time is then already past).
      if (pending.isEmpty() && Rollout.evaluationDue(spec, status, now)) {
        verdict =
            templateProblem != null
                ? AnalysisRunner.templateError(templateProblem, now)
                : evaluateUnlessSignalled(checks);
        if (verdict == null) {
          // An alert or a command arrived while the queries ran: it is decided at once, in a
          // reconcile of its own; this evaluation is dropped and runs again after it.
          schedule.accept(key, clock.instant());
          return;
        }
        now = clock.instant();
        evaluation = Optional.of(AnalysisRunner.evaluation(verdict, now));
        metrics.measured(namespace, name, verdict.measurements());
      }

      int conflicts = 0;
      boolean confirmed = false;
      boolean answered = false;
      Decision last = null;
      for (int i = 0; i < MAX_DECISIONS; i++) {
        now = clock.instant();
        Decision d = Rollout.decide(spec, status, world(cs), signal, evaluation, now);
        if (!confirmed && d.rollback().orElse(null) == RollbackCause.EXTERNAL) {
          // The caches can lag behind this daemon's own writes (a subset or route it has just
          // written): a change from outside is confirmed on the API server's copies before it
          // rolls a release back.
          confirmed = true;
          refreshFromServer(cs);
          refreshDeploymentsFromServer(cs);
          continue;
        }
        if (pending.isPresent() && !answered) {
          answer(pending.get(), d, status);
          answered = true;
        }
        try {
          for (Effect effect : d.effects()) {
            perform(effect, cs, status);
          }
        } catch (WriteConflictException e) {
          if (++conflicts > MAX_CONFLICTS) {
            LOG.warnf("%s: %d write conflicts in a row; trying again shortly", key, conflicts);
            schedule.accept(key, clock.instant().plus(RETRY_AFTER_FAILURE));
            return;
          }
          refreshFromServer(cs);
          refreshDeploymentsFromServer(cs);
          continue; // read again, decide again (the signal and evaluation are not yet recorded)
        } catch (KubernetesClientException e) {
          writeFailed(spec, status, d, e);
          return;
        }
        if (signal.orElse(null) instanceof Signal.AlertFiring alert
            && d.rollback().orElse(null) == RollbackCause.ALERT) {
          alertRolledBack(alert, pending.get().received(), d, status);
        }
        if (verdict != null && d.rollback().orElse(null) == RollbackCause.CHECK) {
          checkRolledBack(verdict);
        }
        boolean statusChanged = !d.status().equals(status);
        if (statusChanged && !material(status, d.status(), verdict)) {
          // a passing check in the middle of a bake: nothing to record but when it ran
          quietEvaluations.remember(key, d.status());
        } else if (statusChanged || verdict != null) {
          if (!writeStatus(d.status(), spec, verdict)) {
            return; // the Canary changed under us: a fresh reconcile is queued
          }
        }
        announce(d, status);
        boolean acted = !d.effects().isEmpty();
        status = d.status();
        signal = Optional.empty();
        evaluation = Optional.empty();
        verdict = null;
        last = d;
        if (!acted && !statusChanged) {
          break;
        }
      }
      metrics.state(namespace, name, status);
      if (inbox.hasPending(key)) {
        schedule.accept(key, clock.instant());
      } else if (last != null && last.wakeAt().isPresent()) {
        schedule.accept(key, last.wakeAt().get());
      }
    }

    /** The checks' verdict, or null when a signal for this Canary arrived before the answers. */
    private GateVerdict evaluateUnlessSignalled(List<Check> checks) {
      CompletableFuture<Void> signalled = inbox.arrival(key);
      try {
        return analysis.run(checks, signalled).orElse(null);
      } finally {
        inbox.stopWaiting(key, signalled);
      }
    }

    /**
     * Whether a decision must be recorded in the status. A passing evaluation in the middle of a
     * bake changes only {@code lastEvaluationAt}: it is kept in memory (a restarted daemon checks
     * once more, which is harmless), so a healthy step costs two writes, its status and its route.
     * Anything else is written: a new step or phase, a counter, a non-passing verdict, or a passing
     * one that turns a False Analysis condition back to True (an absent one is first written with
     * the next step, not in a write of its own).
     */
    private boolean material(ReleaseStatus before, ReleaseStatus after, GateVerdict verdict) {
      ReleaseStatus.Builder b = after.toBuilder();
      b.lastEvaluationAt = before.lastEvaluationAt();
      if (!b.build().equals(before)) {
        return true;
      }
      if (verdict == null) {
        return false;
      }
      if (verdict.outcome() != dev.sluice.analysis.Outcome.PASS) {
        return true;
      }
      CanaryStatus stored = canary.getStatus();
      var analysisCondition =
          stored == null ? null : StatusMapper.find(stored.conditions, StatusMapper.ANALYSIS);
      return analysisCondition != null && !"True".equals(analysisCondition.getStatus());
    }

    // ---- world ----------------------------------------------------------------------------

    private void refreshFromCache() {
      CanarySpec cs = canary.getSpec();
      virtualService =
          istioWrites.latest(cache.virtualService(namespace, cs.virtualService.name).orElse(null));
      destinationRule =
          istioWrites.latest(
              cache.destinationRule(namespace, cs.destinationRule.name).orElse(null));
      deployments.clear();
      for (Deployment d : cache.deploymentsOf(namespace, cs.app)) {
        deployments.put(d.getMetadata().getName(), d);
      }
    }

    /**
     * After a conflict the cache may lag behind the server: read the two Istio objects directly.
     */
    private void refreshFromServer(CanarySpec cs) {
      virtualService =
          client
              .genericKubernetesResources(Istio.VIRTUAL_SERVICE)
              .inNamespace(namespace)
              .withName(cs.virtualService.name)
              .get();
      destinationRule =
          client
              .genericKubernetesResources(Istio.DESTINATION_RULE)
              .inNamespace(namespace)
              .withName(cs.destinationRule.name)
              .get();
    }

    private void refreshDeploymentsFromServer(CanarySpec cs) {
      deployments.clear();
      for (Deployment d :
          client
              .apps()
              .deployments()
              .inNamespace(namespace)
              .withLabel(ClusterCache.APP_LABEL, cs.app)
              .list()
              .getItems()) {
        deployments.put(d.getMetadata().getName(), d);
      }
    }

    private RouteObservation observe(CanarySpec cs) {
      String name = cs.virtualService.route;
      return routes.get(virtualService, name, () -> router.observe(virtualService, name));
    }

    private World world(CanarySpec cs) {
      RouteObservation route = observe(cs);
      RuleView rule =
          destinationRule == null
              ? new RuleView(null, null)
              : rules.get(
                  destinationRule,
                  null,
                  () ->
                      new RuleView(
                          router.subsets(destinationRule),
                          DestinationRuleEdits.hostKey(destinationRule)));
      String routeHost =
          route.state() == RouteObservation.State.OK ? Hosts.key(route.host(), namespace) : null;
      if (routeHost != null && rule.host() != null && !Hosts.covers(rule.host(), routeHost)) {
        route =
            RouteObservation.invalid(
                "the managed route sends traffic to host "
                    + route.host()
                    + " but DestinationRule "
                    + cs.destinationRule.name
                    + " is for another host: its subsets are not this route's");
      }
      String host = rule.host() != null ? rule.host() : routeHost;
      cache.mesh().interest(key, host);
      // the managed VirtualService as last read or written (the index may lag our own writes),
      // but for the managed route's own destinations; then every other VirtualService's
      String managed = namespace + "/" + cs.virtualService.name;
      List<Reference> refs = new ArrayList<>();
      for (Reference r :
          references.get(virtualService, null, () -> MeshReferences.of(virtualService))) {
        if (!MeshReferences.inHttpRoute(r, managed, route.position())
            && (host == null || Hosts.covers(host, r.host()))) {
          refs.add(r);
        }
      }
      refs.addAll(cache.mesh().referencesTo(host, managed));
      String versionLabel = SpecReader.versionLabel(canary);
      List<DeploymentView> views = new ArrayList<>();
      for (Deployment d : deployments.values()) {
        if (d.getMetadata().getDeletionTimestamp() == null) {
          views.add(view(ClusterCache.label(d, versionLabel), d));
        }
      }
      return new World(namespace, route, rule.subsets(), views, refs);
    }

    private DeploymentView view(String version, Deployment d) {
      int replicas =
          d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      int ready =
          d.getStatus() == null || d.getStatus().getReadyReplicas() == null
              ? 0
              : d.getStatus().getReadyReplicas();
      Instant created = Timestamps.parse(d.getMetadata().getCreationTimestamp());
      Map<String, String> labels = d.getMetadata().getLabels();
      Map<String, String> podLabels =
          d.getSpec() == null
                  || d.getSpec().getTemplate() == null
                  || d.getSpec().getTemplate().getMetadata() == null
              ? null
              : d.getSpec().getTemplate().getMetadata().getLabels();
      return new DeploymentView(
          version,
          d.getMetadata().getName(),
          replicas,
          ready,
          created == null ? Instant.EPOCH : created,
          labels == null ? Map.of() : labels,
          podLabels == null ? Map.of() : podLabels);
    }

    /**
     * Why another Canary owns what this one claims (the same route, or the same app), or empty when
     * this one may act.
     */
    private Optional<String> conflict(ReleaseStatus status) {
      List<Canary> rivals = cache.rivalsOf(canary);
      if (rivals.isEmpty()) {
        return Optional.empty();
      }
      Ownership.Claim self = claim(canary, status, virtualService);
      List<Ownership.Claim> others = new ArrayList<>();
      for (Canary rival : rivals) {
        String vsName =
            rival.getSpec().virtualService == null ? null : rival.getSpec().virtualService.name;
        GenericKubernetesResource vs =
            vsName == null
                ? null
                : istioWrites.latest(cache.virtualService(namespace, vsName).orElse(null));
        others.add(claim(rival, StatusMapper.read(rival.getStatus()), vs));
      }
      return Ownership.ownerOver(self, others).map(owner -> Ownership.conflict(self, owner));
    }

    private Ownership.Claim claim(Canary c, ReleaseStatus status, GenericKubernetesResource vs) {
      CanarySpec spec = c.getSpec();
      String vsName = spec.virtualService == null ? null : spec.virtualService.name;
      String routeName = spec.virtualService == null ? null : spec.virtualService.route;
      RouteObservation route =
          vs == null
              ? RouteObservation.notFound("")
              : routes.get(vs, routeName, () -> router.observe(vs, routeName));
      Phase phase = status.phase();
      return new Ownership.Claim(
          namespace,
          c.getMetadata().getName(),
          Timestamps.parse(c.getMetadata().getCreationTimestamp()),
          spec.app,
          vsName == null ? null : namespace + "/" + vsName,
          route.position(),
          routeName,
          phase.releasing()
              || phase == Phase.Finalizing
              || phase == Phase.RollingBack
              || phase == Phase.Failed);
    }

    // ---- actions --------------------------------------------------------------------------

    private void perform(Effect effect, CanarySpec cs, ReleaseStatus status) {
      if (effect instanceof Effect.SetRoute set) {
        virtualService =
            istioWrites.wrote(
                virtualService, router.setRoute(virtualService, cs.virtualService.route, set));
      } else if (effect instanceof Effect.AddSubset add) {
        destinationRule =
            istioWrites.wrote(
                destinationRule,
                router.addSubset(destinationRule, add, SpecReader.versionLabel(canary)));
      } else if (effect instanceof Effect.RemoveSubset remove) {
        destinationRule =
            istioWrites.wrote(
                destinationRule, router.removeSubset(destinationRule, remove, world(cs)));
      } else if (effect instanceof Effect.RetireDeployment retire) {
        retire(retire);
      }
    }

    private void retire(Effect.RetireDeployment retire) {
      Deployment d = deployments.get(retire.deployment());
      if (d == null) {
        return; // already gone
      }
      String dn = retire.deployment();
      switch (retire.policy()) {
        case DELETE -> {
          client.apps().deployments().inNamespace(namespace).withName(dn).delete();
          deployments.remove(dn);
        }
        case SCALE_TO_ZERO -> {
          // a plain update carrying the resourceVersion read: a conflict means decide again
          Deployment copy = io.fabric8.kubernetes.client.utils.Serialization.clone(d);
          copy.getSpec().setReplicas(0);
          try {
            deployments.put(
                dn, client.apps().deployments().inNamespace(namespace).resource(copy).update());
          } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
              throw new WriteConflictException(
                  "Deployment", namespace, dn, d.getMetadata().getResourceVersion(), e);
            }
            throw e;
          }
        }
        case KEEP -> {}
      }
    }

    /**
     * A write other than a conflict failed (API server error, forbidden, ...). A rollback that
     * could not be written is recorded as RollingBack, so it is retried and never forgotten.
     */
    private void writeFailed(
        ReleaseSpec spec, ReleaseStatus status, Decision d, KubernetesClientException e) {
      LOG.warnf("%s: write failed (%d): %s", key, e.getCode(), e.getMessage());
      if (d.rollback().isPresent() || d.status().phase() == Phase.RolledBack) {
        ReleaseStatus.Builder b = d.status().toBuilder();
        b.phase = Phase.RollingBack;
        b.blocker =
            new ReleaseStatus.Blocker(
                Reason.RollbackWriteFailed,
                "the rollback write failed and is retried: " + e.getMessage());
        writeStatus(b.build(), spec, null);
        if (d.rollback().isPresent()) {
          metrics.rolledBack(namespace, name, d.rollback().get());
          events.record(canary, true, Reason.RollbackWriteFailed, b.blocker.message());
        }
      }
      schedule.accept(key, clock.instant().plus(RETRY_AFTER_FAILURE));
    }

    // ---- status and events ----------------------------------------------------------------

    /** Writes the status conditionally on the Canary as read; false when it changed meanwhile. */
    private boolean writeStatus(ReleaseStatus next, ReleaseSpec spec, GateVerdict verdict) {
      Canary updated = copyForStatus();
      CanaryStatus s = updated.getStatus();
      StatusMapper.write(next, spec.plan().size(), s, generation(), clock.instant());
      if (applied != null) {
        s.lastAction = applied;
      }
      if (verdict != null) {
        s.measurements = measurements(verdict.measurements());
        StatusMapper.setCondition(
            s,
            StatusMapper.ANALYSIS,
            verdict.outcome() == dev.sluice.analysis.Outcome.PASS,
            verdict.outcome().name().charAt(0)
                + verdict.outcome().name().substring(1).toLowerCase(),
            verdict.summary(),
            generation(),
            clock.instant());
      }
      return putStatus(updated);
    }

    private boolean putStatus(Canary updated) {
      for (int attempt = 0; ; attempt++) {
        try {
          String replaced = updated.getMetadata().getResourceVersion();
          canary =
              client
                  .resources(Canary.class)
                  .inNamespace(namespace)
                  .resource(updated)
                  .updateStatus();
          ownWrites.replaced(key, replaced);
          return true;
        } catch (KubernetesClientException e) {
          if (e.getCode() == 404) {
            return false;
          }
          if (e.getCode() != 409 || attempt >= 3) {
            throw e;
          }
          // Someone changed the Canary since we read it (a spec edit, an annotation). When its
          // status is still the one this decision was made from, the decision stands: write it on
          // the fresh copy. Otherwise start over from the server's copy.
          Canary fresh = client.resources(Canary.class).inNamespace(namespace).withName(name).get();
          if (fresh == null) {
            return false;
          }
          if (!StatusMapper.read(fresh.getStatus()).equals(StatusMapper.read(canary.getStatus()))) {
            schedule.accept(key, clock.instant());
            return false;
          }
          canary = fresh;
          updated.getMetadata().setResourceVersion(fresh.getMetadata().getResourceVersion());
        }
      }
    }

    private Canary copyForStatus() {
      Canary copy = new Canary();
      copy.setMetadata(canary.getMetadata());
      copy.setSpec(canary.getSpec());
      CanaryStatus s = canary.getStatus() == null ? new CanaryStatus() : canary.getStatus();
      CanaryStatus fresh = new CanaryStatus();
      fresh.measurements =
          s.measurements == null ? new ArrayList<>() : new ArrayList<>(s.measurements);
      fresh.conditions = s.conditions == null ? new ArrayList<>() : new ArrayList<>(s.conditions);
      fresh.lastAction = s.lastAction;
      copy.setStatus(fresh);
      return copy;
    }

    private long generation() {
      Long g = canary.getMetadata().getGeneration();
      return g == null ? 0 : g;
    }

    private void refuseSpec(String problem) {
      refuse(Reason.InvalidSpec, problem);
    }

    /**
     * Records why Sluice does nothing for this Canary ({@code InvalidSpec}, {@code Conflict}): a
     * Ready=False condition and an event, and nothing else is written.
     */
    private void refuse(Reason reason, String problem) {
      String why =
          reason == Reason.InvalidSpec
              ? "the Canary's spec is invalid: " + problem
              : "another Canary owns its route: " + problem;
      // Waiting commands are refused now rather than applied whenever the problem is gone.
      for (Signal s : inbox.refuseAll(key, why)) {
        if (s instanceof Signal.Manual m) {
          events.record(
              canary,
              true,
              Reason.CommandRefused,
              describe(m)
                  + " refused: "
                  + (reason == Reason.InvalidSpec ? "invalid spec" : "conflict"));
        }
      }
      CanaryStatus current = canary.getStatus();
      var ready =
          current == null ? null : StatusMapper.find(current.conditions, StatusMapper.READY);
      if (ready != null
          && reason == StatusMapper.reason(ready)
          && problem.equals(ready.getMessage())
          && current.observedGeneration != null
          && current.observedGeneration == generation()) {
        return; // already said
      }
      Canary updated = copyForStatus();
      CanaryStatus s = updated.getStatus();
      if (current != null) {
        copyProgress(current, s);
      }
      s.observedGeneration = generation();
      s.message = (reason == Reason.InvalidSpec ? "invalid spec: " : "conflict: ") + problem;
      StatusMapper.setCondition(
          s, StatusMapper.READY, false, reason, problem, generation(), clock.instant());
      metrics.invalidSpec(namespace, name, StatusMapper.read(current));
      if (putStatus(updated)) {
        events.record(canary, true, reason, problem);
      }
    }

    /**
     * Claims a {@code sluice.dev/action} annotation: removes it (a plain update conditional on the
     * resourceVersion read, which a stale cached copy fails), then queues the action in the inbox
     * like a REST command. The run continues on the Canary the update returned, so the status write
     * that follows carries the new resourceVersion. Returns false when the Canary is gone.
     */
    private boolean claimAnnotatedAction() {
      ActionAnnotation.Claim claim = ActionAnnotation.claim(client, canary);
      if (claim == null) {
        return false;
      }
      if (claim.value() != null) {
        ownWrites.replaced(key, claim.replaced());
      }
      canary = claim.canary();
      if (claim.value() == null) {
        return true; // already claimed (our cached copy was stale), or left for later
      }
      Optional<Command> command = claim.command();
      if (command.isEmpty()) {
        events.record(
            canary,
            true,
            Reason.UnknownAction,
            "annotation "
                + ActionAnnotation.ACTION
                + "="
                + StatusMapper.truncate(claim.value(), 63)
                + " ("
                + claim.by()
                + ") names no action; use one of "
                + ActionAnnotation.valid()
                + "; nothing was done");
        return true;
      }
      inbox.offer(key, new Signal.Manual(command.get(), claim.by()));
      return true;
    }

    /**
     * Answers the signal's sender once the state machine saw it: with the refusal, or, for an alert
     * that rolled nothing back, with why. A refused command gets an event; an applied one is
     * recorded in status.lastAction.
     */
    private void answer(SignalInbox.Pending pending, Decision d, ReleaseStatus before) {
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
              canary, true, Reason.CommandRefused, describe(m) + " refused: " + d.refusal().get());
        } else {
          CanaryStatus.ManualAction a = new CanaryStatus.ManualAction();
          a.action = m.command().name().toLowerCase(Locale.ROOT);
          a.by = m.by();
          a.at = clock.instant().toString();
          a.message =
              d.events().isEmpty()
                  ? null
                  : StatusMapper.truncate(d.events().get(0).message(), 1024);
          applied = a;
        }
      }
    }

    /**
     * The rollback a firing alert asked for is carried out (its route write done, or none needed):
     * how long after the webhook received the alert, in {@code sluice_alert_reaction_seconds} and
     * one INFO line. A rollback whose write failed is retried later and not measured.
     */
    private void alertRolledBack(
        Signal.AlertFiring alert, SignalInbox.Received received, Decision d, ReleaseStatus before) {
      Duration took = Duration.ofNanos(System.nanoTime() - received.nanos());
      metrics.alertReaction(took);
      boolean wrote = d.effects().stream().anyMatch(a -> a instanceof Effect.SetRoute);
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
    private void checkRolledBack(GateVerdict verdict) {
      verdict.measurements().stream()
          .filter(m -> m.outcome() == Outcome.FAIL)
          .min(java.util.Comparator.comparing(Measurement::at))
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

    private void announce(Decision d, ReleaseStatus before) {
      for (Decision.Note note : d.events()) {
        events.record(canary, note.warning(), note.reason(), note.message());
      }
      d.rollback().ifPresent(cause -> metrics.rolledBack(namespace, name, cause));
      ReleaseStatus after = d.status();
      if (after.phase() == Phase.Succeeded
          && before.phase() != Phase.Succeeded
          && after.releaseStartedAt() != null) {
        metrics.promoted(Duration.between(after.releaseStartedAt(), after.finishedAt()));
      }
    }
  }

  private static List<CanaryStatus.MeasurementStatus> measurements(List<Measurement> ms) {
    List<CanaryStatus.MeasurementStatus> out = new ArrayList<>(ms.size());
    for (Measurement m : ms) {
      CanaryStatus.MeasurementStatus s = new CanaryStatus.MeasurementStatus();
      s.check = m.check();
      s.outcome = m.outcome().name();
      s.value = m.value().isPresent() ? Double.toString(m.value().getAsDouble()) : null;
      s.query = StatusMapper.truncate(m.query(), 2048);
      s.message = StatusMapper.truncate(m.message(), 1024);
      s.at = m.at().toString();
      out.add(s);
    }
    return out;
  }

  /** "pause (alice via api)": a command and who gave it, for events. */
  private static String describe(Signal.Manual m) {
    return m.command().name().toLowerCase(Locale.ROOT)
        + (m.by() == null ? "" : " (" + m.by() + ")");
  }

  /** Keeps a release's recorded progress when only a condition is added. */
  private static void copyProgress(CanaryStatus from, CanaryStatus to) {
    to.phase = from.phase;
    to.stableVersion = from.stableVersion;
    to.canaryVersion = from.canaryVersion;
    to.weight = from.weight;
    to.step = from.step;
    to.stepCount = from.stepCount;
    to.releaseStartedAt = from.releaseStartedAt;
    to.stepStartedAt = from.stepStartedAt;
    to.lastEvaluationAt = from.lastEvaluationAt;
    to.retiringSince = from.retiringSince;
    to.finishedAt = from.finishedAt;
    to.failures = from.failures;
    to.inconclusiveStreak = from.inconclusiveStreak;
    to.errorStreak = from.errorStreak;
    to.rollbackReason = from.rollbackReason;
    to.candidates = from.candidates;
    to.retiring = from.retiring;
  }
}
