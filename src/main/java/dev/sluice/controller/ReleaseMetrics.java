package dev.sluice.controller;

import dev.sluice.analysis.Measurement;
import dev.sluice.rollout.Phase;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.RollbackCause;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The daemon's own metrics under {@code sluice_}, per Canary: weight, phase, step, each check's
 * last value and outcomes (labelled {@code dry_run} true or false), rollbacks by reason, releases
 * by result, reconcile duration.
 */
final class ReleaseMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicReference<ReleaseStatus>> states = new ConcurrentHashMap<>();
  private final Map<String, Map<String, double[]>> checkValues = new ConcurrentHashMap<>();
  private final Map<String, List<Meter.Id>> meters = new ConcurrentHashMap<>();
  private final Timer reconcile;
  private final Timer alertReaction;
  private final Timer checkReaction;
  private volatile double lastAlertReactionAt = Double.NaN;

  ReleaseMetrics(MeterRegistry registry) {
    this.registry = registry;
    // Gauges left by an earlier start in this JVM (tests restart the application) would keep
    // reading that start's state.
    for (String name :
        List.of(
            "sluice.canary.weight",
            "sluice.canary.step",
            "sluice.canary.phase",
            "sluice.canary.ready",
            "sluice.canary.release.started.timestamp",
            "sluice.check.value",
            "sluice.alert.reaction.last.timestamp")) {
      registry.find(name).meters().forEach(registry::remove);
    }
    this.reconcile =
        Timer.builder("sluice.reconcile")
            .description("Time to reconcile one Canary")
            .publishPercentileHistogram()
            .register(registry);
    this.alertReaction =
        reactionTimer(
            "sluice.alert.reaction",
            "Time from a firing alert's arrival at the webhook to its rollback's route write");
    this.checkReaction =
        reactionTimer(
            "sluice.check.reaction",
            "Time from the failing Prometheus answer's arrival to its rollback's route write");
    Gauge.builder("sluice.alert.reaction.last.timestamp", this, m -> m.lastAlertReactionAt)
        .description(
            "When the last firing alert's rollback was carried out (its route write done; NaN"
                + " before the first): less its sluice_alert_reaction_seconds, when the alert"
                + " arrived")
        .baseUnit("seconds")
        .register(registry);
  }

  private Timer reactionTimer(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .serviceLevelObjectives(
            Duration.ofMillis(10),
            Duration.ofMillis(25),
            Duration.ofMillis(50),
            Duration.ofMillis(100),
            Duration.ofMillis(250),
            Duration.ofMillis(500),
            Duration.ofSeconds(1),
            Duration.ofMillis(2500),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10))
        .register(registry);
  }

  Timer reconcileTimer() {
    return reconcile;
  }

  /** Publishes the Canary's current state (registers its gauges the first time). */
  void state(String namespace, String name, ReleaseStatus status) {
    invalid.remove(namespace + "/" + name);
    publish(namespace, name, status);
  }

  /** The Canary's spec (or a template) is invalid: it is not ready, whatever its status says. */
  void invalidSpec(String namespace, String name, ReleaseStatus status) {
    invalid.add(namespace + "/" + name);
    publish(namespace, name, status);
  }

  private final java.util.Set<String> invalid = ConcurrentHashMap.newKeySet();

  private void publish(String namespace, String name, ReleaseStatus status) {
    String key = namespace + "/" + name;
    AtomicReference<ReleaseStatus> ref = states.get(key);
    if (ref == null) {
      AtomicReference<ReleaseStatus> created = new AtomicReference<>(status);
      ref = states.putIfAbsent(key, created);
      if (ref == null) {
        ref = created;
        register(key, namespace, name, created);
      }
    }
    ref.set(status);
  }

  private void register(
      String key, String namespace, String name, AtomicReference<ReleaseStatus> ref) {
    Tags tags = Tags.of("namespace", namespace, "name", name);
    List<Meter.Id> ids = new ArrayList<>();
    ids.add(
        Gauge.builder("sluice.canary.weight", ref, r -> r.get().weight())
            .description("Percent of the managed route's traffic given to the canary")
            .baseUnit("percent")
            .tags(tags)
            .register(registry)
            .getId());
    ids.add(
        Gauge.builder("sluice.canary.step", ref, r -> r.get().step() + 1)
            .description("Current step of the release (1-based; 0 outside a release)")
            .tags(tags)
            .register(registry)
            .getId());
    ids.add(
        Gauge.builder(
                "sluice.canary.ready",
                ref,
                r -> r.get().blocker() == null && !invalid.contains(key) ? 1 : 0)
            .description(
                "1 when Sluice can manage the Canary (condition Ready), 0 when something blocks it")
            .tags(tags)
            .register(registry)
            .getId());
    ids.add(
        Gauge.builder(
                "sluice.canary.release.started.timestamp",
                ref,
                r ->
                    r.get().releaseStartedAt() == null
                            || !r.get().phase().releasing() && r.get().phase() != Phase.Finalizing
                        ? Double.NaN
                        : r.get().releaseStartedAt().toEpochMilli() / 1000.0)
            .description("When the running release started (NaN when none runs)")
            .baseUnit("seconds")
            .tags(tags)
            .register(registry)
            .getId());
    for (Phase phase : Phase.values()) {
      ids.add(
          Gauge.builder("sluice.canary.phase", ref, r -> r.get().phase() == phase ? 1 : 0)
              .description("1 for the Canary's current phase, 0 for the others")
              .tags(tags.and("phase", phase.name()))
              .register(registry)
              .getId());
    }
    meters.put(key, ids);
  }

  /** Publishes one evaluation's measurements. */
  void measured(String namespace, String name, List<Measurement> measurements) {
    String key = namespace + "/" + name;
    Map<String, double[]> values = checkValues.computeIfAbsent(key, k -> new ConcurrentHashMap<>());
    for (Measurement m : measurements) {
      Tags tags =
          Tags.of(
              "namespace",
              namespace,
              "name",
              name,
              "check",
              m.check(),
              "dry_run",
              Boolean.toString(m.dryRun()));
      double[] holder =
          values.computeIfAbsent(
              m.dryRun() ? m.check() + " (dry-run)" : m.check(), // a gauge per label set
              c -> {
                double[] h = {Double.NaN};
                Meter.Id id =
                    Gauge.builder("sluice.check.value", h, a -> a[0])
                        .description("The check's last measured value (NaN when there was none)")
                        .tags(tags)
                        .register(registry)
                        .getId();
                meters.computeIfAbsent(key, k -> new ArrayList<>()).add(id);
                return h;
              });
      holder[0] = m.value().isPresent() ? m.value().getAsDouble() : Double.NaN;
      Counter.builder("sluice.check.evaluations")
          .description("Check evaluations by outcome")
          .tags(tags.and("outcome", m.outcome().name().toLowerCase(Locale.ROOT)))
          .register(registry)
          .increment();
    }
  }

  void rolledBack(String namespace, String name, RollbackCause cause) {
    Counter.builder("sluice.rollbacks")
        .description("Releases rolled back, by reason")
        .tags("namespace", namespace, "name", name, "reason", cause.name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
    Counter.builder("sluice.releases")
        .description("Releases finished, by result")
        .tags("result", "rolled_back")
        .register(registry)
        .increment();
  }

  /** A failed check's rollback was carried out {@code took} after the failing answer arrived. */
  void checkReaction(Duration took) {
    checkReaction.record(took);
  }

  /** A firing alert's rollback was carried out {@code took} after the webhook received it. */
  void alertReaction(Duration took) {
    alertReaction.record(took);
    Instant now = Instant.now();
    lastAlertReactionAt = now.getEpochSecond() + now.getNano() / 1e9;
  }

  void promoted(Duration took) {
    Counter.builder("sluice.releases")
        .description("Releases finished, by result")
        .tags("result", "promoted")
        .register(registry)
        .increment();
    Timer.builder("sluice.release.duration")
        .description("Time from a release's start to its promotion")
        .register(registry)
        .record(took);
  }

  /** A webhook call ended (after its retries), {@code took} after it was started. */
  void webhookCalled(String type, boolean passed, Duration took) {
    Counter.builder("sluice.webhook.calls")
        .description("Webhook calls by type and result (passed: 2xx; after the retries)")
        .tags("type", type, "result", passed ? "passed" : "failed")
        .register(registry)
        .increment();
    Timer.builder("sluice.webhook.call.duration")
        .description("Time from a webhook call's start to its answer, retries included")
        .tags("type", type)
        .register(registry)
        .record(took);
  }

  /** The Canary was deleted: its series go away. */
  void forget(String namespace, String name) {
    String key = namespace + "/" + name;
    states.remove(key);
    checkValues.remove(key);
    List<Meter.Id> ids = meters.remove(key);
    if (ids != null) {
      ids.forEach(registry::remove);
    }
  }
}
