package dev.sluice.api;

import dev.sluice.config.Problems;
import dev.sluice.config.SettingsCheck;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/**
 * The HTTP API's settings ({@code sluice.api.*}); checked at start by {@link ApiSettingsCheck}.
 * Every request needs {@code Authorization: Bearer <token>}; without a token the API refuses every
 * request (503). The token is never logged.
 */
@ConfigMapping(prefix = "sluice.api")
public interface ApiConfig extends SettingsCheck {
  /**
   * The bearer token every request must carry, from a Secret through {@code SLUICE_API_TOKEN};
   * unset: the API refuses every request.
   */
  Optional<String> token();

  /** Largest request body accepted, in bytes (413 above it; Alertmanager sends ~1 KiB an alert). */
  @WithDefault("1048576")
  long maxBodyBytes();

  /** How long a request waits for the state machine's decision before answering 202 (queued). */
  @WithDefault("10000")
  long decisionTimeoutMs();

  @Override
  default void check(Problems problems) {
    ApiSettingsCheck.check(this, problems);
  }
}
