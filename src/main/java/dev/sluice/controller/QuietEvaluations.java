package dev.sluice.controller;

import dev.sluice.rollout.ReleaseStatus;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The time of passing evaluations that were not written to the status (they changed nothing but the
 * time), per Canary. The state machine schedules the next evaluation from {@code lastEvaluationAt},
 * so the reconciler lays the remembered time over the stored status.
 */
final class QuietEvaluations {
  private record Last(Instant stepStartedAt, Instant evaluatedAt) {}

  private final Map<String, Last> byKey = new ConcurrentHashMap<>();

  void remember(String key, ReleaseStatus status) {
    byKey.put(key, new Last(status.stepStartedAt(), status.lastEvaluationAt()));
  }

  /** {@code stored} with the remembered evaluation time, when it is later and of the same step. */
  ReleaseStatus overlay(String key, ReleaseStatus stored) {
    Last last = byKey.get(key);
    if (last == null
        || last.evaluatedAt() == null
        || stored.stepStartedAt() == null
        || !stored.stepStartedAt().equals(last.stepStartedAt())) {
      return stored;
    }
    if (stored.lastEvaluationAt() != null
        && !last.evaluatedAt().isAfter(stored.lastEvaluationAt())) {
      return stored;
    }
    ReleaseStatus.Builder b = stored.toBuilder();
    b.lastEvaluationAt = last.evaluatedAt();
    return b.build();
  }

  void forget(String key) {
    byKey.remove(key);
  }
}
