package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void theDaemonsOwnReactionTimesAreReadFromItsLog() {
    String log =
        String.join(
            "\n",
            "01:02:03.004 INFO  [de.sl.co.CanaryReconciler] check error-rate failed: route written"
                + " back 12.5 ms after its answer arrived",
            "01:02:03.104 INFO  [de.sl.co.CanaryReconciler] alert HighErrorRate: route written back"
                + " to 100% v1 7.0 ms after the webhook received the alert (at 2026-11-26T01:02:03Z)",
            "01:02:04.000 INFO  [de.sl.co.CanaryReconciler] check latency-p99 failed: route written"
                + " back 101.25 ms after its answer arrived");
    assertThat(Benchmark.loggedMillis(log, Benchmark.CHECK_REACTION_LOG))
        .containsExactly(12.5, 101.25);
    assertThat(Benchmark.loggedMillis(log, Benchmark.ALERT_REACTION_LOG)).containsExactly(7.0);
  }

  @Test
  void aStartIsReadFromTheDaemonsLog(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("sluice.log");
    Files.writeString(
        log,
        String.join(
            "\n",
            "23:59:58.900 INFO  [de.sl.ap.ApiSettings]  API token configured",
            "23:59:59.100 INFO  [io.quarkus]  sluice 0.1.0 on JVM (powered by Quarkus 3.33.2)"
                + " started in 1.097s. Listening on: http://127.0.0.1:33241",
            "23:59:59.800 INFO  [de.sl.co.Controller]  watching every namespace; 1000 Canaries;"
                + " instance vm-1",
            "23:59:59.900 INFO  [de.sl.co.Controller]  watching every namespace; 1000 Canaries;"
                + " instance vm-1"));
    assertThat(Benchmark.StartLog.read(log)).isEqualTo(new Benchmark.StartLog(1.097, 0.7));
  }
}
