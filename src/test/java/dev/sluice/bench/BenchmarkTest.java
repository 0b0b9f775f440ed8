package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.DaemonMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchmarkTest {
  private static final String MESH = "bench-0/helloworld";
  private static final String GATEWAY = "istio-ingress/gw-bench-0";

  /** A route write of the canary's weight n ([v1=100-n, v2=n]) to {@code vs}. */
  private static Benchmark.RouteWrite route(String vs, int n) {
    return new Benchmark.RouteWrite(vs, 0, List.of("v1=" + (100 - n), "v2=" + n));
  }

  /**
   * A Canary's writes from a compact form, each VirtualService written in turn: -1 a write that is
   * not a route (status, subset), n >= 0 the canary's weight written to each of {@code vs}.
   */
  private static List<Benchmark.RouteWrite> writes(List<Integer> seq, String... vs) {
    List<Benchmark.RouteWrite> out = new ArrayList<>();
    for (int n : seq) {
      if (n < 0) {
        out.add(Benchmark.RouteWrite.other());
      } else {
        for (String v : vs) {
          out.add(route(v, n));
        }
      }
    }
    return out;
  }

  @Test
  void steadyStateWritesCountEverythingBetweenTheFirstAndLastStepRouteWrites() {
    List<Integer> healthy =
        List.of(-1, -1, 0, -1, 10, -1, 20, -1, 30, -1, -1, -1, 100, -1, -1, -1, -1);
    // steps 10 -> 20 -> 30 -> 100: 8 writes after the first step's route write, over 3 steps (the
    // last one with two extra status writes); the join at 0% and the writes after are outside
    assertThat(Benchmark.steadyWritesPerStep(List.of(writes(healthy, MESH)))).isEqualTo(8.0 / 3);
    List<Integer> rolledBack = List.of(-1, 0, -1, 10, -1, 20, -1, -1, -1, 0, -1);
    assertThat(Benchmark.steadyWritesPerStep(List.of(writes(rolledBack, MESH)))).isEqualTo(2.0);
    assertThat(
            Benchmark.steadyWritesPerStep(List.of(writes(healthy, MESH), writes(rolledBack, MESH))))
        .isEqualTo((8.0 + 2) / (3 + 1));
    assertThat(Benchmark.steadyWritesPerStep(List.of(writes(List.of(-1, 0, -1, 10, 0), MESH))))
        .isZero();
  }

  @Test
  void withTwoVirtualServicesEachStepCountsItsTwoRouteWritesAndIsOneStep() {
    List<Integer> healthy =
        List.of(-1, -1, 0, -1, 10, -1, 20, -1, 30, -1, -1, -1, 100, -1, -1, -1, -1);
    // the same release with a gateway route: each of the 3 steps one route write more
    assertThat(Benchmark.steadyWritesPerStep(List.of(writes(healthy, GATEWAY, MESH))))
        .isEqualTo(11.0 / 3);
    // in whichever order the API server got the two
    assertThat(Benchmark.steadyWritesPerStep(List.of(writes(healthy, MESH, GATEWAY))))
        .isEqualTo(11.0 / 3);
    List<Integer> rolledBack = List.of(-1, 0, -1, 10, -1, 20, -1, -1, -1, 0, -1);
    assertThat(Benchmark.steadyWritesPerStep(List.of(writes(rolledBack, GATEWAY, MESH))))
        .isEqualTo(3.0);
  }

  @Test
  void aDecisionIsTheSameWeightsWrittenToEachVirtualServiceWithNothingBetween() {
    List<Benchmark.RouteWrite> seq =
        List.of(
            Benchmark.RouteWrite.other(),
            new Benchmark.RouteWrite(GATEWAY, 100, List.of("v1=0", "v2=100")),
            new Benchmark.RouteWrite(MESH, 130, List.of("v1=0", "v2=100")),
            // promotion: other weights, a decision of its own even without a write between
            new Benchmark.RouteWrite(MESH, 200, List.of("v2=100")),
            new Benchmark.RouteWrite(GATEWAY, 210, List.of("v2=100")),
            // the same route written again: a decision of its own
            new Benchmark.RouteWrite(GATEWAY, 300, List.of("v2=100")),
            Benchmark.RouteWrite.other(),
            new Benchmark.RouteWrite(MESH, 400, List.of("v2=100")));
    assertThat(Benchmark.routeDecisions(seq))
        .containsExactly(
            new Benchmark.RouteDecision(List.of("v1=0", "v2=100"), 2, 1, 2, 130),
            new Benchmark.RouteDecision(List.of("v2=100"), 2, 3, 4, 210),
            new Benchmark.RouteDecision(List.of("v2=100"), 1, 5, 5, 300),
            new Benchmark.RouteDecision(List.of("v2=100"), 1, 7, 7, 400));
  }

  @Test
  void theLastOfTheKRollbackWritesEndsTheReaction() {
    List<String> stable = List.of("v1=100");
    List<Benchmark.RouteWrite> stored =
        List.of(
            new Benchmark.RouteWrite(GATEWAY, 100, stable), // the release adopting v1: before
            new Benchmark.RouteWrite(MESH, 110, stable),
            new Benchmark.RouteWrite(GATEWAY, 200, List.of("v1=90", "v2=10")),
            new Benchmark.RouteWrite(MESH, 205, List.of("v1=90", "v2=10")),
            // the failing answer at 500; the rollback's two writes, the mesh's stored first
            new Benchmark.RouteWrite(MESH, 520, stable),
            new Benchmark.RouteWrite(GATEWAY, 560, stable),
            new Benchmark.RouteWrite(MESH, 900, stable)); // written again later: not the reaction
    assertThat(Benchmark.lastOfFirstWrites(stored, 2, stable, 500L)).isEqualTo(560L);
    // one VirtualService: its first write ends it, as before
    List<Benchmark.RouteWrite> meshOnly =
        stored.stream().filter(w -> w.virtualService().equals(MESH)).toList();
    assertThat(Benchmark.lastOfFirstWrites(meshOnly, 1, stable, 500L)).isEqualTo(520L);
    // a rollback the gateway never got: no reaction to measure
    assertThat(Benchmark.lastOfFirstWrites(meshOnly, 2, stable, 500L)).isNull();
    assertThat(Benchmark.lastOfFirstWrites(stored, 2, stable, 1000L)).isNull();
    assertThat(Benchmark.lastOfFirstWrites(stored, 2, stable, null)).isNull();
  }

  @Test
  void aGatewayVirtualServiceBelongsToTheCanaryItIsNamedFor() {
    assertThat(Benchmark.canaryOf("istio-ingress", "gw-bench-17")).isEqualTo("bench-17");
    assertThat(Benchmark.canaryOf("bench-17", "helloworld")).isEqualTo("bench-17");
    assertThat(Benchmark.canaryOf("istio-ingress", "other")).isEqualTo("istio-ingress");
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
