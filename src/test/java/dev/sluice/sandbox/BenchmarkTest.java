package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
}
