package dev.sluice.metrics;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * WireMock on a random loopback port standing in for the Prometheus HTTP API. Its config points
 * {@code sluice.prometheus.url} at it and makes timeouts, backoff and the breaker's pause short, so
 * that fault tests take seconds; it is returned here rather than put in a shared
 * application.properties so that it applies only to the tests that use this resource.
 */
public class PrometheusMock implements QuarkusTestResourceLifecycleManager {

  /** Per-attempt timeout in tests; a stub slower than this times out. */
  static final int TIMEOUT_MS = 2000;

  /** How long the breaker stays open in tests. */
  static final int BREAKER_DELAY_MS = 4000;

  /** Attempts in the breaker's window in tests; it opens when half of them failed. */
  static final int BREAKER_VOLUME = 6;

  /** Not the default (3), so that a count of attempts shows the configuration is applied. */
  static final int MAX_RETRIES = 2;

  private WireMockServer server;

  @Override
  public Map<String, String> start() {
    server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
    server.start();
    return fastFaultTolerance("http://127.0.0.1:" + server.port());
  }

  /** The test config for a Prometheus at {@code url}. */
  static Map<String, String> fastFaultTolerance(String url) {
    Map<String, String> config = new HashMap<>();
    config.put("sluice.prometheus.url", url);
    // these tests are about the Prometheus client alone: no Kubernetes API, no controller
    config.put("sluice.controller.enabled", "false");
    config.put("sluice.prometheus.timeout-ms", String.valueOf(TIMEOUT_MS));
    config.put("sluice.prometheus.connect-timeout-ms", String.valueOf(TIMEOUT_MS));
    config.put("sluice.prometheus.retry.max-retries", String.valueOf(MAX_RETRIES));
    config.put("sluice.prometheus.retry.delay-ms", "20");
    config.put("sluice.prometheus.retry.jitter-ms", "10");
    config.put("sluice.prometheus.retry.max-delay-ms", "100");
    config.put("sluice.prometheus.circuit-breaker.request-volume", String.valueOf(BREAKER_VOLUME));
    config.put("sluice.prometheus.circuit-breaker.failure-ratio", "0.5");
    config.put("sluice.prometheus.circuit-breaker.delay-ms", String.valueOf(BREAKER_DELAY_MS));
    return config;
  }

  @Override
  public void inject(TestInjector testInjector) {
    testInjector.injectIntoFields(
        server,
        new TestInjector.AnnotatedAndMatchesType(InjectPrometheusMock.class, WireMockServer.class));
  }

  @Override
  public void stop() {
    if (server != null) {
      server.stop();
    }
  }
}
