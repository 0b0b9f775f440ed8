package dev.sluice.analysis.compare;

import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalDouble;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

/**
 * Compares a canary's sample of a metric with the stable version's, taken over the same window at
 * the same resolution, the way Kayenta's judge does: a Mann-Whitney U test says whether the two
 * differ, the ratio of their medians says by how much, and the metric's {@link Direction} says
 * whether that way is bad. Pure: arrays in, a {@link Comparison} out.
 *
 * <p>Rules, in order:
 *
 * <ol>
 *   <li>NaN points are removed or made 0 ({@link NanStrategy}); then, if asked, each side's
 *       outliers are removed (Tukey's fences, {@link CompareSettings#IQR_FENCE} times the
 *       interquartile range beyond the quartiles);
 *   <li>a side with fewer than {@code minPoints} points left is {@link Decision#INCONCLUSIVE},
 *       never a pass;
 *   <li>a two-sided p-value at or above {@code 1 - confidence} is {@link Decision#PASS}: no
 *       significant difference;
 *   <li>a significant difference the good way (the canary higher under {@link Direction#DECREASE},
 *       lower under {@link Direction#INCREASE}) is a pass; which way is the U statistic's side of
 *       its mean {@code n1 n2 / 2};
 *   <li>a significant difference the bad way is {@link Decision#FAIL} when the ratio of medians
 *       reaches {@code minEffect} that way (canary/stable at least {@code minEffect} when higher is
 *       bad, at most {@code 1/minEffect} when lower is bad), a pass when it does not (too small to
 *       matter), and inconclusive when the ratio is undefined (a negative median, or infinite
 *       ones).
 * </ol>
 *
 * <p>The U statistic comes from Commons Math's ranking (ties get their average rank) and the
 * p-value from its {@link MannWhitneyUTest}: the normal approximation, with neither a continuity
 * correction nor a correction of the variance for ties. With many tied points (a metric that is 0
 * most of the time) the p-value is therefore somewhat larger than a tie-corrected one: the judge
 * errs towards "no significant difference".
 */
public final class MannWhitneyJudge {
  private MannWhitneyJudge() {}

  /**
   * Judges one metric.
   *
   * @param canary the canary's points (a range query's values), NaN allowed
   * @param stable the stable version's points over the same window
   * @param settings how to compare them
   */
  public static Comparison compare(double[] canary, double[] stable, CompareSettings settings) {
    Objects.requireNonNull(canary, "canary");
    Objects.requireNonNull(stable, "stable");
    Objects.requireNonNull(settings, "settings");
    double[] c = clean(canary, settings);
    double[] s = clean(stable, settings);
    OptionalDouble medC = c.length == 0 ? OptionalDouble.empty() : OptionalDouble.of(median(c));
    OptionalDouble medS = s.length == 0 ? OptionalDouble.empty() : OptionalDouble.of(median(s));
    if (c.length < settings.minPoints() || s.length < settings.minPoints()) {
      return new Comparison(
          Decision.INCONCLUSIVE,
          "too few points to judge: canary "
              + c.length
              + ", stable "
              + s.length
              + ", at least "
              + settings.minPoints()
              + " each needed"
              + dropped(canary.length - c.length, stable.length - s.length),
          c.length,
          s.length,
          medC,
          medS,
          OptionalDouble.empty(),
          OptionalDouble.empty(),
          OptionalDouble.empty());
    }
    double mc = medC.getAsDouble();
    double ms = medS.getAsDouble();
    double u = uOfFirst(c, s);
    double p = new MannWhitneyUTest().mannWhitneyUTest(c, s);
    double effect = effect(mc, ms);
    double mean = (double) c.length * s.length / 2;
    String numbers =
        "canary median "
            + Numbers.show(mc)
            + " vs stable "
            + Numbers.show(ms)
            + (Double.isNaN(effect) ? "" : " (x" + Numbers.show(effect) + ")")
            + ", p="
            + Numbers.show(p)
            + ", "
            + c.length
            + "+"
            + s.length
            + " points";
    Decision decision;
    String why;
    if (Double.isNaN(p)) {
      decision = Decision.INCONCLUSIVE;
      why = "the test gave no p-value";
    } else if (p >= settings.alpha()) {
      decision = Decision.PASS;
      why = "no significant difference (p >= " + Numbers.show(settings.alpha()) + ")";
    } else if (u == mean) {
      // p < alpha with U at its mean cannot happen; kept so every path says something true
      decision = Decision.PASS;
      why = "no difference in either direction";
    } else {
      boolean higher = u > mean;
      String way = higher ? "higher" : "lower";
      boolean bad = higher ? settings.direction().higherIsBad() : settings.direction().lowerIsBad();
      if (!bad) {
        decision = Decision.PASS;
        why = "significantly " + way + ", which is not bad for direction " + dir(settings);
      } else if (Double.isNaN(effect)) {
        decision = Decision.INCONCLUSIVE;
        why =
            "significantly "
                + way
                + " but the effect size is undefined (a negative or infinite median)";
      } else {
        double bound = higher ? settings.minEffect() : 1 / settings.minEffect();
        boolean material = higher ? effect >= bound : effect <= bound;
        if (material) {
          decision = Decision.FAIL;
          why =
              "significantly "
                  + way
                  + " (p < "
                  + Numbers.show(settings.alpha())
                  + "), effect x"
                  + Numbers.show(effect)
                  + (higher ? " >= " : " <= ")
                  + "x"
                  + Numbers.show(bound);
        } else {
          decision = Decision.PASS;
          why =
              "significantly "
                  + way
                  + " but by less than the minimum effect x"
                  + Numbers.show(bound);
        }
      }
    }
    return new Comparison(
        decision,
        numbers + ": " + why,
        c.length,
        s.length,
        medC,
        medS,
        OptionalDouble.of(u),
        Numbers.optional(p),
        Numbers.optional(effect));
  }

  private static String dir(CompareSettings settings) {
    return settings.direction().text();
  }

  private static String dropped(int fromCanary, int fromStable) {
    if (fromCanary == 0 && fromStable == 0) {
      return "";
    }
    return " (" + fromCanary + " canary and " + fromStable + " stable points dropped)";
  }

  /** NaN handling, then outlier removal, as the settings say. */
  static double[] clean(double[] points, CompareSettings settings) {
    double[] v =
        settings.nanStrategy() == NanStrategy.ZERO
            ? Arrays.stream(points).map(d -> Double.isNaN(d) ? 0 : d).toArray()
            : Arrays.stream(points).filter(d -> !Double.isNaN(d)).toArray();
    if (!settings.removeOutliers() || v.length < 4) {
      return v;
    }
    Percentile quartiles = new Percentile();
    quartiles.setData(v);
    double q1 = quartiles.evaluate(25);
    double q3 = quartiles.evaluate(75);
    double iqr = q3 - q1;
    if (!Double.isFinite(iqr)) {
      return v;
    }
    double low = q1 - CompareSettings.IQR_FENCE * iqr;
    double high = q3 + CompareSettings.IQR_FENCE * iqr;
    return Arrays.stream(v).filter(d -> d >= low && d <= high).toArray();
  }

  static double median(double[] v) {
    return new Percentile().evaluate(v, 50);
  }

  /**
   * U of the first sample: its rank sum in the pooled sample (ties averaged, by Commons Math's
   * {@link NaturalRanking}) less {@code n1 (n1 + 1) / 2}. Commons Math's own {@code mannWhitneyU}
   * answers the larger of the two sides' U, which does not say which side is higher.
   */
  static double uOfFirst(double[] x, double[] y) {
    double[] pooled = new double[x.length + y.length];
    System.arraycopy(x, 0, pooled, 0, x.length);
    System.arraycopy(y, 0, pooled, x.length, y.length);
    double[] ranks = new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE).rank(pooled);
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += ranks[i];
    }
    return sum - (double) x.length * (x.length + 1) / 2;
  }

  /** canary/stable medians; see {@link Comparison#effect()}. */
  static double effect(double canary, double stable) {
    if (canary < 0 || stable < 0 || Double.isNaN(canary) || Double.isNaN(stable)) {
      return Double.NaN;
    }
    if (stable == 0) {
      return canary == 0 ? 1 : Double.POSITIVE_INFINITY;
    }
    return canary / stable; // NaN for +Inf/+Inf
  }
}
