package dev.sluice.analysis.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ScorerTest {

  private static Comparison decided(Decision d) {
    return new Comparison(
        d,
        d.text(),
        10,
        10,
        OptionalDouble.of(1),
        OptionalDouble.of(1),
        OptionalDouble.of(50),
        OptionalDouble.of(0.5),
        OptionalDouble.of(1));
  }

  private static ScoredMetric metric(String name, String group, Decision d) {
    return new ScoredMetric(name, group, false, decided(d));
  }

  @Test
  void allPassingScores100AndPasses() {
    Scorecard card =
        Scorer.score(
            List.of(metric("a", "errors", Decision.PASS), metric("b", "latency", Decision.PASS)),
            Scoring.defaults());
    assertThat(card.score()).hasValue(100);
    assertThat(card.decision()).isEqualTo(Decision.PASS);
  }

  @Test
  void weightsDecideTheScoreAndTheThresholdsTheOutcome() {
    List<ScoredMetric> metrics =
        List.of(metric("e", "errors", Decision.PASS), metric("l", "latency", Decision.FAIL));
    // errors 80, latency 20: 80 -> between marginal 75 and pass 95: inconclusive
    Scorecard marginal =
        Scorer.score(metrics, new Scoring(Map.of("errors", 80.0, "latency", 20.0), 95, 75));
    assertThat(marginal.score()).hasValue(80);
    assertThat(marginal.decision()).isEqualTo(Decision.INCONCLUSIVE);
    assertThat(marginal.reason()).contains("marginal");
    // the same weights, pass at 80: passes (the threshold is inclusive)
    assertThat(
            Scorer.score(metrics, new Scoring(Map.of("errors", 80.0, "latency", 20.0), 80, 75))
                .decision())
        .isEqualTo(Decision.PASS);
    // latency weighs more: 30 < 75 fails
    Scorecard failed =
        Scorer.score(metrics, new Scoring(Map.of("errors", 30.0, "latency", 70.0), 95, 75));
    assertThat(failed.score()).hasValue(30);
    assertThat(failed.decision()).isEqualTo(Decision.FAIL);
  }

  @Test
  void aGroupScoresTheShareOfItsJudgedMetrics() {
    Scorecard card =
        Scorer.score(
            List.of(
                metric("a", "g", Decision.PASS),
                metric("b", "g", Decision.PASS),
                metric("c", "g", Decision.PASS),
                metric("d", "g", Decision.FAIL)),
            Scoring.defaults());
    assertThat(card.score()).hasValue(75);
    assertThat(card.decision()).isEqualTo(Decision.INCONCLUSIVE); // 75 is not below marginal 75
  }

  @Test
  void aCriticalFailureFailsWhateverTheScore() {
    List<ScoredMetric> metrics = new ArrayList<>();
    for (int i = 0; i < 99; i++) {
      metrics.add(metric("m" + i, "g", Decision.PASS));
    }
    metrics.add(new ScoredMetric("errors", "g", true, decided(Decision.FAIL)));
    Scorecard card = Scorer.score(metrics, Scoring.defaults());
    assertThat(card.score()).hasValue(99);
    assertThat(card.decision()).isEqualTo(Decision.FAIL);
    assertThat(card.reason()).contains("critical metric failed: errors");
  }

  @Test
  void inconclusiveMetricsNeverHelpAPass() {
    Scorecard card =
        Scorer.score(
            List.of(metric("a", "x", Decision.PASS), metric("b", "y", Decision.INCONCLUSIVE)),
            Scoring.defaults());
    assertThat(card.score()).hasValue(100); // among the judged
    assertThat(card.lowest()).isEqualTo(50);
    assertThat(card.highest()).isEqualTo(100);
    assertThat(card.decision()).isEqualTo(Decision.INCONCLUSIVE);

    Scorecard none =
        Scorer.score(List.of(metric("b", "y", Decision.INCONCLUSIVE)), Scoring.defaults());
    assertThat(none.score()).isEmpty();
    assertThat(none.decision()).isEqualTo(Decision.INCONCLUSIVE);
  }

  @Test
  void failsWhenEvenPassingTheInconclusiveOnesStaysBelowMarginal() {
    Scorecard card =
        Scorer.score(
            List.of(
                metric("a", "g", Decision.FAIL),
                metric("b", "g", Decision.FAIL),
                metric("c", "g", Decision.INCONCLUSIVE)),
            Scoring.defaults());
    assertThat(card.highest()).isCloseTo(33.33, org.assertj.core.api.Assertions.within(0.01));
    assertThat(card.decision()).isEqualTo(Decision.FAIL);
  }

  @Test
  void refusesBadSettings() {
    assertThatThrownBy(() -> new Scoring(Map.of(), 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Scoring(Map.of(), 80, 90))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Scoring(Map.of("g", -1.0), 95, 75))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                Scorer.score(
                    List.of(metric("a", "other", Decision.PASS)),
                    new Scoring(Map.of("g", 1.0), 95, 75)))
        .hasMessageContaining("no weight");
  }

  /** Generated cards: the outcome always agrees with the thresholds applied to lowest/highest. */
  static Stream<Long> seeds() {
    return IntStream.range(0, 200).mapToObj(i -> 1000L + i);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void theOutcomeFollowsTheThresholds(long seed) {
    Random r = new Random(seed);
    List<ScoredMetric> metrics = new ArrayList<>();
    int n = 1 + r.nextInt(8);
    for (int i = 0; i < n; i++) {
      Decision d = Decision.values()[r.nextInt(3)];
      metrics.add(new ScoredMetric("m" + i, "g" + r.nextInt(3), r.nextInt(5) == 0, decided(d)));
    }
    double pass = 1 + r.nextInt(100);
    double marginal = r.nextInt((int) pass + 1);
    Scorecard card = Scorer.score(metrics, new Scoring(Map.of(), pass, marginal));
    boolean criticalFailed =
        metrics.stream().anyMatch(m -> m.critical() && m.comparison().decision() == Decision.FAIL);
    boolean anyJudged =
        metrics.stream().anyMatch(m -> m.comparison().decision() != Decision.INCONCLUSIVE);
    Decision expected =
        criticalFailed
            ? Decision.FAIL
            : !anyJudged
                ? Decision.INCONCLUSIVE
                : card.lowest() >= pass
                    ? Decision.PASS
                    : card.highest() < marginal ? Decision.FAIL : Decision.INCONCLUSIVE;
    assertThat(card.decision()).as(card.reason()).isEqualTo(expected);
    assertThat(card.lowest()).isBetween(0.0, 100.0);
    assertThat(card.lowest()).isLessThanOrEqualTo(card.highest());
    card.score()
        .ifPresent(s -> assertThat(s).isBetween(card.lowest() - 1e-9, card.highest() + 1e-9));
    if (card.decision() == Decision.PASS) {
      // never a pass on inconclusive data: every metric counted as failed if undecided still passes
      assertThat(card.lowest()).isGreaterThanOrEqualTo(pass);
    }
  }
}
