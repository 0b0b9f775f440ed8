package dev.sluice.analysis;

import dev.sluice.analysis.QueryResult.Failure;
import dev.sluice.analysis.QueryResult.Matrix;
import dev.sluice.analysis.QueryResult.Series;
import dev.sluice.analysis.compare.ComparedMetric;
import dev.sluice.analysis.compare.Comparison;
import dev.sluice.analysis.compare.Decision;
import dev.sluice.analysis.compare.MannWhitneyJudge;
import dev.sluice.analysis.compare.Scorecard;
import dev.sluice.analysis.compare.ScoredMetric;
import dev.sluice.analysis.compare.Scorer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Turns the answers to a scored check's range queries into a {@link Measurement}: each compared
 * metric judged by {@link MannWhitneyJudge}, the results scored by {@link Scorer}, the outcome the
 * scorecard's. Pure, like {@link Judge}.
 *
 * <ul>
 *   <li>a {@link Failure} for any query is {@link Outcome#ERROR} (the evaluation could not be
 *       judged), with the provider's reason;
 *   <li>a side with no series has no points (inconclusive, too few points); one with several series
 *       is inconclusive too (the query must aggregate them into one);
 *   <li>otherwise the scorecard's decision is the outcome, its score the value, and every compared
 *       metric's numbers are in {@link Measurement#compared()}.
 * </ul>
 */
public final class ScoreJudge {
  private ScoreJudge() {}

  /** The answers to one compared metric's range query, the canary's part and the stable one's. */
  public record Answers(QueryResult canary, QueryResult stable) {
    public Answers {
      Objects.requireNonNull(canary, "canary");
      Objects.requireNonNull(stable, "stable");
    }

    /**
     * The two parts of the answer to a metric's combined query ({@link ComparedMetric#promql()}),
     * split by {@link ComparedMetric#PART_LABEL} (which is dropped). A failure is both parts'; a
     * series without the label (an answer to some other query: a wiring bug) fails both.
     */
    public static Answers split(QueryResult combined) {
      if (!(combined instanceof Matrix matrix)) {
        return new Answers(combined, combined);
      }
      List<Series> canary = new ArrayList<>();
      List<Series> stable = new ArrayList<>();
      for (Series s : matrix.series()) {
        String part = s.labels().get(ComparedMetric.PART_LABEL);
        java.util.Map<String, String> labels = new java.util.HashMap<>(s.labels());
        labels.remove(ComparedMetric.PART_LABEL);
        if (ComparedMetric.PART_CANARY.equals(part)) {
          canary.add(new Series(labels, s.values()));
        } else if (ComparedMetric.PART_STABLE.equals(part)) {
          stable.add(new Series(labels, s.values()));
        } else {
          Failure f =
              new Failure(
                  "series "
                      + s.labels()
                      + " has no "
                      + ComparedMetric.PART_LABEL
                      + " label; the answer is not to the metric's combined query");
          return new Answers(f, f);
        }
      }
      return new Answers(new Matrix(canary), new Matrix(stable));
    }
  }

  /**
   * Judges one scored check.
   *
   * @param check a check with {@link Check#compare()}
   * @param answers one per compared metric, in the same order
   * @param now when the queries were run
   */
  public static Measurement judge(Check check, List<Answers> answers, Instant now) {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(answers, "answers");
    Objects.requireNonNull(now, "now");
    if (!check.isCompared()) {
      throw new IllegalArgumentException(check.id() + " is not a scored check");
    }
    List<ComparedMetric> metrics = check.compare().metrics();
    if (answers.size() != metrics.size()) {
      throw new IllegalArgumentException(
          check.id() + ": " + answers.size() + " answers for " + metrics.size() + " metrics");
    }
    Measurement m = measure(check, metrics, answers, now);
    return check.dryRun() ? m.asDryRun() : m;
  }

  private static Measurement measure(
      Check check, List<ComparedMetric> metrics, List<Answers> answers, Instant now) {
    String id = check.id();
    for (int i = 0; i < metrics.size(); i++) {
      String error = error(answers.get(i).canary(), metrics.get(i).name(), "canary");
      if (error == null && answers.get(i).stable() != answers.get(i).canary()) {
        error = error(answers.get(i).stable(), metrics.get(i).name(), "stable");
      }
      if (error != null) {
        return new Measurement(
            id, Outcome.ERROR, OptionalDouble.empty(), check.promql(), id + ": " + error, now);
      }
    }
    List<ScoredMetric> scored = new ArrayList<>();
    for (int i = 0; i < metrics.size(); i++) {
      ComparedMetric metric = metrics.get(i);
      Matrix canary = (Matrix) answers.get(i).canary();
      Matrix stable = (Matrix) answers.get(i).stable();
      Comparison comparison;
      if (canary.series().size() > 1 || stable.series().size() > 1) {
        comparison =
            new Comparison(
                Decision.INCONCLUSIVE,
                "the query gave "
                    + canary.series().size()
                    + " canary and "
                    + stable.series().size()
                    + " stable series; it must give one per version (aggregate with sum, max...)",
                0,
                0,
                OptionalDouble.empty(),
                OptionalDouble.empty(),
                OptionalDouble.empty(),
                OptionalDouble.empty(),
                OptionalDouble.empty());
      } else {
        comparison = MannWhitneyJudge.compare(points(canary), points(stable), metric.settings());
      }
      scored.add(new ScoredMetric(metric.name(), metric.group(), metric.critical(), comparison));
    }
    Scorecard card = Scorer.score(scored, check.compare().scoring());
    StringBuilder message = new StringBuilder(id).append(": ").append(card.reason());
    for (ScoredMetric s : scored) {
      message
          .append("; ")
          .append(s.name())
          .append(s.critical() ? " (critical)" : "")
          .append(' ')
          .append(s.comparison().decision().text())
          .append(": ")
          .append(s.comparison().reason());
    }
    Outcome outcome =
        switch (card.decision()) {
          case PASS -> Outcome.PASS;
          case FAIL -> Outcome.FAIL;
          case INCONCLUSIVE -> Outcome.INCONCLUSIVE;
        };
    return new Measurement(
        id, outcome, card.score(), check.promql(), message.toString(), now, false, scored);
  }

  private static String error(QueryResult result, String metric, String side) {
    if (result instanceof Failure f) {
      return "could not get " + metric + "'s " + side + " data from Prometheus: " + f.reason();
    }
    if (!(result instanceof Matrix)) {
      return metric + "'s " + side + " answer is not a range query's (a wiring bug)";
    }
    return null;
  }

  private static double[] points(Matrix m) {
    return m.series().isEmpty() ? new double[0] : m.series().get(0).points();
  }

  /** For tests and callers: a one-series range answer. */
  static Matrix matrixOf(double... values) {
    List<Double> list = new ArrayList<>();
    for (double v : values) {
      list.add(v);
    }
    return new Matrix(List.of(new Series(java.util.Map.of(), list)));
  }
}
