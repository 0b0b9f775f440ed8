package dev.sluice.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.analysis.compare.ComparedMetric;
import dev.sluice.analysis.compare.Decision;
import dev.sluice.analysis.compare.Direction;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A template's compared metrics: rendered twice into a scored check, and judged by score. */
class CompareRenderAndJudgeTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Map<String, String> BUILTINS =
      Builtins.of("shop", "cart", "v2", "v1", "cart");

  private static TemplateMetric.Compare compare(String query, String direction, boolean critical) {
    return new TemplateMetric.Compare(
        query, "2m", "10s", "0.95", "{{ minEffect }}", direction, null, null, "5", critical, null);
  }

  private static Template template(Template.Scoring scoring, TemplateMetric... metrics) {
    return new Template(
        "latency-compare", List.of(new TemplateArg("minEffect", "1.1")), List.of(metrics), scoring);
  }

  private static final String LATENCY =
      "histogram_quantile(0.9, sum by (le) (rate(x_bucket{app=\"{{ app }}\",version=\"{{ version"
          + " }}\"}[{{ resolution }}])))";

  @Test
  void rendersOneScoredCheckWithTheQueryForEachVersion() {
    List<Check> checks =
        TemplateRenderer.render(
            template(
                null,
                TemplateMetric.compared("p90", compare(LATENCY, "increase", false), false),
                new TemplateMetric("plain", "up", null, null, "1", null)),
            Map.of(),
            BUILTINS);
    assertThat(checks)
        .extracting(Check::id)
        .containsExactly("latency-compare/plain", "latency-compare/score");
    Check scored = checks.get(1);
    assertThat(scored.isCompared()).isTrue();
    ComparedMetric m = scored.compare().metrics().get(0);
    assertThat(m.canaryQuery()).contains("version=\"v2\"").contains("[10s]").doesNotContain("v1");
    assertThat(m.stableQuery()).contains("version=\"v1\"").doesNotContain("v2");
    assertThat(m.window()).isEqualTo(Duration.ofMinutes(2));
    assertThat(m.resolution()).isEqualTo(Duration.ofSeconds(10));
    assertThat(m.settings().minEffect()).isEqualTo(1.1);
    assertThat(m.settings().direction()).isEqualTo(Direction.INCREASE);
    assertThat(m.settings().minPoints()).isEqualTo(5);
    assertThat(m.group()).isEqualTo("p90");
    assertThat(scored.compare().scoring().pass()).isEqualTo(95);
  }

  @Test
  void refusesAComparedQueryWithoutVersionAndBadSettings() {
    assertThatThrownBy(
            () ->
                TemplateRenderer.render(
                    template(
                        null,
                        TemplateMetric.compared("p90", compare("up", "increase", false), false)),
                    Map.of(),
                    BUILTINS))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageContaining("{{ version }}");
    assertThatThrownBy(
            () ->
                TemplateRenderer.render(
                    template(
                        null,
                        TemplateMetric.compared("p90", compare(LATENCY, "sideways", false), false)),
                    Map.of(),
                    BUILTINS))
        .hasMessageContaining("direction must be increase, decrease or either");
    assertThatThrownBy(
            () ->
                TemplateRenderer.render(
                    template(
                        new Template.Scoring(Map.of("latency", "1"), null, null),
                        TemplateMetric.compared("p90", compare(LATENCY, "increase", false), false)),
                    Map.of(),
                    BUILTINS))
        .hasMessageContaining("no compared metric is in");
    assertThatThrownBy(
            () ->
                TemplateRenderer.render(
                    new Template(
                        "t",
                        List.of(),
                        List.of(
                            new TemplateMetric(
                                "m", "up{v=\"{{ version }}\"}", null, null, "1", null))),
                    Map.of(),
                    BUILTINS))
        .hasMessageContaining("only for compare.query");
  }

  private static Check scoredCheck(boolean critical) {
    List<Check> checks =
        TemplateRenderer.render(
            template(
                new Template.Scoring(Map.of("latency", "30", "errors", "70"), "90", "75"),
                TemplateMetric.compared(
                    "p90", withGroup(compare(LATENCY, "increase", critical), "latency"), false),
                TemplateMetric.compared(
                    "errors", withGroup(compare(LATENCY, "increase", false), "errors"), false)),
            Map.of(),
            BUILTINS);
    return checks.get(0);
  }

  private static TemplateMetric.Compare withGroup(TemplateMetric.Compare c, String group) {
    return new TemplateMetric.Compare(
        c.query(),
        c.window(),
        c.resolution(),
        c.confidence(),
        c.minEffect(),
        c.direction(),
        c.nanStrategy(),
        c.outliers(),
        c.minPoints(),
        c.critical(),
        group);
  }

  private static final QueryResult.Matrix STABLE =
      ScoreJudge.matrixOf(100, 102, 98, 101, 99, 103, 97, 100, 101, 99, 100, 102);
  private static final QueryResult.Matrix SLOWER =
      ScoreJudge.matrixOf(125, 127, 123, 126, 124, 128, 122, 125, 126, 124, 125, 127);

  @Test
  void aSlowerCanaryLosesItsGroupsWeight() {
    Check check = scoredCheck(false);
    Measurement m =
        ScoreJudge.judge(
            check,
            List.of(new ScoreJudge.Answers(SLOWER, STABLE), new ScoreJudge.Answers(STABLE, STABLE)),
            NOW);
    assertThat(m.value()).hasValue(70); // errors (70) passed, latency (30) failed
    assertThat(m.outcome()).isEqualTo(Outcome.FAIL); // 70 < marginal 75
    assertThat(m.compared()).hasSize(2);
    assertThat(m.compared().get(0).comparison().decision()).isEqualTo(Decision.FAIL);
    assertThat(m.compared().get(0).comparison().canaryMedian()).hasValue(125);
    assertThat(m.compared().get(0).comparison().stableMedian()).hasValue(100);
    assertThat(m.compared().get(1).comparison().decision()).isEqualTo(Decision.PASS);
    assertThat(m.message()).contains("p90 fail").contains("errors pass").contains("score 70");

    Measurement critical =
        ScoreJudge.judge(
            scoredCheck(true),
            List.of(new ScoreJudge.Answers(SLOWER, STABLE), new ScoreJudge.Answers(STABLE, STABLE)),
            NOW);
    assertThat(critical.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(critical.message()).contains("critical metric failed: p90");
  }

  @Test
  void aFailedQueryIsAnErrorAndNoSeriesIsInconclusive() {
    Check check = scoredCheck(false);
    Measurement error =
        ScoreJudge.judge(
            check,
            List.of(
                new ScoreJudge.Answers(STABLE, new QueryResult.Failure("timed out")),
                new ScoreJudge.Answers(STABLE, STABLE)),
            NOW);
    assertThat(error.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(error.message()).contains("p90's stable data").contains("timed out");

    QueryResult.Matrix none = new QueryResult.Matrix(List.of());
    Measurement quiet =
        ScoreJudge.judge(
            check,
            List.of(new ScoreJudge.Answers(none, STABLE), new ScoreJudge.Answers(none, STABLE)),
            NOW);
    assertThat(quiet.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
    assertThat(quiet.value()).isEmpty();
    assertThat(quiet.message()).contains("too few points");
  }

  @Test
  void oneCombinedRangeQueryCarriesBothVersionsAndIsSplitByItsPartLabel() {
    ComparedMetric m = scoredCheck(false).compare().metrics().get(0);
    assertThat(m.promql())
        .startsWith(
            "label_replace((" + m.canaryQuery() + "), \"sluice_part\", \"canary\", \"\", \"\")")
        .endsWith(
            " or label_replace(("
                + m.stableQuery()
                + "), \"sluice_part\", \"stable\", \"\", \"\")");

    QueryResult.Series canary =
        new QueryResult.Series(Map.of("sluice_part", "canary"), List.of(1.0, 2.0));
    QueryResult.Series stable =
        new QueryResult.Series(Map.of("sluice_part", "stable"), List.of(3.0));
    ScoreJudge.Answers split =
        ScoreJudge.Answers.split(new QueryResult.Matrix(List.of(stable, canary)));
    assertThat(split.canary())
        .isEqualTo(
            new QueryResult.Matrix(List.of(new QueryResult.Series(Map.of(), List.of(1.0, 2.0)))));
    assertThat(split.stable())
        .isEqualTo(new QueryResult.Matrix(List.of(new QueryResult.Series(Map.of(), List.of(3.0)))));

    // only the canary's series: stable has none (no points, inconclusive), not an error
    assertThat(ScoreJudge.Answers.split(new QueryResult.Matrix(List.of(canary))).stable())
        .isEqualTo(new QueryResult.Matrix(List.of()));
    // a series without the part label is a wiring bug: an error, never judged
    ScoreJudge.Answers odd =
        ScoreJudge.Answers.split(
            new QueryResult.Matrix(List.of(new QueryResult.Series(Map.of(), List.of(1.0)))));
    assertThat(odd.canary()).isInstanceOf(QueryResult.Failure.class);
    Measurement m2 =
        ScoreJudge.judge(
            scoredCheck(false), List.of(odd, new ScoreJudge.Answers(STABLE, STABLE)), NOW);
    assertThat(m2.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(m2.message()).contains("no sluice_part label");
  }
}
