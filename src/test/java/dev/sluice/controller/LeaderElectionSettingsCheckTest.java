package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.Problems;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The durations' check refuses exactly what fabric8's leader election refuses. */
class LeaderElectionSettingsCheckTest {

  private record Durations(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod)
      implements LeaderElectionConfig {
    @Override
    public boolean enabled() {
      return true;
    }

    @Override
    public Optional<String> namespace() {
      return Optional.empty();
    }

    @Override
    public String leaseName() {
      return "sluice-leader";
    }
  }

  @Test
  void theJitterFactorIsFabric8s() throws Exception {
    Field jitter = LeaderElector.class.getDeclaredField("JITTER_FACTOR");
    jitter.setAccessible(true);
    assertThat((Double) jitter.get(null)).isEqualTo(LeaderElectionSettingsCheck.JITTER_FACTOR);
  }

  @Test
  void theCheckRefusesExactlyWhatFabric8Refuses() {
    List<Duration> values =
        List.of(
            Duration.ofSeconds(-1),
            Duration.ZERO,
            Duration.ofNanos(500_000),
            Duration.ofMillis(1),
            Duration.ofMillis(500),
            Duration.ofMillis(1100),
            Duration.ofMillis(1101),
            Duration.ofSeconds(2),
            Duration.ofSeconds(3),
            Duration.ofSeconds(4),
            Duration.ofMillis(4400),
            Duration.ofMillis(4401),
            Duration.ofSeconds(10),
            Duration.ofSeconds(15),
            Duration.ofMinutes(5));
    int accepted = 0;
    for (Duration lease : values) {
      for (Duration renew : values) {
        for (Duration retry : values) {
          Durations d = new Durations(lease, renew, retry);
          Problems problems = new Problems();
          LeaderElectionSettingsCheck.check(d, problems);
          boolean fabric8Accepts = fabric8Accepts(d);
          assertThat(problems.isEmpty())
              .as("%s: %s", d, problems.lines())
              .isEqualTo(fabric8Accepts);
          accepted += fabric8Accepts ? 1 : 0;
        }
      }
    }
    assertThat(accepted).isPositive(); // the table holds valid combinations too
  }

  private static boolean fabric8Accepts(Durations d) {
    var config =
        new LeaderElectionConfigBuilder()
            .withName("sluice")
            .withLock(new LeaseLock("default", d.leaseName(), "me"))
            .withLeaseDuration(d.leaseDuration())
            .withRenewDeadline(d.renewDeadline())
            .withRetryPeriod(d.retryPeriod())
            .withLeaderCallbacks(new LeaderCallbacks(() -> {}, () -> {}, leader -> {}))
            .build();
    try {
      new LeaderElectorBuilder(null, null).withConfig(config); // validates, talks to nobody
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
