package dev.sluice.analysis.compare;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How per-metric decisions become a 0-100 score and the score an outcome.
 *
 * @param weights each group's weight (non-negative); empty gives every group the same weight
 * @param pass the lowest score that passes, in (0, 100]
 * @param marginal the lowest score that does not fail, in [0, pass]: between the two the outcome is
 *     inconclusive
 */
public record Scoring(Map<String, Double> weights, double pass, double marginal) {

  /** Kayenta's customary thresholds. */
  public static final double DEFAULT_PASS = 95;

  /** Kayenta's customary thresholds. */
  public static final double DEFAULT_MARGINAL = 75;

  public Scoring {
    weights = weights == null ? Map.of() : new LinkedHashMap<>(weights);
    for (Map.Entry<String, Double> e : weights.entrySet()) {
      Double w = e.getValue();
      if (w == null || !(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException(
            "the weight of group \"" + e.getKey() + "\" must be a number >= 0, not " + w);
      }
    }
    weights = Map.copyOf(weights);
    if (!(pass > 0 && pass <= 100)) {
      throw new IllegalArgumentException("pass must be above 0 and at most 100, not " + pass);
    }
    if (!(marginal >= 0 && marginal <= pass)) {
      throw new IllegalArgumentException(
          "marginal must be between 0 and pass (" + pass + "), not " + marginal);
    }
  }

  /** Equal weights, Kayenta's customary thresholds (95 to pass, 75 not to fail). */
  public static Scoring defaults() {
    return new Scoring(Map.of(), DEFAULT_PASS, DEFAULT_MARGINAL);
  }

  /**
   * The weight of {@code group}.
   *
   * @throws IllegalArgumentException when weights are given and this group has none
   */
  public double weight(String group) {
    if (weights.isEmpty()) {
      return 1;
    }
    Double w = weights.get(group);
    if (w == null) {
      throw new IllegalArgumentException(
          "group \"" + group + "\" has no weight; weighted groups: " + weights.keySet());
    }
    return w;
  }
}
