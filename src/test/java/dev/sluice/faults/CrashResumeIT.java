package dev.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Fixtures;
import dev.sluice.testing.InvariantChecker;
import dev.sluice.testing.PrometheusStub;
import dev.sluice.testing.SluiceDaemon;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The packaged daemon SIGKILLed at random moments of releases and restarted each time, at least
 * {@code sluice.faults.kills} times (20 in CI) while a release runs: three Canaries release at once
 * (ten 10% steps; explicit steps 5/25/50/75 with session affinity then one write to 100; a canary
 * with a mirror stage whose check starts failing at 30%, rolled back, whose Canary lists a
 * gateway's VirtualService in another namespace beside the mesh's, so that kills land between the
 * two writes of a step and of the rollback), round after round with a new version each, until
 * enough kills landed mid-release. Every release resumes from its status: the invariant checker
 * finds no violation over the whole history, no release is lost, and each release's route went
 * through its steps exactly once, in order (no step repeated or skipped).
 */
class CrashResumeIT {
  private static final String A = "crash-steps";
  private static final String B = "crash-explicit";
  private static final String C = "crash-rollback";
  private static final String INGRESS = "crash-ingress";
  private static final List<String> ALL = List.of(A, B, C);

  @Test
  void releasesResumeAfterEverySigkillWithNoStepRepeatedOrSkipped() throws Exception {
    int wanted = Rig.property("sluice.faults.kills", 20);
    Random random = new Random(Rig.SEED);
    int kills = 0;
    int midRelease = 0;
    int rounds = 0;
    long deadline = System.nanoTime() + Duration.ofMinutes(4L + wanted / 4).toNanos();
    try (Rig rig = new Rig("crash")) {
      URI promUrl = rig.prometheusStub();
      rig.seed(A, s -> {});
      rig.seed(
          B,
          s -> {
            s.put("steps", List.of(5, 25, 50, 75));
            // sticky routes and cookies in every step's write, removed by the promotion's
            s.put("sessionAffinity", Map.of("cookieName", "sluice-session"));
          });
      Fixtures.applyGateway(rig.client, INGRESS, "helloworld-gateway", C);
      rig.seed(
          C,
          s -> {
            s.remove("virtualService");
            s.put(
                "virtualServices",
                List.of(
                    Map.of("name", "helloworld-gateway", "namespace", INGRESS),
                    Map.of("name", "helloworld")));
            // a mirror stage on both routes first: the rollback removes it if it comes that early
            s.put("mirror", Map.of("percent", 50, "iterations", 1));
          });
      ALL.forEach(ns -> PrometheusStub.canary(ns, 0.0, 100, 500));
      try (SluiceDaemon first = rig.daemon(rig.api.url(), promUrl, Map.of())) {
        for (String ns : ALL) {
          rig.awaitStable(ns, "v1", Duration.ofSeconds(60));
        }
        first.kill();
      }
      while (midRelease < wanted) {
        assertThat(System.nanoTime()).as("the kills take too long").isLessThan(deadline);
        rounds++;
        String version = "v" + (rounds + 1);
        PrometheusStub.clear(C);
        PrometheusStub.canary(C, 0.0, 100, 500);
        boolean failing = false;
        for (String ns : ALL) {
          rig.release(ns, version);
        }
        while (!rig.roundOver(version, A, B, C)) {
          assertThat(System.nanoTime()).as("the kills take too long").isLessThan(deadline);
          SluiceDaemon d = rig.daemon(rig.api.url(), promUrl, Map.of());
          long upFor = 200 + random.nextInt(1800);
          long until = System.nanoTime() + upFor * 1_000_000L;
          while (System.nanoTime() < until) {
            var c = rig.status(C);
            if (!failing && version.equals(c.canaryVersion) && c.weight != null && c.weight >= 30) {
              PrometheusStub.clear(C);
              PrometheusStub.canary(C, 0.5, 100, 500); // the canary's error rate breaks the gate
              failing = true;
            }
            Thread.sleep(Math.min(250, Math.max(1, (until - System.nanoTime()) / 1_000_000L)));
          }
          boolean mid = ALL.stream().anyMatch(rig::releasing);
          d.kill();
          kills++;
          if (mid) {
            midRelease++;
          }
        }
      }
      InvariantChecker.Report report = rig.history.check(List.of(A, B, C, INGRESS));
      System.out.printf(
          "CrashResumeIT: %d SIGKILLs (%d mid-release), %d daemon starts, %d rounds; %s%n",
          kills, midRelease, rig.starts(), rounds, report);
      Figures.record(
          "CrashResumeIT",
          "sigkill=" + kills + ",midRelease=" + midRelease + ",daemonStarts=" + rig.starts(),
          report);

      assertThat(report.violations()).isEmpty();
      assertThat(report.lost()).isEmpty();
      assertThat(report.releasesStarted()).isEqualTo(3 * rounds);
      assertThat(report.promoted()).isEqualTo(2 * rounds);
      assertThat(report.rolledBack()).isEqualTo(rounds);
      Routes.assertRounds(
          report.routeWritesByRelease(), A, B, List.of(5, 25, 50, 75), List.of(C), 1);
    }
  }
}
