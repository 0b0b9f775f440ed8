package dev.sluice.metrics;

import dev.sluice.config.Problems;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The rules of {@link PrometheusConfig}: the URL, and the timeouts, retry and breaker numbers
 * within what SmallRye Fault Tolerance accepts (and what makes sense for a query).
 */
final class PrometheusSettingsCheck {
  private static final String PREFIX = "sluice.prometheus.";

  /** Fault tolerance's {@code @Retry(maxDuration)} (its default, 3 minutes): above the delay. */
  static final long RETRY_MAX_DURATION_MS = 180_000;

  private PrometheusSettingsCheck() {}

  static void check(PrometheusConfig config, Problems problems) {
    url(problems, config.url());
    problems.atLeast(PREFIX + "timeout-ms", config.timeoutMs(), 1);
    problems.atLeast(PREFIX + "connect-timeout-ms", config.connectTimeoutMs(), 1);
    PrometheusConfig.Retry retry = config.retry();
    problems.atLeast(PREFIX + "retry.max-retries", retry.maxRetries(), 0);
    problems.within(PREFIX + "retry.delay-ms", retry.delayMs(), 0, RETRY_MAX_DURATION_MS - 1);
    problems.atLeast(PREFIX + "retry.jitter-ms", retry.jitterMs(), 0);
    if (retry.maxDelayMs() < retry.delayMs()) {
      problems.add(
          PREFIX + "retry.max-delay-ms",
          retry.maxDelayMs(),
          "must be at least " + PREFIX + "retry.delay-ms (" + retry.delayMs() + ")");
    }
    PrometheusConfig.CircuitBreaker breaker = config.circuitBreaker();
    problems.atLeast(PREFIX + "circuit-breaker.request-volume", breaker.requestVolume(), 1);
    double ratio = breaker.failureRatio();
    if (!(ratio > 0 && ratio <= 1)) { // NaN too
      problems.add(
          PREFIX + "circuit-breaker.failure-ratio",
          ratio,
          "must be more than 0 and at most 1 (a share of the attempts)");
    }
    problems.atLeast(PREFIX + "circuit-breaker.delay-ms", breaker.delayMs(), 0);
  }

  private static void url(Problems problems, String url) {
    String property = PREFIX + "url";
    // a password in the URL is not shown (nor is it logged elsewhere)
    String shown = url.replaceFirst("(?<=://)[^/@]*@", "***@");
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      problems.add(property, shown, "is not a URL: " + e.getReason());
      return;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      problems.add(property, shown, "must be an absolute http:// or https:// URL");
    } else if (uri.getHost() == null) {
      problems.add(property, shown, "must name a host (http://host:port/...)");
    }
  }
}
