package dev.sluice.metrics;

import dev.sluice.config.Problems;
import dev.sluice.config.SettingsCheck;
import io.smallrye.config.ConfigMapping;

/**
 * Where Prometheus answers and how hard Sluice tries ({@code sluice.prometheus.*}); checked at
 * start by {@link PrometheusSettingsCheck}. The defaults are in application.properties, not here:
 * that file also hands these values to the REST client and to fault tolerance ({@link
 * PrometheusCall}), whose settings they are.
 */
@ConfigMapping(prefix = "sluice.prometheus")
public interface PrometheusConfig extends SettingsCheck {
  /** The Prometheus HTTP API's root, an absolute http or https URL. */
  String url();

  /** Per attempt: the whole request (fault tolerance's timeout) and the socket read; ms. */
  long timeoutMs();

  /** Per attempt: opening the connection; ms. */
  long connectTimeoutMs();

  /** Retries of a timeout, a transport failure or a 5xx (never of a 4xx). */
  Retry retry();

  /** The breaker that stops querying a Prometheus that keeps failing. */
  CircuitBreaker circuitBreaker();

  /** Exponential backoff from {@code delayMs}, doubling up to {@code maxDelayMs}, with jitter. */
  interface Retry {
    /** Retries after the first attempt (0: none). */
    int maxRetries();

    /** The first retry's delay; ms. */
    long delayMs();

    /** The longest delay the doubling reaches; ms. */
    long maxDelayMs();

    /** Each delay moves by up to this much either way; ms. */
    long jitterMs();
  }

  /** Opens when {@code failureRatio} of the last {@code requestVolume} attempts failed. */
  interface CircuitBreaker {
    /** Attempts the failure ratio is taken over. */
    int requestVolume();

    /** Failed share of those attempts that opens the breaker, in (0, 1]. */
    double failureRatio();

    /** How long the breaker stays open before it lets one query through again; ms. */
    long delayMs();
  }

  @Override
  default void check(Problems problems) {
    PrometheusSettingsCheck.check(this, problems);
  }
}
