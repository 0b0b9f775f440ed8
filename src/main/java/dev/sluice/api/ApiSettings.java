package dev.sluice.api;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The HTTP API's configuration ({@code sluice.api.*}). The token is never logged. */
@ApplicationScoped
public class ApiSettings {
  private static final Logger LOG = Logger.getLogger(ApiSettings.class);

  /** The bearer token every request must carry; unset: the API refuses every request. */
  @ConfigProperty(name = "sluice.api.token")
  Optional<String> token;

  /** Largest request body accepted, in bytes (an Alertmanager payload is ~1 KiB per alert). */
  @ConfigProperty(name = "sluice.api.max-body-bytes", defaultValue = "1048576")
  long maxBodyBytes;

  /** How long a request waits for the state machine to decide a signal before answering 202. */
  @ConfigProperty(name = "sluice.api.decision-timeout-ms", defaultValue = "10000")
  long decisionTimeoutMs;

  void onStart(@Observes StartupEvent ev) {
    Optional<String> t = token();
    if (t.isEmpty()) {
      LOG.warn(
          "no API token configured (sluice.api.token / SLUICE_API_TOKEN): the alert webhook and"
              + " the manual-control API refuse every request with 503");
    } else if (t.get().length() < 16) {
      LOG.warnf(
          "the API token is only %d characters long; use 32 random bytes or more",
          t.get().length());
    } else {
      LOG.info("API token configured; the alert webhook and manual-control API are enabled");
    }
  }

  /** The configured token, stripped (a Secret made from a file often ends in a newline). */
  Optional<String> token() {
    return token.map(String::strip).filter(s -> !s.isEmpty());
  }

  long maxBodyBytes() {
    return maxBodyBytes;
  }

  Duration decisionTimeout() {
    return Duration.ofMillis(decisionTimeoutMs);
  }
}
