package dev.sluice.controller;

import dev.sluice.analysis.GateVerdict;
import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import dev.sluice.rollout.Reason;
import dev.sluice.rollout.ReleaseSpec;
import dev.sluice.rollout.ReleaseStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * Writes a Canary's status: the state machine's {@link ReleaseStatus} with the last verdict's
 * measurements and the manual action applied, or a refusal (Ready=False). Every write is
 * conditional on the resourceVersion read; see {@link #put} for what a conflict does.
 */
final class StatusWriter {
  private final KubernetesClient client;
  private final Clock clock;
  private final OwnWrites ownWrites;
  private final BiConsumer<String, Instant> schedule;

  StatusWriter(
      KubernetesClient client,
      Clock clock,
      OwnWrites ownWrites,
      BiConsumer<String, Instant> schedule) {
    this.client = client;
    this.clock = clock;
    this.ownWrites = ownWrites;
    this.schedule = schedule;
  }

  /**
   * Writes {@code next} (and, when given, the verdict's measurements and Analysis condition).
   *
   * @return false when the Canary changed under us (a fresh reconcile is queued) or is gone
   */
  boolean write(Subject s, ReleaseStatus next, ReleaseSpec spec, GateVerdict verdict) {
    Canary updated = copyForStatus(s.canary());
    CanaryStatus st = updated.getStatus();
    StatusMapper.write(next, spec, st, s.generation(), clock.instant());
    if (s.applied() != null) {
      st.lastAction = s.applied();
    }
    if (verdict != null) {
      st.measurements = measurements(verdict.measurements());
      String outcome = verdict.outcome().name();
      StatusMapper.setCondition(
          st,
          StatusMapper.ANALYSIS,
          verdict.outcome() == Outcome.PASS,
          outcome.charAt(0) + outcome.substring(1).toLowerCase(Locale.ROOT),
          verdict.summary(),
          s.generation(),
          clock.instant());
    }
    return put(s, updated);
  }

  /** What became of a refusal's write. */
  enum Refusal {
    /** The status already said so, for this generation of the spec: nothing was written. */
    ALREADY_SAID,
    WRITTEN,
    /** The Canary changed meanwhile or is gone. */
    NOT_WRITTEN
  }

  /**
   * Records why Sluice does nothing for this Canary: Ready=False with {@code reason}, the release's
   * recorded progress kept as it was.
   */
  Refusal writeRefusal(Subject s, Reason reason, String problem) {
    CanaryStatus current = s.canary().getStatus();
    var ready = current == null ? null : StatusMapper.find(current.conditions, StatusMapper.READY);
    if (ready != null
        && reason == StatusMapper.reason(ready)
        && problem.equals(ready.getMessage())
        && current.observedGeneration != null
        && current.observedGeneration == s.generation()) {
      return Refusal.ALREADY_SAID;
    }
    Canary updated = copyForStatus(s.canary());
    CanaryStatus st = updated.getStatus();
    if (current != null) {
      copyProgress(current, st);
    }
    st.observedGeneration = s.generation();
    st.message = (reason == Reason.InvalidSpec ? "invalid spec: " : "conflict: ") + problem;
    StatusMapper.setCondition(
        st, StatusMapper.READY, false, reason, problem, s.generation(), clock.instant());
    return put(s, updated) ? Refusal.WRITTEN : Refusal.NOT_WRITTEN;
  }

  /**
   * Writes the status of {@code updated}, conditional on its resourceVersion. When someone changed
   * the Canary since it was read (a spec edit, an annotation) but its status is still the one the
   * decision was made from, the decision stands and is written on the fresh copy; otherwise the
   * write is given up and a fresh reconcile queued.
   */
  private boolean put(Subject s, Canary updated) {
    for (int attempt = 0; ; attempt++) {
      try {
        String replaced = updated.getMetadata().getResourceVersion();
        s.replaced(
            client
                .resources(Canary.class)
                .inNamespace(s.namespace)
                .resource(updated)
                .updateStatus());
        ownWrites.replaced(s.key, replaced);
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return false;
        }
        if (e.getCode() != 409 || attempt >= Tunables.STATUS_WRITE_CONFLICTS) {
          throw e;
        }
        Canary fresh =
            client.resources(Canary.class).inNamespace(s.namespace).withName(s.name).get();
        if (fresh == null) {
          return false;
        }
        if (!StatusMapper.read(fresh.getStatus())
            .equals(StatusMapper.read(s.canary().getStatus()))) {
          schedule.accept(s.key, clock.instant());
          return false;
        }
        s.replaced(fresh);
        updated.getMetadata().setResourceVersion(fresh.getMetadata().getResourceVersion());
      }
    }
  }

  private static Canary copyForStatus(Canary canary) {
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
      s.dryRun = m.dryRun() ? Boolean.TRUE : null;
      s.compared = m.compared().isEmpty() ? null : StatusMapper.compared(m.compared());
      out.add(s);
    }
    return out;
  }

  /** Keeps a release's recorded progress when only a condition is added. */
  private static void copyProgress(CanaryStatus from, CanaryStatus to) {
    to.phase = from.phase;
    to.stableVersion = from.stableVersion;
    to.canaryVersion = from.canaryVersion;
    to.weight = from.weight;
    to.step = from.step;
    to.stepCount = from.stepCount;
    to.stage = from.stage;
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
