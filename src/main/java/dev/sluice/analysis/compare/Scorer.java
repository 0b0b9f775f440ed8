package dev.sluice.analysis.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Turns per-metric decisions into a 0-100 score and an outcome, as Kayenta's weighted-sum scorer
 * does, with one difference: an inconclusive metric can never help a pass.
 *
 * <ul>
 *   <li>A group's score is the share of its judged metrics (pass or fail) that passed, times 100;
 *       the {@link Scorecard#score()} is the groups' weighted mean over the groups with a judged
 *       metric.
 *   <li>The same mean with every inconclusive metric counted as a failure is {@link
 *       Scorecard#lowest()}, counted as a pass {@link Scorecard#highest()}.
 *   <li>A {@link ScoredMetric#critical()} metric that failed fails the evaluation. Otherwise: no
 *       judged metric at all is inconclusive; {@code lowest >= pass} passes; {@code highest <
 *       marginal} fails; anything else is inconclusive (a marginal score, or inconclusive metrics
 *       that could put it on either side).
 * </ul>
 *
 * Without inconclusive metrics the three scores are one, and the rule is the plain one: at least
 * {@code pass} passes, below {@code marginal} fails, in between is inconclusive.
 */
public final class Scorer {
  private Scorer() {}

  /**
   * Scores one evaluation.
   *
   * @param metrics the compared metrics, at least one
   * @param scoring weights and thresholds
   * @throws IllegalArgumentException when there is no metric, or a group has no weight while others
   *     do
   */
  public static Scorecard score(List<ScoredMetric> metrics, Scoring scoring) {
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(scoring, "scoring");
    if (metrics.isEmpty()) {
      throw new IllegalArgumentException("nothing to score: no compared metric");
    }
    Map<String, int[]> groups = new LinkedHashMap<>(); // pass, fail, inconclusive
    for (ScoredMetric m : metrics) {
      int[] counts = groups.computeIfAbsent(m.group(), g -> new int[3]);
      counts[
          m.comparison().decision() == Decision.PASS
              ? 0
              : m.comparison().decision() == Decision.FAIL ? 1 : 2]++;
    }
    double judgedWeight = 0;
    double judgedSum = 0;
    double allWeight = 0;
    double lowSum = 0;
    double highSum = 0;
    for (Map.Entry<String, int[]> e : groups.entrySet()) {
      double w = scoring.weight(e.getKey());
      int[] c = e.getValue();
      int all = c[0] + c[1] + c[2];
      allWeight += w;
      lowSum += w * 100.0 * c[0] / all;
      highSum += w * 100.0 * (c[0] + c[2]) / all;
      if (c[0] + c[1] > 0) {
        judgedWeight += w;
        judgedSum += w * 100.0 * c[0] / (c[0] + c[1]);
      }
    }
    if (allWeight == 0) {
      throw new IllegalArgumentException("every group scored has weight 0: " + groups.keySet());
    }
    OptionalDouble score =
        judgedWeight == 0 ? OptionalDouble.empty() : OptionalDouble.of(judgedSum / judgedWeight);
    double lowest = lowSum / allWeight;
    double highest = highSum / allWeight;

    List<String> criticalFailures = new ArrayList<>();
    int inconclusive = 0;
    for (ScoredMetric m : metrics) {
      if (m.critical() && m.comparison().decision() == Decision.FAIL) {
        criticalFailures.add(m.name());
      }
      if (m.comparison().decision() == Decision.INCONCLUSIVE) {
        inconclusive++;
      }
    }
    String shown =
        score.isPresent()
            ? "score " + Numbers.show(score.getAsDouble())
            : "no score (no metric judged)";
    if (inconclusive > 0 && score.isPresent()) {
      shown +=
          " ("
              + inconclusive
              + " inconclusive: "
              + Numbers.show(lowest)
              + " to "
              + Numbers.show(highest)
              + ")";
    }
    String thresholds =
        "pass " + Numbers.show(scoring.pass()) + ", marginal " + Numbers.show(scoring.marginal());
    Decision decision;
    String why;
    if (!criticalFailures.isEmpty()) {
      decision = Decision.FAIL;
      why = "critical metric failed: " + String.join(", ", criticalFailures);
    } else if (score.isEmpty()) {
      decision = Decision.INCONCLUSIVE;
      why = "every metric is inconclusive";
    } else if (lowest >= scoring.pass()) {
      decision = Decision.PASS;
      why = "at least " + Numbers.show(scoring.pass());
    } else if (highest < scoring.marginal()) {
      decision = Decision.FAIL;
      why = "below marginal " + Numbers.show(scoring.marginal());
    } else if (inconclusive == 0) {
      decision = Decision.INCONCLUSIVE;
      why = "marginal: below pass " + Numbers.show(scoring.pass()) + ", not below marginal";
    } else {
      decision = Decision.INCONCLUSIVE;
      why = "the inconclusive metrics could put it on either side of " + thresholds;
    }
    return new Scorecard(
        decision,
        score,
        lowest,
        highest,
        decision.text() + ": " + shown + ", " + why + " (" + thresholds + ")",
        metrics);
  }
}
