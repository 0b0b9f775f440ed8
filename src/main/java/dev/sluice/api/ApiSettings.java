package dev.sluice.api;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/** The HTTP API's settings ({@link ApiConfig}) as the API uses them. The token is never logged. */
@ApplicationScoped
public class ApiSettings {
  private static final Logger LOG = Logger.getLogger(ApiSettings.class);

  private final ApiConfig config;

  ApiSettings(ApiConfig config) {
    this.config = config;
  }

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
    return config.token().map(String::strip).filter(s -> !s.isEmpty());
  }

  long maxBodyBytes() {
    return config.maxBodyBytes();
  }

  Duration decisionTimeout() {
    return Duration.ofMillis(config.decisionTimeoutMs());
  }
}
