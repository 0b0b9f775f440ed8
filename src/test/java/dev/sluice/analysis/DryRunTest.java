package dev.sluice.analysis;

import static dev.sluice.analysis.Outcome.ERROR;
import static dev.sluice.analysis.Outcome.FAIL;
import static dev.sluice.analysis.Outcome.INCONCLUSIVE;
import static dev.sluice.analysis.Outcome.PASS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.analysis.QueryResult.Failure;
import dev.sluice.analysis.QueryResult.Sample;
import dev.sluice.analysis.QueryResult.Samples;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Dry-run checks: measured and shown, never counted toward the gate's verdict. */
class DryRunTest {

  static Measurement m(String check, Outcome outcome) {
    return GateVerdictTest.m(check, outcome);
  }

  static Measurement dry(String check, Outcome outcome) {
    return m(check, outcome).asDryRun();
  }

  @Test
  void aFailingDryRunCheckDoesNotFailAGateWhoseOtherChecksPass() {
    Measurement failing =
        new Measurement(
                "error-rate/error-ratio",
                FAIL,
                OptionalDouble.of(0.2),
                "q",
                "error-rate/error-ratio: value 0.2 is above max 0.05",
                Instant.EPOCH)
            .asDryRun();
    List<Measurement> ms = List.of(m("latency-p99/p99-latency-ms", PASS), failing);

    GateVerdict v = GateVerdict.of(ms);

    assertThat(v.outcome()).isEqualTo(PASS);
    assertThat(v.decidedBy()).contains(ms.get(0));
    assertThat(v.measurements()).isEqualTo(ms); // the dry-run one is kept, to be shown
    assertThat(v.onlyDryRun()).isFalse();
    assertThat(v.summary())
        .isEqualTo(
            "pass: the one check passed (dry-run: error-rate/error-ratio would fail: value 0.2 is"
                + " above max 0.05)");
  }

  @ParameterizedTest
  @EnumSource(
      value = Outcome.class,
      names = {"ERROR", "INCONCLUSIVE"})
  void anErrorOrInconclusiveDryRunCheckDoesNotHoldTheGate(Outcome outcome) {
    GateVerdict v = GateVerdict.of(List.of(dry("d/x", outcome), m("a/x", PASS), m("b/y", PASS)));

    assertThat(v.outcome()).isEqualTo(PASS);
    assertThat(v.summary())
        .startsWith("pass: all 2 checks passed (dry-run: d/x would be ")
        .contains(outcome == ERROR ? "would be an error: " : "would be inconclusive: ")
        .endsWith(": " + outcome + ")");
  }

  @Test
  void aGateWhoseEveryCheckIsDryRunPassesOnBakeTimeAndSaysSo() {
    GateVerdict v = GateVerdict.of(List.of(dry("a/x", FAIL), dry("b/y", PASS)));

    assertThat(v.outcome()).isEqualTo(PASS);
    assertThat(v.decidedBy()).isEmpty();
    assertThat(v.noChecks()).isFalse();
    assertThat(v.onlyDryRun()).isTrue();
    assertThat(v.measurements()).hasSize(2);
    assertThat(v.summary())
        .isEqualTo(
            "pass: all 2 checks are dry-run and none counts, the gate passes on bake time alone"
                + " (dry-run: a/x would fail: FAIL; 1 more check would pass)");

    assertThat(GateVerdict.of(List.of(dry("a/x", PASS))).summary())
        .isEqualTo(
            "pass: the one check is dry-run and does not count, the gate passes on bake time alone"
                + " (dry-run: 1 check would pass)");
  }

  @Test
  void aFailingCheckThatIsNotDryRunStillFailsTheGate() {
    List<Measurement> ms = List.of(dry("d/x", PASS), m("a/x", PASS), m("b/y", FAIL));

    GateVerdict v = GateVerdict.of(ms);

    assertThat(v.outcome()).isEqualTo(FAIL);
    assertThat(v.decidedBy()).contains(ms.get(2));
    assertThat(v.summary())
        .isEqualTo("fail: b/y: FAIL (2 checks: 1 pass, 1 fail) (dry-run: 1 check would pass)");
  }

  @Test
  void theWorstCountedOutcomeWinsWhateverTheDryRunOnesSay() {
    GateVerdict v =
        GateVerdict.of(List.of(dry("d/x", FAIL), m("a/x", INCONCLUSIVE), dry("e/y", ERROR)));

    assertThat(v.outcome()).isEqualTo(INCONCLUSIVE);
    assertThat(v.summary())
        .isEqualTo(
            "inconclusive: a/x: INCONCLUSIVE (1 check: 1 inconclusive) (dry-run: d/x would fail:"
                + " FAIL; e/y would be an error: ERROR)");
  }

  @Test
  void theJudgeMarksADryRunChecksMeasurementAndJudgesItAsAnyOther() {
    Check check =
        new Check(
                "error-rate",
                "ratio",
                "q",
                OptionalDouble.empty(),
                OptionalDouble.of(0.01),
                null,
                0)
            .asDryRun();
    Instant now = Instant.parse("2026-11-25T12:00:00Z");

    Measurement failing = Judge.judge(check, new Samples(List.of(new Sample(Map.of(), 0.5))), now);
    Measurement error = Judge.judge(check, new Failure("connection refused"), now);

    assertThat(failing.dryRun()).isTrue();
    assertThat(failing.outcome()).isEqualTo(FAIL);
    assertThat(failing.value()).hasValue(0.5);
    assertThat(failing.query()).isEqualTo("q");
    assertThat(failing.message()).isEqualTo("error-rate/ratio: value 0.5 is above max 0.01");
    assertThat(error.dryRun()).isTrue();
    assertThat(error.outcome()).isEqualTo(ERROR);
    assertThat(Judge.judge(JudgeTest.MAX, new Failure("x"), now).dryRun()).isFalse();
  }

  @Test
  void theCanarysReferenceMakesEveryCheckDryRunAMetricOnlyItself() {
    Template t =
        new Template(
            "t",
            List.of(),
            List.of(
                new TemplateMetric("a", "qa", null, null, "1", null, true),
                new TemplateMetric("b", "qb", null, null, "1", null)));

    assertThat(TemplateRenderer.render(t, Map.of(), TemplateRendererTest.BUILTINS))
        .extracting(Check::id, Check::dryRun)
        .containsExactly(Tuple.tuple("t/a", true), Tuple.tuple("t/b", false));
    assertThat(TemplateRenderer.render(t, Map.of(), TemplateRendererTest.BUILTINS, true))
        .extracting(Check::dryRun)
        .containsExactly(true, true);
  }
}
