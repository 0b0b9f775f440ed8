package dev.sluice.analysis;

import static dev.sluice.analysis.Outcome.ERROR;
import static dev.sluice.analysis.Outcome.FAIL;
import static dev.sluice.analysis.Outcome.INCONCLUSIVE;
import static dev.sluice.analysis.Outcome.PASS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GateVerdictTest {

  static Measurement m(String check, Outcome outcome) {
    return new Measurement(
        check, outcome, OptionalDouble.empty(), "q", check + ": " + outcome, Instant.EPOCH);
  }

  @Test
  void noChecksIsAnExplicitPassWithANote() {
    GateVerdict v = GateVerdict.of(List.of());

    assertThat(v.outcome()).isEqualTo(PASS);
    assertThat(v.noChecks()).isTrue();
    assertThat(v.decidedBy()).isEmpty();
    assertThat(v.summary()).isEqualTo(GateVerdict.NO_CHECKS).contains("no checks configured");
  }

  static Stream<Arguments> worstWins() {
    return Stream.of(
        Arguments.of(List.of(PASS), PASS, 0),
        Arguments.of(List.of(PASS, PASS, PASS), PASS, 0),
        Arguments.of(List.of(PASS, INCONCLUSIVE), INCONCLUSIVE, 1),
        Arguments.of(List.of(INCONCLUSIVE, PASS, ERROR), ERROR, 2),
        Arguments.of(List.of(ERROR, INCONCLUSIVE), ERROR, 0),
        Arguments.of(List.of(FAIL, ERROR, INCONCLUSIVE, PASS), FAIL, 0),
        Arguments.of(List.of(PASS, ERROR, FAIL), FAIL, 2),
        Arguments.of(List.of(PASS, FAIL, FAIL), FAIL, 1), // the first of the worst decides
        Arguments.of(List.of(INCONCLUSIVE, INCONCLUSIVE), INCONCLUSIVE, 0));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("worstWins")
  void theWorstOutcomeWinsAndTheFirstSuchMeasurementDecides(
      List<Outcome> outcomes, Outcome expected, int decisive) {
    List<Measurement> ms = new ArrayList<>();
    for (int i = 0; i < outcomes.size(); i++) {
      ms.add(m("t/m" + i, outcomes.get(i)));
    }

    GateVerdict v = GateVerdict.of(ms);

    assertThat(v.outcome()).isEqualTo(expected);
    assertThat(v.noChecks()).isFalse();
    assertThat(v.decidedBy()).contains(ms.get(decisive));
    assertThat(v.measurements()).isEqualTo(ms);
  }

  @Test
  void theSummaryNamesTheDecisiveMessageAndTheTally() {
    GateVerdict v = GateVerdict.of(List.of(m("a/x", PASS), m("b/y", FAIL), m("c/z", INCONCLUSIVE)));
    assertThat(v.summary()).isEqualTo("fail: b/y: FAIL (3 checks: 1 pass, 1 inconclusive, 1 fail)");

    assertThat(GateVerdict.of(List.of(m("a/x", PASS), m("b/y", PASS))).summary())
        .isEqualTo("pass: all 2 checks passed");
    assertThat(GateVerdict.of(List.of(m("a/x", PASS))).summary())
        .isEqualTo("pass: the one check passed");
  }
}
