package dev.sluice.analysis.compare;

import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The outcome of one evaluation of a set of compared metrics.
 *
 * @param decision pass, fail or inconclusive
 * @param score the weighted share of passing metrics among those judged, 0-100; empty when none was
 *     judged (every one inconclusive)
 * @param lowest the score if every inconclusive metric had failed
 * @param highest the score if every inconclusive metric had passed
 * @param reason why this decision, for people
 * @param metrics the metrics, as given
 */
public record Scorecard(
    Decision decision,
    OptionalDouble score,
    double lowest,
    double highest,
    String reason,
    List<ScoredMetric> metrics) {
  public Scorecard {
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(score, "score");
    Objects.requireNonNull(reason, "reason");
    metrics = List.copyOf(metrics);
  }
}
