package dev.sluice.analysis.compare;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The judged comparison of one metric, canary against stable: the numbers behind the decision and
 * the decision itself. A number the judge did not get to (too few points, an empty side) is empty.
 *
 * @param decision pass, fail or inconclusive
 * @param reason why, in words a person can act on
 * @param canaryPoints the canary's points judged (after NaN and outlier handling)
 * @param stablePoints the stable version's points judged
 * @param canaryMedian the median of the canary's points
 * @param stableMedian the median of the stable version's points
 * @param u the Mann-Whitney U statistic of the canary's sample (its rank sum less {@code n(n+1)/2};
 *     above {@code canaryPoints * stablePoints / 2} when the canary's values tend to be higher)
 * @param pValue the two-sided p-value of the Mann-Whitney U test (normal approximation)
 * @param effect the effect size, the canary's median divided by stable's (1 when both are 0, {@code
 *     +Inf} when only stable's is 0; empty when a median is negative or undefined)
 */
public record Comparison(
    Decision decision,
    String reason,
    int canaryPoints,
    int stablePoints,
    OptionalDouble canaryMedian,
    OptionalDouble stableMedian,
    OptionalDouble u,
    OptionalDouble pValue,
    OptionalDouble effect) {

  public Comparison {
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(canaryMedian, "canaryMedian");
    Objects.requireNonNull(stableMedian, "stableMedian");
    Objects.requireNonNull(u, "u");
    Objects.requireNonNull(pValue, "pValue");
    Objects.requireNonNull(effect, "effect");
  }
}
