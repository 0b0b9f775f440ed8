package dev.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.faults.FaultProxy.Fault;
import dev.sluice.testing.InvariantChecker;
import dev.sluice.testing.PrometheusStub;
import dev.sluice.testing.SluiceDaemon;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The packaged daemon talks to the API server through {@link FaultProxy}: a fifth of its requests
 * get a 409, a 500, a lost answer (applied, answered 500), a 429 with Retry-After or a slow answer;
 * a third of its watches are cut; and the API server is "restarting" (503 to everything) twice per
 * round. Three releases per round run under it: ten 10% steps, explicit steps, and a canary whose
 * check fails (rolled back). Every release ends as it should, the invariant checker finds nothing,
 * and each release's route went through its steps exactly once: no write lost, none duplicated.
 */
class KubernetesApiFaultsIT {
  private static final String A = "api-steps";
  private static final String B = "api-explicit";
  private static final String C = "api-rollback";
  private static final List<String> ALL = List.of(A, B, C);

  @Test
  void releasesFinishThroughConflictsErrorsThrottlingSlownessAndDroppedWatches() throws Exception {
    int rounds = Rig.property("sluice.faults.rounds", 2);
    Random random = new Random(Rig.SEED);
    try (Rig rig = new Rig("api");
        FaultProxy proxy = new FaultProxy(rig.api.url(), Rig.SEED)) {
      URI promUrl = rig.prometheusStub();
      rig.seed(A, s -> {});
      rig.seed(B, s -> s.put("steps", List.of(20, 50, 80)));
      rig.seed(C, s -> {});
      PrometheusStub.canary(A, 0.0, 100, 500);
      PrometheusStub.canary(B, 0.0, 100, 500);
      // watches are cut from the start: the informers' first watches too, and every one after
      proxy.enable(0, 0.33);
      try (SluiceDaemon daemon = rig.daemon(proxy.url(), promUrl, Map.of())) {
        for (String ns : ALL) {
          rig.awaitStable(ns, "v1", Duration.ofSeconds(60));
        }
        for (int round = 1; round <= rounds; round++) {
          String version = "v" + (round + 1);
          PrometheusStub.clear(C);
          PrometheusStub.canary(C, 0.0, 100, 500);
          proxy.enable(0.2, 0.33);
          for (String ns : ALL) {
            rig.release(ns, version);
          }
          List<Long> outages =
              new ArrayList<>(List.of(1000L + random.nextInt(6000), 8000L + random.nextInt(6000)));
          long start = System.currentTimeMillis();
          boolean failing = false;
          while (!rig.roundOver(version, A, B, C)) {
            assertThat(System.currentTimeMillis() - start)
                .as("round %d under faults: %s", round, proxy.summary())
                .isLessThan(240_000);
            if (!outages.isEmpty() && System.currentTimeMillis() - start > outages.get(0)) {
              outages.remove(0);
              proxy.outage(2000 + random.nextInt(2000));
            }
            Integer w = rig.status(C).weight;
            if (!failing && version.equals(rig.status(C).canaryVersion) && w != null && w >= 30) {
              PrometheusStub.clear(C);
              PrometheusStub.canary(C, 0.5, 100, 500);
              failing = true;
            }
            Thread.sleep(250);
          }
          proxy.enable(0, 0.33);
        }
        proxy.disable();
        assertThat(daemon.alive()).isTrue();
      }
      InvariantChecker.Report report = rig.history.check(ALL);
      System.out.printf("KubernetesApiFaultsIT: %s; %s%n", proxy.summary(), report);
      Figures.record("KubernetesApiFaultsIT", proxy.figures(), report);

      assertThat(report.violations()).isEmpty();
      assertThat(report.lost()).isEmpty();
      assertThat(report.releasesStarted()).isEqualTo(3 * rounds);
      for (Fault f : Fault.values()) {
        assertThat(proxy.count(f)).as("%s injected (%s)", f, proxy.summary()).isPositive();
      }
      Routes.assertRounds(report.routeWritesByRelease(), A, B, List.of(20, 50, 80), List.of(), 0);
    }
  }
}
