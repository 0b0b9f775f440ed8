package dev.sluice.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StepPlanAndDurationsTest {

  @ParameterizedTest(name = "stepWeight {0}, maxWeight {1} -> {2}")
  @CsvSource(
      delimiter = ';',
      value = {
        "10; 100; 10 20 30 40 50 60 70 80 90 100",
        "30; 100; 30 60 90 100",
        "25; 50; 25 50",
        "20; 50; 20 40 50",
        "100; 100; 100",
        "1; 3; 1 2 3",
        "60; 40; 40",
      })
  void derivedPlans(int stepWeight, int maxWeight, String expected) {
    List<Integer> want = Arrays.stream(expected.split(" ")).map(Integer::valueOf).toList();
    assertThat(StepPlan.of(stepWeight, maxWeight, null)).isEqualTo(want);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = ';',
      value = {
        "0 10; steps[0] must be a weight in 1..100",
        "10 101; steps[1] must be a weight in 1..100",
        "10 10; strictly increasing",
        "50 20; strictly increasing",
        "-5; steps[0] must be a weight in 1..100",
      })
  void badExplicitSteps(String steps, String message) {
    List<Integer> plan = Arrays.stream(steps.split(" ")).map(Integer::valueOf).toList();
    assertThatThrownBy(() -> StepPlan.of(10, 100, plan)).hasMessageContaining(message);
  }

  @ParameterizedTest(name = "stepWeight {0}, maxWeight {1}")
  @CsvSource({"0, 100", "101, 100", "10, 0", "10, 101", "-1, 50"})
  void badStepWeightOrMaxWeight(int stepWeight, int maxWeight) {
    assertThatThrownBy(() -> StepPlan.of(stepWeight, maxWeight, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("in 1..100");
  }

  @ParameterizedTest(name = "{0} = {1} ms")
  @CsvSource({
    "500ms, 500",
    "30s, 30000",
    "1m, 60000",
    "1m30s, 90000",
    "2h, 7200000",
    "1h1m1s1ms, 3661001"
  })
  void durationsParseAndPrintBack(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource({"''", "1", "1x", "m", "-1s", "1.5s", "1 m", "99999999999999999999s"})
  void badDurationsAreRejectedWithAReason(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duration");
  }
}
