package dev.sluice.analysis.compare;

import java.util.List;
import java.util.Objects;

/**
 * A template's compared metrics with their scoring: what one scored check runs and judges.
 *
 * @param scoring weights and thresholds
 * @param metrics the compared metrics, at least one
 */
public record CompareSpec(Scoring scoring, List<ComparedMetric> metrics) {
  public CompareSpec {
    Objects.requireNonNull(scoring, "scoring");
    metrics = List.copyOf(metrics);
    if (metrics.isEmpty()) {
      throw new IllegalArgumentException("a compare spec needs at least one metric");
    }
  }
}
