package dev.sluice.controller;

import dev.sluice.analysis.compare.Comparison;
import dev.sluice.analysis.compare.ScoredMetric;
import dev.sluice.model.CanaryStatus;
import dev.sluice.rollout.Candidate;
import dev.sluice.rollout.Hook;
import dev.sluice.rollout.HookRecord;
import dev.sluice.rollout.Phase;
import dev.sluice.rollout.Reason;
import dev.sluice.rollout.ReleaseSpec;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.Retiring;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Converts between the Canary's stored status and the state machine's {@link ReleaseStatus}. */
final class StatusMapper {
  static final String READY = "Ready";
  static final String PROGRESSING = "Progressing";
  static final String ANALYSIS = "Analysis";
  static final String RETIREMENT = "Retirement";

  private StatusMapper() {}

  static ReleaseStatus read(CanaryStatus s) {
    if (s == null || s.phase == null) {
      return ReleaseStatus.initial();
    }
    Phase phase;
    try {
      phase = Phase.valueOf(s.phase);
    } catch (IllegalArgumentException e) {
      phase = Phase.Idle;
    }
    ReleaseStatus.Blocker blocker = null;
    Condition ready = find(s.conditions, READY);
    Reason readyReason = reason(ready);
    if (ready != null
        && "False".equals(ready.getStatus())
        && readyReason != null
        && readyReason != Reason.InvalidSpec
        && readyReason != Reason.Conflict) {
      blocker = new ReleaseStatus.Blocker(readyReason, ready.getMessage());
    }
    return new ReleaseStatus(
        phase,
        s.stableVersion,
        s.canaryVersion,
        s.step == null ? -1 : s.step,
        s.weight == null ? 0 : s.weight,
        Timestamps.parse(s.releaseStartedAt),
        Timestamps.parse(s.stepStartedAt),
        Timestamps.parse(s.lastEvaluationAt),
        Timestamps.parse(s.retiringSince),
        Timestamps.parse(s.finishedAt),
        zero(s.failures),
        zero(s.inconclusiveStreak),
        zero(s.errorStreak),
        s.rollbackReason,
        blocker,
        candidates(s.candidates),
        retiring(s.retiring),
        hooks(s.webhooks));
  }

  /** A condition's reason as Sluice gives them, or null (none, or not one of Sluice's). */
  static Reason reason(Condition c) {
    if (c == null || c.getReason() == null) {
      return null;
    }
    try {
      return Reason.valueOf(c.getReason());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static List<Candidate> candidates(List<CanaryStatus.CandidateStatus> stored) {
    List<Candidate> out = new ArrayList<>();
    if (stored != null) {
      for (CanaryStatus.CandidateStatus c : stored) {
        out.add(new Candidate(c.deployment, c.version, Boolean.TRUE.equals(c.candidate), c.reason));
      }
    }
    return out;
  }

  private static List<HookRecord> hooks(List<CanaryStatus.WebhookStatus> stored) {
    List<HookRecord> out = new ArrayList<>();
    if (stored != null) {
      for (CanaryStatus.WebhookStatus w : stored) {
        Hook.Type type = Hook.Type.fromSpec(w.type);
        Instant at = Timestamps.parse(w.at);
        if (w.name == null || type == null || at == null) {
          continue; // not Sluice's: the webhook is simply called again
        }
        out.add(
            new HookRecord(
                w.name,
                type,
                w.step == null ? -1 : w.step - 1,
                "Passed".equals(w.result),
                at,
                w.message,
                w.calls == null ? 1 : w.calls));
      }
    }
    return out;
  }

  private static List<Retiring> retiring(List<CanaryStatus.RetiringStatus> stored) {
    List<Retiring> out = new ArrayList<>();
    if (stored != null) {
      for (CanaryStatus.RetiringStatus r : stored) {
        if (r.version == null) {
          continue;
        }
        Retiring.Scope scope =
            "Subset".equals(r.scope)
                ? Retiring.Scope.SUBSET
                : Retiring.Scope.SUBSET_AND_DEPLOYMENTS;
        out.add(new Retiring(r.version, scope, Timestamps.parse(r.freeSince), r.heldBy));
      }
    }
    return out;
  }

  /**
   * Writes {@code r} into {@code s} (a copy of the stored status), keeping conditions' transition
   * times when their status did not change.
   */
  static void write(
      ReleaseStatus r, ReleaseSpec spec, CanaryStatus s, long generation, Instant now) {
    s.phase = r.phase().name();
    s.stableVersion = r.stableVersion();
    s.canaryVersion = r.canaryVersion();
    s.step = r.step();
    s.stepCount = spec.steps().size();
    s.stage = r.step() < 0 || !r.phase().releasing() ? null : spec.stageName(r.step());
    s.weight = r.weight();
    s.releaseStartedAt = text(r.releaseStartedAt());
    s.stepStartedAt = text(r.stepStartedAt());
    s.lastEvaluationAt = text(r.lastEvaluationAt());
    s.retiringSince = text(r.retiringSince());
    s.finishedAt = text(r.finishedAt());
    s.failures = r.failures();
    s.inconclusiveStreak = r.inconclusiveStreak();
    s.errorStreak = r.errorStreak();
    s.rollbackReason = r.rollbackReason();
    s.candidates = new ArrayList<>();
    for (Candidate c : r.candidates()) {
      CanaryStatus.CandidateStatus cs = new CanaryStatus.CandidateStatus();
      cs.deployment = c.deployment();
      cs.version = c.version();
      cs.candidate = c.candidate();
      cs.reason = truncate(c.reason(), 1024);
      s.candidates.add(cs);
    }
    s.retiring = new ArrayList<>();
    for (Retiring rt : r.retiring()) {
      CanaryStatus.RetiringStatus rs = new CanaryStatus.RetiringStatus();
      rs.version = rt.version();
      rs.scope = rt.scope() == Retiring.Scope.SUBSET ? "Subset" : "SubsetAndDeployments";
      rs.heldBy = truncate(rt.heldBy(), 1024);
      rs.freeSince = text(rt.freeSince());
      s.retiring.add(rs);
    }
    s.webhooks = new ArrayList<>();
    for (HookRecord h : r.hooks()) {
      CanaryStatus.WebhookStatus w = new CanaryStatus.WebhookStatus();
      w.name = h.name();
      w.type = h.type().specName();
      w.step = h.step() < 0 ? null : h.step() + 1;
      w.result = h.passed() ? "Passed" : "Failed";
      w.message = h.message();
      w.at = text(h.at());
      w.calls = h.calls();
      s.webhooks.add(w);
    }
    s.observedGeneration = generation;
    s.message = message(r);
    if (r.blocker() != null) {
      setCondition(s, READY, false, r.blocker().reason(), r.blocker().message(), generation, now);
    } else {
      setCondition(s, READY, true, Reason.Managed, "Sluice manages this Canary", generation, now);
    }
    boolean running =
        r.phase().releasing() || r.phase() == Phase.Finalizing || r.phase() == Phase.RollingBack;
    setCondition(s, PROGRESSING, running, r.phase().name(), s.message, generation, now);
    List<String> held =
        r.retiring().stream()
            .filter(Retiring::held)
            .map(rt -> rt.version() + ": " + rt.heldBy())
            .toList();
    if (!held.isEmpty()) {
      setCondition(
          s, RETIREMENT, false, Reason.RetirementBlocked, String.join("; ", held), generation, now);
    } else if (!r.retiring().isEmpty()) {
      setCondition(
          s,
          RETIREMENT,
          false,
          Reason.RetirementPending,
          "retiring "
              + String.join(", ", r.retiring().stream().map(Retiring::version).toList())
              + " after the retirement delay",
          generation,
          now);
    } else {
      setCondition(
          s,
          RETIREMENT,
          true,
          Reason.NothingToRetire,
          "no old version waits for retirement",
          generation,
          now);
    }
  }

  static String message(ReleaseStatus r) {
    return switch (r.phase()) {
      case Idle ->
          r.stableVersion() == null
              ? "waiting for the route"
              : "stable " + r.stableVersion() + "; no release";
      case Initializing -> "preparing " + r.canaryVersion();
      case Progressing, Paused ->
          r.phase().name().toLowerCase()
              + ": "
              + r.canaryVersion()
              + " at "
              + r.weight()
              + "% (step "
              + (r.step() + 1)
              + ")";
      case Finalizing -> "promoting " + r.canaryVersion() + ", retiring " + r.stableVersion();
      case Succeeded -> r.stableVersion() + " promoted";
      case RollingBack, Failed -> "rolling back " + r.canaryVersion() + ": " + r.rollbackReason();
      case RolledBack -> r.canaryVersion() + " rolled back: " + r.rollbackReason();
    };
  }

  static void setCondition(
      CanaryStatus s,
      String type,
      boolean status,
      Reason reason,
      String message,
      long generation,
      Instant now) {
    setCondition(s, type, status, reason.name(), message, generation, now);
  }

  /** As above, with a reason that is not one of {@link Reason} (a phase, a check outcome). */
  static void setCondition(
      CanaryStatus s,
      String type,
      boolean status,
      String reason,
      String message,
      long generation,
      Instant now) {
    if (s.conditions == null) {
      s.conditions = new ArrayList<>();
    }
    String value = status ? "True" : "False";
    Condition old = find(s.conditions, type);
    String since =
        old != null && value.equals(old.getStatus()) ? old.getLastTransitionTime() : text(now);
    Condition c =
        new ConditionBuilder()
            .withType(type)
            .withStatus(value)
            .withReason(reason)
            .withMessage(truncate(message, 1024))
            .withObservedGeneration(generation)
            .withLastTransitionTime(since)
            .build();
    List<Condition> kept = new ArrayList<>();
    boolean placed = false;
    for (Condition existing : s.conditions) {
      if (Objects.equals(existing.getType(), type)) {
        kept.add(c);
        placed = true;
      } else {
        kept.add(existing);
      }
    }
    if (!placed) {
      kept.add(c);
    }
    s.conditions = kept;
  }

  static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  static String truncate(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    return s.substring(0, max - 1) + "…";
  }

  static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  private static int zero(Integer i) {
    return i == null ? 0 : i;
  }

  /** A scored check's compared metrics, for {@code status.measurements[].compared}. */
  static List<CanaryStatus.ComparedMetricStatus> compared(List<ScoredMetric> metrics) {
    List<CanaryStatus.ComparedMetricStatus> out = new ArrayList<>(metrics.size());
    for (ScoredMetric m : metrics) {
      Comparison c = m.comparison();
      CanaryStatus.ComparedMetricStatus s = new CanaryStatus.ComparedMetricStatus();
      s.metric = m.name();
      s.group = m.group();
      s.critical = m.critical() ? Boolean.TRUE : null;
      s.decision = c.decision().text();
      s.canaryMedian = number(c.canaryMedian());
      s.stableMedian = number(c.stableMedian());
      s.pValue = number(c.pValue());
      s.effect = number(c.effect());
      s.u = number(c.u());
      s.canaryPoints = c.canaryPoints();
      s.stablePoints = c.stablePoints();
      s.reason = truncate(c.reason(), 512);
      out.add(s);
    }
    return out;
  }

  private static String number(java.util.OptionalDouble d) {
    return d.isPresent() ? Double.toString(d.getAsDouble()) : null;
  }
}
