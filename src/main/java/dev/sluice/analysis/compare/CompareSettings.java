package dev.sluice.analysis.compare;

import java.util.Objects;

/**
 * How one metric's canary and stable samples are compared.
 *
 * @param confidence the confidence level of the Mann-Whitney U test, in (0, 1): a difference is
 *     significant when the two-sided p-value is below {@code 1 - confidence}
 * @param minEffect the smallest ratio of medians that counts as a difference, at least 1: with
 *     {@code 1.1}, a canary median 10% above stable's (or, for {@link Direction#DECREASE}, below
 *     stable's divided by 1.1) fails when significant; a smaller one passes
 * @param direction which way a difference is bad
 * @param nanStrategy what becomes of NaN points
 * @param removeOutliers whether points outside each sample's Tukey fences (more than 1.5 times the
 *     interquartile range below the first quartile or above the third) are dropped before judging
 * @param minPoints the fewest points each side needs after NaN and outlier handling, at least 1;
 *     fewer is {@link Decision#INCONCLUSIVE}
 */
public record CompareSettings(
    double confidence,
    double minEffect,
    Direction direction,
    NanStrategy nanStrategy,
    boolean removeOutliers,
    int minPoints) {

  /** Tukey's fence factor used by {@link #removeOutliers()}. */
  public static final double IQR_FENCE = 1.5;

  public CompareSettings {
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException(
          "confidence must be between 0 and 1 (exclusive), not " + confidence);
    }
    if (!(minEffect >= 1) || Double.isInfinite(minEffect)) {
      throw new IllegalArgumentException(
          "minEffect is a ratio of medians, at least 1 (1 = any difference), not " + minEffect);
    }
    Objects.requireNonNull(direction, "direction");
    Objects.requireNonNull(nanStrategy, "nanStrategy");
    if (minPoints < 1) {
      throw new IllegalArgumentException("minPoints must be at least 1, not " + minPoints);
    }
  }

  /** The significance level: a p-value below it is a significant difference. */
  public double alpha() {
    return 1 - confidence;
  }
}
