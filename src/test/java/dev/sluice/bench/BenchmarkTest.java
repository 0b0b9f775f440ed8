package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.DaemonMetrics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchmarkTest {
  @Test
  void steadyStateWritesCountEverythingBetweenTheFirstAndLastStepRouteWrites() {
    // -1: a write that is not a route (status, subset); n >= 0: the canary's weight in a route
    List<Integer> healthy =
        List.of(-1, -1, 0, -1, 10, -1, 20, -1, 30, -1, -1, -1, 100, -1, -1, -1, -1);
    // steps 10 -> 20 -> 30 -> 100: 8 writes after the first step's route write, over 3 steps (the
    // last one with two extra status writes); the join at 0% and the writes after are outside
    assertThat(Benchmark.steadyWritesPerStep(List.of(healthy))).isEqualTo(8.0 / 3);
    List<Integer> rolledBack = List.of(-1, 0, -1, 10, -1, 20, -1, -1, -1, 0, -1);
    assertThat(Benchmark.steadyWritesPerStep(List.of(rolledBack))).isEqualTo(2.0);
    assertThat(Benchmark.steadyWritesPerStep(List.of(healthy, rolledBack)))
        .isEqualTo((8.0 + 2) / (3 + 1));
    assertThat(Benchmark.steadyWritesPerStep(List.of(List.of(-1, 0, -1, 10, 0)))).isZero();
  }

  @Test
  void theDaemonsOwnReactionTimesAreReadFromItsHistograms() {
    Map<String, Double> before =
        DaemonMetrics.parse(
            String.join(
                "\n",
                "sluice_check_reaction_seconds_bucket{le=\"0.01\"} 1.0",
                "sluice_check_reaction_seconds_bucket{le=\"0.025\"} 1.0",
                "sluice_check_reaction_seconds_bucket{le=\"+Inf\"} 1.0",
                "sluice_check_reaction_seconds_count 1.0",
                "sluice_check_reaction_seconds_sum 0.004",
                "sluice_alert_reaction_seconds_count 0.0",
                "sluice_alert_reaction_seconds_sum 0.0"));
    Map<String, Double> after =
        DaemonMetrics.parse(
            String.join(
                "\n",
                "# TYPE sluice_check_reaction_seconds histogram",
                "sluice_check_reaction_seconds_bucket{le=\"0.01\"} 1.0",
                "sluice_check_reaction_seconds_bucket{le=\"0.025\"} 2.0",
                "sluice_check_reaction_seconds_bucket{le=\"+Inf\"} 2.0",
                "sluice_check_reaction_seconds_count 2.0",
                "sluice_check_reaction_seconds_sum 0.0165",
                "sluice_check_reaction_seconds_max 0.0125",
                "sluice_alert_reaction_seconds_bucket{le=\"0.01\"} 1.0",
                "sluice_alert_reaction_seconds_bucket{le=\"+Inf\"} 1.0",
                "sluice_alert_reaction_seconds_count 1.0",
                "sluice_alert_reaction_seconds_sum 0.007",
                "sluice_alert_reaction_seconds_max 0.007"));
    // one reaction since before: its value, exactly
    assertThat(Benchmark.inDaemon(after, before, Benchmark.CHECK_REACTION_METRIC))
        .containsEntry("count", 1)
        .containsEntry("p50", 12.5)
        .containsEntry("p99", 12.5)
        .containsEntry("max", 12.5)
        .containsEntry("mean", 12.5);
    assertThat(Benchmark.inDaemon(after, Map.of(), Benchmark.ALERT_REACTION_METRIC))
        .containsEntry("count", 1)
        .containsEntry("p50", 7.0);
    // none
    assertThat(Benchmark.inDaemon(before, before, Benchmark.ALERT_REACTION_METRIC))
        .isEqualTo(Map.of("count", 0));
    // two: estimated within the buckets, up to the largest (12.5 ms in the 10-25 ms bucket)
    Map<String, Object> two = Benchmark.inDaemon(after, Map.of(), Benchmark.CHECK_REACTION_METRIC);
    assertThat(two)
        .containsEntry("count", 2)
        .containsEntry("p50", 10.0)
        .containsEntry("max", 12.5)
        .containsEntry("mean", 8.25);
    assertThat((Double) two.get("p99")).isBetween(10.0, 12.5);
  }
}
