package dev.sluice.metrics;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static dev.sluice.metrics.QueryResults.failure;
import static dev.sluice.metrics.QueryResults.samples;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.sluice.analysis.QueryResult.Sample;
import dev.sluice.analysis.QueryResult.Samples;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PrometheusProvider} against WireMock serving the Prometheus HTTP API. Every test uses its
 * own query string and counts only the requests that carry it, so a slow answer left over from
 * another test cannot change a count.
 */
@QuarkusTest
@WithTestResource(PrometheusMock.class)
class PrometheusProviderTest {

  private static final String QUERY_PATH = "/api/v1/query";
  private static final int ATTEMPTS = PrometheusMock.MAX_RETRIES + 1;

  @InjectPrometheusMock WireMockServer prometheus;

  @Inject MetricProvider provider;

  @Inject CircuitBreakerMaintenance breakers;

  @Inject MeterRegistry registry;

  @TestHTTPResource("/q/metrics")
  URI metricsEndpoint;

  private static boolean warmedUp;

  @BeforeEach
  void reset() {
    if (!warmedUp) {
      // The first requests of the application load and set up the HTTP client, which on a busy
      // machine can take longer than the short test timeout; keep that cost out of the tests
      // that count attempts.
      prometheus.stubFor(query("warm-up").willReturn(okJson(vector("[]"))));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> provider.query("warm-up") instanceof Samples);
      warmedUp = true;
    }
    prometheus.resetAll();
    // Each test starts with a closed breaker and an empty window.
    breakers.resetAll();
  }

  // --- answers -----------------------------------------------------------------------------

  @Test
  void oneSeriesVector() {
    prometheus.stubFor(
        query("up{job=\"api\"}")
            .willReturn(
                okJson(vector("[{\"metric\":{\"job\":\"api\"},\"value\":[1700000000,\"1\"]}]"))));

    assertThat(samples(provider.query("up{job=\"api\"}")))
        .containsExactly(new Sample(Map.of("job", "api"), 1.0));
  }

  @Test
  void emptyVectorIsNoSeriesNotAFailure() {
    prometheus.stubFor(query("absent_metric").willReturn(okJson(vector("[]"))));

    assertThat(samples(provider.query("absent_metric"))).isEmpty();
  }

  @Test
  void nanValue() {
    prometheus.stubFor(
        query("0/0").willReturn(okJson(vector("[{\"metric\":{},\"value\":[1,\"NaN\"]}]"))));

    assertThat(samples(provider.query("0/0")))
        .singleElement()
        .satisfies(s -> assertThat(s.value()).isNaN());
  }

  @Test
  void positiveInfinity() {
    prometheus.stubFor(
        query("1/0").willReturn(okJson(vector("[{\"metric\":{},\"value\":[1,\"+Inf\"]}]"))));

    assertThat(samples(provider.query("1/0")))
        .containsExactly(new Sample(Map.of(), Double.POSITIVE_INFINITY));
  }

  @Test
  void severalSeries() {
    prometheus.stubFor(
        query("sum by (version) (rate(requests_total[1m]))")
            .willReturn(
                okJson(
                    vector(
                        """
                        [{"metric":{"version":"v1"},"value":[1700000000,"12.5"]},
                         {"metric":{"version":"v2"},"value":[1700000000,"1.25"]}]
                        """))));

    assertThat(samples(provider.query("sum by (version) (rate(requests_total[1m]))")))
        .containsExactly(
            new Sample(Map.of("version", "v1"), 12.5), new Sample(Map.of("version", "v2"), 1.25));
  }

  @Test
  void scalar() {
    prometheus.stubFor(
        query("scalar(vector(0.99))")
            .willReturn(
                okJson(
                    "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
                        + "\"result\":[1700000000,\"0.99\"]}}")));

    assertThat(samples(provider.query("scalar(vector(0.99))")))
        .containsExactly(new Sample(Map.of(), 0.99));
  }

  @Test
  void queryIsSentVerbatim() {
    // Braces, quotes, regex operators, '+', '&', '%' and spaces must reach Prometheus unchanged:
    // a '+' sent raw would be read back as a space, braces taken for URI templates.
    String promql =
        "sum(rate(http_requests_total{app=\"hello\",code=~\"5..\",path!~\"/a&b%20c\"}[1m]))"
            + " + 1 / {{x}}";
    prometheus.stubFor(
        get(urlPathEqualTo(QUERY_PATH))
            .withQueryParam("query", equalTo(promql))
            .willReturn(okJson(vector("[{\"metric\":{},\"value\":[1,\"3\"]}]"))));

    assertThat(samples(provider.query(promql))).containsExactly(new Sample(Map.of(), 3));
  }

  // --- retries -----------------------------------------------------------------------------

  @Test
  void serverErrorThenSuccessIsRetried() {
    prometheus.stubFor(
        query("flaky")
            .inScenario("flaky")
            .whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(503).withBody("Service Unavailable"))
            .willSetStateTo("recovered"));
    prometheus.stubFor(
        query("flaky")
            .inScenario("flaky")
            .whenScenarioStateIs("recovered")
            .willReturn(okJson(vector("[{\"metric\":{},\"value\":[1,\"5\"]}]"))));

    assertThat(samples(provider.query("flaky"))).containsExactly(new Sample(Map.of(), 5));
    assertThat(requestsFor("flaky")).isEqualTo(2);
  }

  @Test
  void persistentServerErrorFailsAfterRetries() {
    double before = errors("http_5xx");
    prometheus.stubFor(
        query("broken")
            .willReturn(
                aResponse()
                    .withStatus(500)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"status\":\"error\",\"errorType\":\"internal\","
                            + "\"error\":\"storage is on fire\"}")));

    assertThat(failure(provider.query("broken")))
        .contains("HTTP 500")
        .contains("after retrying")
        .contains("storage is on fire")
        .contains(prometheusUrl());
    assertThat(requestsFor("broken")).isEqualTo(ATTEMPTS);
    assertThat(errors("http_5xx")).isEqualTo(before + 1);
  }

  @Test
  void slowAnswerTimesOut() {
    double before = errors("timeout");
    prometheus.stubFor(
        query("slow")
            .willReturn(okJson(vector("[]")).withFixedDelay(PrometheusMock.TIMEOUT_MS * 3)));

    assertThat(failure(provider.query("slow")))
        .contains("did not answer within " + PrometheusMock.TIMEOUT_MS + " ms");
    // The timeout interrupts the calling thread; it must not stay interrupted for its next job.
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    // Every attempt reached WireMock; the journal may record a delayed one late, so wait for it.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(requestsFor("slow")).isEqualTo(ATTEMPTS));
    assertThat(errors("timeout")).isEqualTo(before + 1);
  }

  @Test
  void connectionResetIsUnreachable() {
    double before = errors("unreachable");
    prometheus.stubFor(
        query("reset").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    assertThat(failure(provider.query("reset")))
        .startsWith("cannot reach Prometheus at " + prometheusUrl())
        .contains("after retrying");
    assertThat(requestsFor("reset")).isEqualTo(ATTEMPTS);
    assertThat(errors("unreachable")).isEqualTo(before + 1);
  }

  // --- answers that are not data, not retried ----------------------------------------------

  @Test
  void malformedJson() {
    double before = errors("malformed");
    prometheus.stubFor(
        query("garbage").willReturn(okJson("{\"status\":\"success\",\"data\":{\"resultType\"")));

    assertThat(failure(provider.query("garbage"))).startsWith("malformed answer: not JSON");
    assertThat(requestsFor("garbage")).isEqualTo(1);
    assertThat(errors("malformed")).isEqualTo(before + 1);
  }

  @Test
  void emptyBody() {
    prometheus.stubFor(query("empty").willReturn(aResponse().withStatus(200)));

    assertThat(failure(provider.query("empty"))).isEqualTo("malformed answer: the body is empty");
  }

  @Test
  void badDataIsNotRetried() {
    double before = errors("bad_data");
    prometheus.stubFor(
        query("rate(x[5m]")
            .willReturn(
                aResponse()
                    .withStatus(400)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":"
                            + "\"invalid parameter \\\"query\\\": 1:11: parse error:"
                            + " unclosed left parenthesis\"}")));

    assertThat(failure(provider.query("rate(x[5m]")))
        .contains("bad_data")
        .contains("unclosed left parenthesis");
    assertThat(requestsFor("rate(x[5m]")).isEqualTo(1);
    assertThat(errors("bad_data")).isEqualTo(before + 1);
  }

  @Test
  void executionErrorIsNotRetried() {
    double before = errors("query_error");
    prometheus.stubFor(
        query("heavy")
            .willReturn(
                aResponse()
                    .withStatus(422)
                    .withBody(
                        "{\"status\":\"error\",\"errorType\":\"execution\","
                            + "\"error\":\"query processing would load too many samples\"}")));

    assertThat(failure(provider.query("heavy"))).contains("execution").contains("too many samples");
    assertThat(requestsFor("heavy")).isEqualTo(1);
    assertThat(errors("query_error")).isEqualTo(before + 1);
  }

  @Test
  void statusErrorInA200Body() {
    prometheus.stubFor(
        query("odd")
            .willReturn(
                okJson(
                    "{\"status\":\"error\",\"errorType\":\"bad_data\","
                        + "\"error\":\"unknown function foo\"}")));

    assertThat(failure(provider.query("odd")))
        .isEqualTo("Prometheus rejected the query (bad_data): unknown function foo");
    assertThat(requestsFor("odd")).isEqualTo(1);
  }

  @Test
  void notFoundPointsAtTheUrl() {
    double before = errors("http_4xx");
    prometheus.stubFor(
        query("lost").willReturn(aResponse().withStatus(404).withBody("<html>404 page</html>")));

    assertThat(failure(provider.query("lost")))
        .contains("answered HTTP 404: <html>404 page</html>")
        .contains("sluice.prometheus.url");
    assertThat(requestsFor("lost")).isEqualTo(1);
    assertThat(errors("http_4xx")).isEqualTo(before + 1);
  }

  @Test
  void rangeVectorIsAnUnexpectedType() {
    prometheus.stubFor(
        query("up[5m]")
            .willReturn(
                okJson(
                    "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
                        + "[{\"metric\":{},\"values\":[[1,\"1\"]]}]}}")));

    assertThat(failure(provider.query("up[5m]"))).startsWith("unexpected result type \"matrix\"");
  }

  @Test
  void blankQueryIsNotSent() {
    assertThat(failure(provider.query("  "))).isEqualTo("the query is empty");
    assertThat(failure(provider.query(null))).isEqualTo("the query is empty");
    assertThat(prometheus.getAllServeEvents()).isEmpty();
  }

  // --- circuit breaker ---------------------------------------------------------------------

  @Test
  void circuitBreakerOpensThenCloses() {
    double before = errors("circuit_open");
    prometheus.stubFor(query("outage").willReturn(aResponse().withStatus(502)));

    // Each query makes ATTEMPTS failed attempts; the breaker opens once its window is full.
    int queries = PrometheusMock.BREAKER_VOLUME / ATTEMPTS;
    for (int i = 0; i < queries; i++) {
      assertThat(failure(provider.query("outage"))).contains("HTTP 502");
    }
    assertThat(breakers.currentState(PrometheusCall.BREAKER)).isEqualTo(CircuitBreakerState.OPEN);
    assertThat(requestsFor("outage")).isEqualTo(queries * ATTEMPTS);

    // Open: the query fails at once, without a request.
    assertThat(failure(provider.query("outage"))).contains("circuit breaker is open");
    assertThat(requestsFor("outage")).isEqualTo(queries * ATTEMPTS);
    assertThat(errors("circuit_open")).isEqualTo(before + 1);

    // Prometheus recovers: after the breaker's pause one query goes through, and closes it.
    prometheus.stubFor(
        query("outage").willReturn(okJson(vector("[{\"metric\":{},\"value\":[1,\"1\"]}]"))));
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> provider.query("outage") instanceof Samples);
    assertThat(breakers.currentState(PrometheusCall.BREAKER)).isEqualTo(CircuitBreakerState.CLOSED);
    assertThat(samples(provider.query("outage"))).containsExactly(new Sample(Map.of(), 1));
  }

  // --- metrics -----------------------------------------------------------------------------

  @Test
  void queriesAreTimedAndErrorsCountedInTheExport() throws IOException, InterruptedException {
    long successes = timed("success");
    long failures = timed("failure");
    prometheus.stubFor(query("timed").willReturn(okJson(vector("[]"))));
    prometheus.stubFor(query("timed-wrong").willReturn(aResponse().withStatus(404)));

    provider.query("timed");
    provider.query("timed-wrong");

    assertThat(timed("success")).isEqualTo(successes + 1);
    assertThat(timed("failure")).isEqualTo(failures + 1);
    String scrape =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(metricsEndpoint).build(), BodyHandlers.ofString())
            .body();
    assertThat(scrape)
        .contains("sluice_prometheus_query_seconds_count{outcome=\"success\"")
        .contains("sluice_prometheus_query_errors_total{reason=\"timeout\"")
        .contains("sluice_prometheus_query_errors_total{reason=\"circuit_open\"");
  }

  // --- helpers -----------------------------------------------------------------------------

  private static MappingBuilder query(String promql) {
    return get(urlPathEqualTo(QUERY_PATH)).withQueryParam("query", equalTo(promql));
  }

  private static String vector(String result) {
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
        + result
        + "}}";
  }

  /** The URL Sluice was given (WireMock's own baseUrl() says localhost). */
  private String prometheusUrl() {
    return "http://127.0.0.1:" + prometheus.port();
  }

  private int requestsFor(String promql) {
    return prometheus
        .findAll(
            getRequestedFor(urlPathEqualTo(QUERY_PATH)).withQueryParam("query", equalTo(promql)))
        .size();
  }

  private long timed(String outcome) {
    return registry.get(PrometheusProvider.TIMER).tags("outcome", outcome).timer().count();
  }

  private double errors(String reason) {
    return registry.get(PrometheusProvider.ERRORS).tags("reason", reason).counter().count();
  }
}
