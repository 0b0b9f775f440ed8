package dev.sluice.controller;

import dev.sluice.config.Problems;
import dev.sluice.config.SettingsCheck;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Which replica reconciles: the one holding the leader Lease ({@code sluice.leader-election.*});
 * checked at start by {@link LeaderElectionSettingsCheck}. Not to be confused with fabric8's {@code
 * LeaderElectionConfig}, which {@link Controller} builds from this.
 */
@ConfigMapping(prefix = "sluice.leader-election")
public interface LeaderElectionConfig extends SettingsCheck {
  /** False: this replica reconciles without a Lease (one replica only). */
  @WithDefault("true")
  boolean enabled();

  /** Where the Lease lives (default: the daemon's own namespace, POD_NAMESPACE, else default). */
  Optional<String> namespace();

  /** The Lease's name: one per shard (per set of {@code sluice.namespaces}). */
  @WithDefault("sluice-leader")
  String leaseName();

  /** How long a Lease not renewed stays held: a dead leader is replaced within this time. */
  @WithDefault("15s")
  Duration leaseDuration();

  /** How long the leader keeps trying to renew its Lease before it stops reconciling. */
  @WithDefault("10s")
  Duration renewDeadline();

  /** How often a replica tries to take or renew the Lease. */
  @WithDefault("2s")
  Duration retryPeriod();

  @Override
  default void check(Problems problems) {
    LeaderElectionSettingsCheck.check(this, problems);
  }
}
