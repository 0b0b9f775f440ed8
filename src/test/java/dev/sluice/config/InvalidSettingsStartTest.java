package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real application, started with a lease duration below the renew deadline's default, does not
 * start: it exits with status 1 and says which setting is wrong, instead of retrying for ever while
 * it blames the Kubernetes API.
 */
@QuarkusMainTest
@TestProfile(InvalidSettingsStartTest.LeaseShorterThanRenewDeadline.class)
class InvalidSettingsStartTest {

  /** SLUICE_LEADER_ELECTION_LEASE_DURATION=4s alone (the renew deadline stays at 10s). */
  public static class LeaseShorterThanRenewDeadline implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("sluice.leader-election.lease-duration", "4s");
    }
  }

  @Test
  @Launch(
      value = {},
      exitCode = 1)
  void theDaemonRefusesToStartAndNamesTheSetting(LaunchResult result) {
    // the message alone, no stack trace: what is wrong, with which value, set how
    assertThat(result.getErrorOutput())
        .isEqualToIgnoringNewLines(
            "Configuration validation failed:\tsluice.leader-election.lease-duration=4s"
                + " (SLUICE_LEADER_ELECTION_LEASE_DURATION): must be longer than"
                + " sluice.leader-election.renew-deadline (10s): a leader would lose its Lease"
                + " while it still renews it");
    assertThat(result.getOutput()).doesNotContain("cannot watch the Kubernetes API yet");
  }
}
