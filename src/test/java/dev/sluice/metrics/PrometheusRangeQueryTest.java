package dev.sluice.metrics;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import dev.sluice.analysis.QueryResult;
import dev.sluice.analysis.QueryResult.Matrix;
import dev.sluice.analysis.QueryResult.Series;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PrometheusProvider#queryRange} against WireMock serving {@code /api/v1/query_range}: the
 * parameters it sends, the matrix it reads, and the same retries as an instant query.
 */
@QuarkusTest
@WithTestResource(PrometheusMock.class)
class PrometheusRangeQueryTest {
  private static final String RANGE_PATH = "/api/v1/query_range";
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant END = Instant.parse("2026-01-01T00:05:00Z");
  private static final Duration STEP = Duration.ofSeconds(15);

  @InjectPrometheusMock WireMockServer prometheus;

  @Inject MetricProvider provider;

  @Inject CircuitBreakerMaintenance breakers;

  private static boolean warmedUp;

  @BeforeEach
  void reset() {
    if (!warmedUp) {
      prometheus.stubFor(range("warm-up").willReturn(okJson(matrix("[]"))));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> provider.queryRange("warm-up", START, END, STEP) instanceof Matrix);
      warmedUp = true;
    }
    prometheus.resetAll();
    breakers.resetAll();
  }

  @Test
  void sendsStartEndAndStepInSecondsAndReadsTheMatrix() {
    prometheus.stubFor(
        range("latency")
            .withQueryParam("start", equalTo("1767225600.000"))
            .withQueryParam("end", equalTo("1767225900.000"))
            .withQueryParam("step", equalTo("15.000"))
            .willReturn(
                okJson(
                    matrix(
                        "[{\"metric\":{\"destination_version\":\"v2\"},"
                            + "\"values\":[[1767225600,\"100\"],[1767225615,\"NaN\"],"
                            + "[1767225630,\"125.5\"]]}]"))));

    QueryResult r = provider.queryRange("latency", START, END, STEP);

    assertThat(r)
        .isEqualTo(
            new Matrix(
                List.of(
                    new Series(
                        Map.of("destination_version", "v2"), List.of(100.0, Double.NaN, 125.5)))));
  }

  @Test
  void aServerErrorIsRetriedLikeAnInstantQuerys() {
    prometheus.stubFor(
        range("flaky")
            .inScenario("flaky-range")
            .whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(503).withBody("Service Unavailable"))
            .willSetStateTo("recovered"));
    prometheus.stubFor(
        range("flaky")
            .inScenario("flaky-range")
            .whenScenarioStateIs("recovered")
            .willReturn(okJson(matrix("[]"))));

    assertThat(provider.queryRange("flaky", START, END, STEP)).isEqualTo(new Matrix(List.of()));
    assertThat(requestsFor("flaky")).isEqualTo(2);
  }

  @Test
  void aPersistentServerErrorFailsAfterTheRetriesAndARejectionIsNotRetried() {
    prometheus.stubFor(range("broken").willReturn(aResponse().withStatus(500).withBody("down")));
    assertThat(provider.queryRange("broken", START, END, STEP))
        .isInstanceOfSatisfying(
            QueryResult.Failure.class,
            f -> assertThat(f.reason()).contains("HTTP 500").contains("after retrying"));
    assertThat(requestsFor("broken")).isEqualTo(PrometheusMock.MAX_RETRIES + 1);

    prometheus.stubFor(
        range("too-many-points")
            .willReturn(
                aResponse()
                    .withStatus(400)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"exceeded"
                            + " maximum resolution of 11,000 points per timeseries\"}")));
    assertThat(provider.queryRange("too-many-points", START, END, STEP))
        .isInstanceOfSatisfying(
            QueryResult.Failure.class, f -> assertThat(f.reason()).contains("11,000 points"));
    assertThat(requestsFor("too-many-points")).isEqualTo(1);
  }

  @Test
  void anInstantAnswerToARangeQueryAndABadRangeAreFailures() {
    prometheus.stubFor(
        range("odd")
            .willReturn(
                okJson(
                    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}")));
    assertThat(provider.queryRange("odd", START, END, STEP))
        .isInstanceOfSatisfying(
            QueryResult.Failure.class, f -> assertThat(f.reason()).contains("matrix"));
    assertThat(provider.queryRange("latency", END, START, STEP))
        .isInstanceOf(QueryResult.Failure.class);
    assertThat(provider.queryRange("latency", START, END, Duration.ZERO))
        .isInstanceOf(QueryResult.Failure.class);
    assertThat(requestsFor("latency")).isZero();
  }

  private static MappingBuilder range(String promql) {
    return get(urlPathEqualTo(RANGE_PATH)).withQueryParam("query", equalTo(promql));
  }

  private static String matrix(String result) {
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
        + result
        + "}}";
  }

  private int requestsFor(String promql) {
    return prometheus
        .findAll(
            getRequestedFor(urlPathEqualTo(RANGE_PATH)).withQueryParam("query", equalTo(promql)))
        .size();
  }
}
