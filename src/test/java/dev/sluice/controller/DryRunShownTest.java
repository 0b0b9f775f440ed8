package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.analysis.GateVerdict;
import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import dev.sluice.model.CanaryStatus;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class DryRunShownTest {

  static Measurement m(String check, Outcome outcome, boolean dryRun) {
    Measurement m = new Measurement(check, outcome, OptionalDouble.empty(), "q", "", Instant.EPOCH);
    return dryRun ? m.asDryRun() : m;
  }

  static CanaryStatus stored(String check, String outcome, Boolean dryRun) {
    CanaryStatus.MeasurementStatus s = new CanaryStatus.MeasurementStatus();
    s.check = check;
    s.outcome = outcome;
    s.dryRun = dryRun;
    CanaryStatus st = new CanaryStatus();
    st.measurements = List.of(s);
    return st;
  }

  @Test
  void aDryRunOutcomeTheStatusDoesNotShowIsNews() {
    GateVerdict failing =
        GateVerdict.of(List.of(m("a/x", Outcome.PASS, false), m("d/y", Outcome.FAIL, true)));

    assertThat(DryRunShown.outdated(new CanaryStatus(), failing)).isTrue();
    assertThat(DryRunShown.outdated(null, failing)).isTrue();
    assertThat(DryRunShown.outdated(stored("d/y", "PASS", true), failing)).isTrue();
    assertThat(DryRunShown.outdated(stored("d/y", "FAIL", null), failing)).isTrue();
  }

  @Test
  void theSameDryRunOutcomeAgainOrNoDryRunCheckIsNot() {
    GateVerdict failing =
        GateVerdict.of(List.of(m("a/x", Outcome.PASS, false), m("d/y", Outcome.FAIL, true)));
    GateVerdict noDryRun = GateVerdict.of(List.of(m("a/x", Outcome.PASS, false)));

    assertThat(DryRunShown.outdated(stored("d/y", "FAIL", true), failing)).isFalse();
    assertThat(DryRunShown.outdated(new CanaryStatus(), noDryRun)).isFalse();
    assertThat(DryRunShown.outdated(new CanaryStatus(), null)).isFalse();
  }
}
