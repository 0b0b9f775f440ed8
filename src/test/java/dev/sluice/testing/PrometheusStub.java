package dev.sluice.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A Prometheus HTTP API served by WireMock for {@code @QuarkusTest}s. Scenario tests each use their
 * own namespace and set, per namespace, what the shipped templates' queries answer.
 */
public class PrometheusStub implements QuarkusTestResourceLifecycleManager {
  private static WireMockServer server;
  private static final Map<String, List<UUID>> STUBS = new ConcurrentHashMap<>();

  @Override
  public Map<String, String> start() {
    server = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    server.start();
    return Map.of(
        "sluice.prometheus.url",
        server.baseUrl(),
        "sluice.prometheus.timeout-ms",
        "2000",
        "sluice.prometheus.retry.max-retries",
        "1",
        "sluice.prometheus.retry.delay-ms",
        "50",
        "sluice.prometheus.retry.jitter-ms",
        "10",
        // one scenario's Prometheus outage must not open the breaker for the others
        "sluice.prometheus.circuit-breaker.request-volume",
        "100000");
  }

  @Override
  public void stop() {
    if (server != null) {
      server.stop();
    }
  }

  public static WireMockServer server() {
    return server;
  }

  private static String inNamespace(String namespace, String also) {
    return "(?s)(?=.*destination_workload_namespace=\""
        + Pattern.quote(namespace)
        + "\")(?=.*"
        + also
        + ").*";
  }

  /** The canary in {@code namespace} measures this error ratio and p99, with {@code requests}. */
  public static void canary(String namespace, double errorRatio, double p99Ms, double requests) {
    stub(namespace, "response_code", vector(errorRatio, requests));
    stub(namespace, "histogram_quantile", vector(p99Ms, requests));
  }

  /**
   * The range query of a compared metric about {@code namespace} whose PromQL contains {@code
   * marker} answers the canary's part ({@code sluice_part="canary"}) with {@code canary} and the
   * stable version's with {@code stable}, one point per step.
   */
  public static void compared(String namespace, String marker, double[] canary, double[] stable) {
    String body =
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
            + series("canary", canary)
            + ","
            + series("stable", stable)
            + "]}}";
    remember(
        namespace,
        server.stubFor(
            get(urlPathEqualTo("/api/v1/query_range"))
                .atPriority(3)
                .withQueryParam("query", matching(inNamespace(namespace, Pattern.quote(marker))))
                .willReturn(
                    aResponse().withHeader("Content-Type", "application/json").withBody(body))));
  }

  private static String series(String part, double[] values) {
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      points.append(i == 0 ? "" : ",");
      points.append(String.format(Locale.ROOT, "[%d,\"%s\"]", 1700000000 + 15 * i, values[i]));
    }
    return "{\"metric\":{\"sluice_part\":\"" + part + "\"},\"values\":[" + points + "]}";
  }

  /** Every query about {@code namespace} answers an empty vector (no data). */
  public static void noData(String namespace) {
    String empty = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}";
    stub(namespace, "", empty);
  }

  /** Every query about {@code namespace} fails: the connection is reset. */
  public static void down(String namespace) {
    remember(
        namespace,
        server.stubFor(
            get(urlPathEqualTo("/api/v1/query"))
                .atPriority(1)
                .withQueryParam("query", matching(inNamespace(namespace, "")))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER))));
  }

  /** Forgets every answer about {@code namespace}. */
  public static void clear(String namespace) {
    List<UUID> ids = STUBS.remove(namespace);
    if (ids != null) {
      ids.forEach(server::removeStubMapping);
    }
  }

  private static void stub(String namespace, String marker, String body) {
    remember(
        namespace,
        server.stubFor(
            get(urlPathEqualTo("/api/v1/query"))
                .atPriority(marker.isEmpty() ? 2 : 3)
                .withQueryParam("query", matching(inNamespace(namespace, Pattern.quote(marker))))
                .willReturn(
                    aResponse().withHeader("Content-Type", "application/json").withBody(body))));
  }

  private static void remember(String namespace, StubMapping m) {
    STUBS.computeIfAbsent(namespace, k -> new ArrayList<>()).add(m.getId());
  }

  /** An answer to a combined query: the value series and the traffic series. */
  static String vector(double value, double requests) {
    return String.format(
        Locale.ROOT,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
            + "{\"metric\":{\"sluice_part\":\"value\"},\"value\":[1700000000,\"%s\"]},"
            + "{\"metric\":{\"sluice_part\":\"traffic\"},\"value\":[1700000000,\"%s\"]}]}}",
        value,
        requests);
  }
}
