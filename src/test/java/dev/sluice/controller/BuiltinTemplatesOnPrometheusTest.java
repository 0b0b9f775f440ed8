package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.analysis.Builtins;
import dev.sluice.analysis.Check;
import dev.sluice.analysis.Judge;
import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import dev.sluice.analysis.QueryResult;
import dev.sluice.analysis.QueryResult.Sample;
import dev.sluice.analysis.Template;
import dev.sluice.analysis.TemplateRenderer;
import dev.sluice.testing.PrometheusServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shipped templates against a real Prometheus: a tiny exporter serves Istio-style counters and
 * histograms (HTTP requests and TCP connections) whose rates the test controls, one namespace per
 * scenario; Prometheus scrapes it every second; each template is rendered by {@link
 * TemplateRenderer}, its combined query ({@link Check#promql()}) is run over HTTP, and the answer
 * is judged by {@link Judge}.
 *
 * <p>Needs {@code /usr/bin/prometheus} ({@code apt-get install prometheus}), another binary on
 * {@code PATH}, or one named by {@code -Dsluice.prometheus.binary=...}; skipped without it.
 */
@EnabledIf(
    value = "prometheusInstalled",
    disabledReason = BuiltinTemplatesOnPrometheusTest.INSTALL_HINT)
class BuiltinTemplatesOnPrometheusTest {

  static final String INSTALL_HINT =
      "no prometheus binary at /usr/bin/prometheus (nor on PATH): install it with "
          + "'apt-get install prometheus' to run the built-in templates against a real Prometheus";

  /** Istio's default request duration buckets, in milliseconds. */
  static final double[] ISTIO_BUCKETS = {
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
    1800000, 3600000
  };

  /**
   * One version of the app {@code shop} in namespace {@code ns}: requests per second answered 200
   * and 5xx, all taking {@code latencyMs}. A frozen workload has series whose counters never move
   * (it had traffic long ago, none in the window).
   */
  record Workload(
      String ns,
      String version,
      double okPerSec,
      double errPerSec,
      double latencyMs,
      boolean frozen) {
    static Workload serving(String ns, String version, double ok, double err, double latencyMs) {
      return new Workload(ns, version, ok, err, latencyMs, false);
    }

    static Workload frozen(String ns, String version) {
      return new Workload(ns, version, 0, 0, 20, true);
    }
  }

  static final List<Workload> WORKLOADS =
      List.of(
          // healthy: no 5xx at all on the canary; stable has an old 5xx series that no longer moves
          Workload.serving("healthy", "v2", 20, 0, 20),
          Workload.serving("healthy", "v1", 20, 0, 20),
          // broken: half the canary's requests fail; stable is fine
          Workload.serving("broken", "v2", 10, 10, 20),
          Workload.serving("broken", "v1", 10, 0, 20),
          // quiet: the canary gets a request every 20 s (< 20 in any 1m window)
          Workload.serving("quiet", "v2", 0.05, 0, 20),
          Workload.serving("quiet", "v1", 10, 0, 20),
          // slow: every canary request takes 2 s
          Workload.serving("slow", "v2", 20, 0, 2000),
          Workload.serving("slow", "v1", 20, 0, 20),
          // stuck: every canary request lands beyond the highest finite bucket (+Inf bucket)
          Workload.serving("stuck", "v2", 20, 0, 5_000_000),
          Workload.serving("stuck", "v1", 20, 0, 20),
          // both-bad: a downstream outage, 1 in 6 requests fail on both versions alike
          Workload.serving("both-bad", "v2", 10, 2, 20),
          Workload.serving("both-bad", "v1", 10, 2, 20),
          // subtle: the canary is 25% slower than stable, both far under latency-p99's 500 ms
          Workload.serving("subtle", "v2", 20, 0, 125),
          Workload.serving("subtle", "v1", 20, 0, 100),
          // new-app: no stable series at all
          Workload.serving("new-app", "v2", 20, 0, 20),
          // idle-stable: stable's series exist but carry no traffic in the window
          Workload.serving("idle-stable", "v2", 20, 0, 20),
          Workload.frozen("idle-stable", "v1"),
          // idle: the canary's series exist but carry no traffic in the window
          Workload.frozen("idle", "v2"),
          Workload.serving("idle", "v1", 10, 0, 20));

  /**
   * One version of the app {@code shop}'s TCP side in namespace {@code ns}, as Istio's TCP metrics
   * report it: connections per second that end normally ({@code response_flags="-"}, or no such
   * label at all when {@code unlabelled}) and connections per second that Envoy ends with each set
   * of flags; bytes per second received from the clients and sent to them (by default 400 and 4,000
   * bytes per connection). Every connection opens and closes within a second or so, except a pooled
   * workload's: it opened its connections once and keeps them. A frozen workload had connections,
   * failed ones too, long ago and none in the window.
   */
  record TcpWorkload(
      String ns,
      String version,
      double okPerSec,
      Map<String, Double> failedPerSec,
      double receivedPerSec,
      double sentPerSec,
      boolean pooled,
      boolean unlabelled,
      boolean frozen) {
    static TcpWorkload serving(String ns, String version, double ok, Map<String, Double> failed) {
      double connections = ok + failed.values().stream().mapToDouble(Double::doubleValue).sum();
      return new TcpWorkload(
          ns, version, ok, failed, 400 * connections, 4000 * ok, false, false, false);
    }

    static TcpWorkload healthy(String ns, String version, double ok) {
      return serving(ns, version, ok, Map.of());
    }

    static TcpWorkload pooled(String ns, String version) {
      return new TcpWorkload(ns, version, 0, Map.of(), 5000, 20000, true, false, false);
    }

    static TcpWorkload unlabelled(String ns, String version, double ok) {
      return new TcpWorkload(ns, version, ok, Map.of(), 400 * ok, 4000 * ok, false, true, false);
    }

    static TcpWorkload frozen(String ns, String version) {
      return new TcpWorkload(ns, version, 0, Map.of("UF", 0.0), 0, 0, false, false, true);
    }

    TcpWorkload bytes(double received, double sent) {
      return new TcpWorkload(
          ns, version, okPerSec, failedPerSec, received, sent, pooled, unlabelled, frozen);
    }

    double failedPerSecInAll() {
      return failedPerSec.values().stream().mapToDouble(Double::doubleValue).sum();
    }
  }

  static final List<TcpWorkload> TCP_WORKLOADS =
      List.of(
          // tcp-healthy: no canary connection fails, and it has no flagged series at all (the
          // numerator has no series: it must give 0, not "no data"); stable has an old failure
          TcpWorkload.healthy("tcp-healthy", "v2", 5),
          TcpWorkload.serving("tcp-healthy", "v1", 5, Map.of("UF", 0.0)),
          // tcp-broken: 2 of the canary's 5 connections per second fail (as two flag sets)
          TcpWorkload.serving("tcp-broken", "v2", 3, Map.of("UF", 1.0, "UF,URX", 1.0)),
          TcpWorkload.healthy("tcp-broken", "v1", 5),
          // tcp-quiet: a canary connection every 20 s (< 10 in any 1m window), and 5 bytes a
          // second from its clients (< 1,024 in any 1m window) while it streams 50 kB/s to them
          TcpWorkload.healthy("tcp-quiet", "v2", 0.05).bytes(5, 50_000),
          TcpWorkload.healthy("tcp-quiet", "v1", 5),
          // tcp-pooled: the canary's clients keep their connections: none closes, bytes flow
          TcpWorkload.pooled("tcp-pooled", "v2"),
          TcpWorkload.healthy("tcp-pooled", "v1", 5),
          // tcp-unlabelled: closed connections without a response_flags label are no failures
          TcpWorkload.unlabelled("tcp-unlabelled", "v2", 5),
          // tcp-both-bad: a downstream outage, 1 in 5 connections fails on both versions alike
          TcpWorkload.serving("tcp-both-bad", "v2", 4, Map.of("UF", 1.0)),
          TcpWorkload.serving("tcp-both-bad", "v1", 4, Map.of("UF", 1.0)),
          // tcp-idle-stable: stable's series exist but no stable connection closes in the window
          TcpWorkload.healthy("tcp-idle-stable", "v2", 5),
          TcpWorkload.frozen("tcp-idle-stable", "v1"),
          // tcp-idle: the canary's series exist but carry no connection in the window
          TcpWorkload.frozen("tcp-idle", "v2"),
          TcpWorkload.healthy("tcp-idle", "v1", 5));

  // "nowhere" has no series at all.

  /**
   * Alerts for alerts-firing, each always true, labelled as an SRE would label them; one scenario
   * (namespace) each. The app is "shop" and the Canary is named after the namespace, as in {@link
   * #render}.
   */
  static final String ALERTING_RULES =
      """
      groups:
        - name: sluice-test
          interval: 1s
          rules:
            - alert: ShopErrors
              expr: vector(1)
              labels: {namespace: alerting, app: shop, severity: page}
            - alert: ShopLatency
              expr: vector(1)
              labels: {namespace: alerting, app: shop, severity: ticket}
            - alert: ShopSlowSoon
              expr: vector(1)
              for: 1h
              labels: {namespace: alert-pending, app: shop}
            - alert: OtherAppErrors
              expr: vector(1)
              labels: {namespace: alert-other-app, app: other}
            - alert: ShopInAnotherNamespace
              expr: vector(1)
              labels: {namespace: elsewhere, app: shop}
            - alert: ByService
              expr: vector(1)
              labels: {namespace: alert-by-service, service: shop}
            - alert: ServiceButAnotherApp
              expr: vector(1)
              labels: {namespace: alert-service-other-app, app: other, service: shop}
            - alert: Explicit
              expr: vector(1)
              labels: {sluice_canary: alert-explicit/alert-explicit}
            - alert: ExplicitlyAboutAnotherCanary
              expr: vector(1)
              labels: {sluice_canary: elsewhere/shop, namespace: alert-explicit-elsewhere, app: shop}
      """;

  static HttpServer exporter;
  static PrometheusServer prometheus;
  static Path log;
  static URI prometheusUrl;
  static final long STARTED = System.nanoTime();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final ObjectMapper JSON = new ObjectMapper();

  static boolean prometheusInstalled() {
    boolean installed = PrometheusServer.find() != null;
    if (!installed) {
      System.err.println("SKIPPED BuiltinTemplatesOnPrometheusTest: " + INSTALL_HINT);
    }
    return installed;
  }

  @BeforeAll
  static void startExporterAndPrometheus() throws Exception {
    exporter = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    exporter.createContext(
        "/metrics",
        exchange -> {
          byte[] body = exposition().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    exporter.start();

    log = Files.createTempFile("sluice-prometheus-test-", ".log");
    int exporterPort = exporter.getAddress().getPort();
    prometheus =
        new PrometheusServer(
            PrometheusServer.find(),
            rules ->
                """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: istio-like
                    scrape_interval: 1s
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """
                    .formatted(rules, exporterPort),
            ALERTING_RULES,
            log);
    prometheusUrl = prometheus.url();

    // Enough scrapes that every rate has several samples, and the busiest scenarios > 20 requests.
    await("8 scrapes in Prometheus")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              QueryResult r = query("count_over_time(up{job=\"istio-like\"}[1m])");
              return r instanceof QueryResult.Samples s
                  && !s.samples().isEmpty()
                  && s.samples().get(0).value() >= 8;
            });
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    if (exporter != null) {
      exporter.stop(0);
    }
    if (log != null) {
      Files.deleteIfExists(log);
    }
  }

  // ---- the exporter ----------------------------------------------------------------------

  static String exposition() {
    double t = (System.nanoTime() - STARTED) / 1e9;
    StringBuilder out = new StringBuilder();
    out.append("# TYPE istio_requests_total counter\n");
    for (Workload w : WORKLOADS) {
      double ok = w.frozen ? 1000 : w.okPerSec * t;
      double err = w.frozen ? 10 : w.errPerSec * t;
      String labels = destination(w.ns, "shop", w.version);
      out.append(counter("istio_requests_total", labels + ",response_code=\"200\"", ok));
      if (w.errPerSec > 0 || w.frozen) {
        out.append(counter("istio_requests_total", labels + ",response_code=\"503\"", err));
      }
    }
    // An old 5xx series on healthy's stable that no longer moves.
    out.append(
        counter(
            "istio_requests_total",
            destination("healthy", "shop", "v1") + ",response_code=\"500\"",
            7));
    // Noise the templates must ignore: the client-side view, and another app, both all 5xx.
    out.append(
        counter(
            "istio_requests_total",
            destination("healthy", "shop", "v2").replace("destination\"", "source\"")
                + ",response_code=\"503\"",
            50 * t));
    out.append(
        counter(
            "istio_requests_total",
            destination("healthy", "other", "v2") + ",response_code=\"503\"",
            50 * t));

    out.append("# TYPE istio_request_duration_milliseconds histogram\n");
    for (Workload w : WORKLOADS) {
      double n = w.frozen ? 1010 : (w.okPerSec + w.errPerSec) * t;
      String labels = destination(w.ns, "shop", w.version);
      for (double le : ISTIO_BUCKETS) {
        out.append(
            counter(
                "istio_request_duration_milliseconds_bucket",
                labels + ",le=\"" + le + "\"",
                w.latencyMs <= le ? n : 0));
      }
      out.append(counter("istio_request_duration_milliseconds_bucket", labels + ",le=\"+Inf\"", n));
      out.append(counter("istio_request_duration_milliseconds_count", labels, n));
      out.append(counter("istio_request_duration_milliseconds_sum", labels, n * w.latencyMs));
    }

    out.append("# TYPE istio_tcp_connections_opened_total counter\n");
    for (TcpWorkload w : TCP_WORKLOADS) {
      double opened = w.frozen ? 520 : w.pooled ? 4 : (w.okPerSec + w.failedPerSecInAll()) * t;
      out.append(
          counter(
              "istio_tcp_connections_opened_total",
              destination(w.ns, "shop", w.version) + ",response_flags=\"-\"",
              opened));
    }
    out.append("# TYPE istio_tcp_connections_closed_total counter\n");
    for (TcpWorkload w : TCP_WORKLOADS) {
      String labels = destination(w.ns, "shop", w.version);
      if (!w.pooled) {
        out.append(
            counter(
                "istio_tcp_connections_closed_total",
                labels + (w.unlabelled ? "" : ",response_flags=\"-\""),
                w.frozen ? 500 : w.okPerSec * t));
      }
      // a flag set with 0 per second is an old failure whose series no longer moves
      w.failedPerSec.forEach(
          (flags, perSec) ->
              out.append(
                  counter(
                      "istio_tcp_connections_closed_total",
                      labels + ",response_flags=\"" + flags + "\"",
                      perSec == 0 ? 20 : perSec * t)));
    }
    out.append("# TYPE istio_tcp_received_bytes_total counter\n");
    out.append("# TYPE istio_tcp_sent_bytes_total counter\n");
    for (TcpWorkload w : TCP_WORKLOADS) {
      String labels = destination(w.ns, "shop", w.version) + ",response_flags=\"-\"";
      out.append(
          counter(
              "istio_tcp_received_bytes_total",
              labels,
              w.frozen ? 1_000_000 : w.receivedPerSec * t));
      out.append(
          counter("istio_tcp_sent_bytes_total", labels, w.frozen ? 9_000_000 : w.sentPerSec * t));
    }
    // Noise the TCP templates must ignore: the client-side view, and another app, both failing
    // (and the client side of tcp-quiet's canary busy).
    out.append(
        counter(
            "istio_tcp_received_bytes_total",
            destination("tcp-quiet", "shop", "v2").replace("destination\"", "source\"")
                + ",response_flags=\"-\"",
            50_000 * t));
    out.append(
        counter(
            "istio_tcp_connections_closed_total",
            destination("tcp-healthy", "shop", "v2").replace("destination\"", "source\"")
                + ",response_flags=\"UF\"",
            50 * t));
    out.append(
        counter(
            "istio_tcp_connections_closed_total",
            destination("tcp-healthy", "other", "v2") + ",response_flags=\"UF\"",
            50 * t));
    return out.toString();
  }

  static String destination(String ns, String app, String version) {
    return "reporter=\"destination\",destination_workload_namespace=\""
        + ns
        + "\",destination_app=\""
        + app
        + "\",destination_version=\""
        + version
        + "\"";
  }

  static String counter(String name, String labels, double value) {
    return name + "{" + labels + "} " + value + "\n";
  }

  // ---- the Prometheus client (plain JDK HttpClient) --------------------------------------

  static HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(prometheusUrl.resolve(pathAndQuery))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Runs an instant query and turns the answer into the judge's plain data. */
  static QueryResult query(String promql) {
    try {
      HttpResponse<String> response =
          get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
      JsonNode body = JSON.readTree(response.body());
      if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
        return new QueryResult.Failure(
            "HTTP " + response.statusCode() + ": " + body.path("error").asText(response.body()));
      }
      JsonNode data = body.path("data");
      List<Sample> samples = new ArrayList<>();
      switch (data.path("resultType").asText()) {
        case "vector" -> {
          for (JsonNode series : data.path("result")) {
            Map<String, String> labels = new HashMap<>();
            series
                .path("metric")
                .fields()
                .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            samples.add(new Sample(labels, number(series.path("value").path(1).asText())));
          }
        }
        case "scalar" ->
            samples.add(new Sample(Map.of(), number(data.path("result").path(1).asText())));
        default -> {
          return new QueryResult.Failure("unexpected result type " + data.path("resultType"));
        }
      }
      return new QueryResult.Samples(samples);
    } catch (IOException e) {
      return new QueryResult.Failure(e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new QueryResult.Failure("interrupted");
    }
  }

  static double number(String s) {
    return switch (s) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(s); // "NaN" parses
    };
  }

  // ---- the checks ------------------------------------------------------------------------

  static Check render(String template, String ns) {
    Template t = BuiltinTemplates.templates().get(template);
    List<Check> checks =
        TemplateRenderer.render(t, Map.of(), Builtins.of(ns, "shop", "v2", "v1", ns));
    assertThat(checks).hasSize(1);
    return checks.get(0);
  }

  static Measurement measure(Check check) {
    QueryResult result = query(check.promql());
    Measurement m = Judge.judge(check, result, Instant.now());
    System.out.println("[prometheus] " + m.outcome() + "  " + m.message());
    return m;
  }

  static Stream<Arguments> expectations() {
    double none = Double.NaN; // no value expected
    return Stream.of(
        // namespace, template, outcome, expected value (NaN: none checked), tolerance
        Arguments.of("healthy", "error-rate", Outcome.PASS, 0.0, 0.0),
        Arguments.of("healthy", "latency-p99", Outcome.PASS, 24.85, 0.01),
        Arguments.of("healthy", "error-rate-vs-stable", Outcome.PASS, 0.0, 0.0),
        Arguments.of("broken", "error-rate", Outcome.FAIL, 0.5, 1e-9),
        Arguments.of("broken", "latency-p99", Outcome.PASS, 24.85, 0.01),
        Arguments.of("broken", "error-rate-vs-stable", Outcome.FAIL, 0.5, 1e-9),
        Arguments.of("quiet", "error-rate", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("quiet", "latency-p99", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("quiet", "error-rate-vs-stable", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("slow", "error-rate", Outcome.PASS, 0.0, 0.0),
        Arguments.of("slow", "latency-p99", Outcome.FAIL, 2485.0, 0.01),
        Arguments.of("stuck", "latency-p99", Outcome.FAIL, 3600000.0, 0.0),
        // 125 ms lands in Istio's (100, 250] bucket: p99 = 100 + 0.99 * 150, under 500
        Arguments.of("subtle", "latency-p99", Outcome.PASS, 248.5, 0.01),
        Arguments.of("both-bad", "error-rate", Outcome.FAIL, 1.0 / 6, 1e-9),
        Arguments.of("both-bad", "error-rate-vs-stable", Outcome.PASS, 0.0, 1e-9),
        Arguments.of("new-app", "error-rate-vs-stable", Outcome.PASS, 0.0, 0.0),
        Arguments.of("idle-stable", "error-rate-vs-stable", Outcome.PASS, 0.0, 0.0),
        Arguments.of("idle", "error-rate", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("idle", "latency-p99", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("idle", "error-rate-vs-stable", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("nowhere", "error-rate", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("nowhere", "latency-p99", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("nowhere", "error-rate-vs-stable", Outcome.INCONCLUSIVE, none, 0.0),
        // TCP
        Arguments.of("tcp-healthy", "tcp-connection-failures", Outcome.PASS, 0.0, 0.0),
        Arguments.of("tcp-broken", "tcp-connection-failures", Outcome.FAIL, 0.4, 1e-9),
        Arguments.of("tcp-quiet", "tcp-connection-failures", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("tcp-pooled", "tcp-connection-failures", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("tcp-unlabelled", "tcp-connection-failures", Outcome.PASS, 0.0, 0.0),
        Arguments.of("tcp-both-bad", "tcp-connection-failures", Outcome.FAIL, 0.2, 1e-9),
        Arguments.of("tcp-idle", "tcp-connection-failures", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("nowhere", "tcp-connection-failures", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("tcp-healthy", "tcp-connection-failures-vs-stable", Outcome.PASS, 0.0, 0.0),
        Arguments.of("tcp-broken", "tcp-connection-failures-vs-stable", Outcome.FAIL, 0.4, 1e-9),
        Arguments.of("tcp-both-bad", "tcp-connection-failures-vs-stable", Outcome.PASS, 0.0, 1e-9),
        // no stable series at all, and stable series without a closed connection: a share of 0
        Arguments.of("tcp-unlabelled", "tcp-connection-failures-vs-stable", Outcome.PASS, 0.0, 0.0),
        Arguments.of(
            "tcp-idle-stable", "tcp-connection-failures-vs-stable", Outcome.PASS, 0.0, 0.0),
        Arguments.of(
            "tcp-quiet", "tcp-connection-failures-vs-stable", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of(
            "tcp-idle", "tcp-connection-failures-vs-stable", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of(
            "nowhere", "tcp-connection-failures-vs-stable", Outcome.INCONCLUSIVE, none, 0.0),
        // tcp-traffic: enough bytes pass whatever the connections did; too few is inconclusive
        Arguments.of("tcp-healthy", "tcp-traffic", Outcome.PASS, none, 0.0),
        Arguments.of("tcp-broken", "tcp-traffic", Outcome.PASS, none, 0.0),
        Arguments.of("tcp-pooled", "tcp-traffic", Outcome.PASS, none, 0.0),
        Arguments.of("tcp-quiet", "tcp-traffic", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("tcp-idle", "tcp-traffic", Outcome.INCONCLUSIVE, none, 0.0),
        Arguments.of("nowhere", "tcp-traffic", Outcome.INCONCLUSIVE, none, 0.0));
  }

  @ParameterizedTest(name = "{1} on {0} -> {2}")
  @MethodSource("expectations")
  void theShippedTemplateJudgesTheScenario(
      String ns, String template, Outcome expected, double value, double tolerance) {
    Measurement m = measure(render(template, ns));

    assertThat(m.outcome()).as(m.message()).isEqualTo(expected);
    if (!Double.isNaN(value)) {
      assertThat(m.value()).isPresent();
      assertThat(m.value().getAsDouble()).as(m.message()).isCloseTo(value, within(tolerance));
    }
  }

  static Stream<Arguments> alertScenarios() {
    return Stream.of(
        Arguments.of("alerting", Outcome.FAIL, 2.0),
        Arguments.of("alert-by-service", Outcome.FAIL, 1.0),
        Arguments.of("alert-explicit", Outcome.FAIL, 1.0),
        Arguments.of("alert-pending", Outcome.PASS, 0.0),
        Arguments.of("alert-other-app", Outcome.PASS, 0.0),
        Arguments.of("alert-service-other-app", Outcome.PASS, 0.0),
        Arguments.of("alert-explicit-elsewhere", Outcome.PASS, 0.0),
        // no alert at all, not even a series: a pass, not inconclusive
        Arguments.of("nowhere", Outcome.PASS, 0.0));
  }

  @ParameterizedTest(name = "alerts-firing on {0} -> {1}")
  @MethodSource("alertScenarios")
  void alertsFiringFailsOnlyWhileAnAlertAboutTheCanaryFires(
      String ns, Outcome expected, double value) {
    // the rules are evaluated every second: wait until the eight always-true alerts without "for"
    // fire
    await("alerting rules evaluated")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                query("count(ALERTS{alertstate=\"firing\"})") instanceof QueryResult.Samples s
                    && !s.samples().isEmpty()
                    && s.samples().get(0).value() >= 8);

    Measurement m = measure(render("alerts-firing", ns));

    assertThat(m.outcome()).as(m.message()).isEqualTo(expected);
    assertThat(m.value()).hasValue(value);
  }

  @Test
  void tooFewRequestsSaysHowMany() {
    Measurement m = measure(render("error-rate", "quiet"));
    assertThat(m.message())
        .containsPattern("error-rate/error-ratio: [0-9.]+ requests < 20 minimum");
  }

  @Test
  void tooFewClosedConnectionsSaysHowMany() {
    Measurement m = measure(render("tcp-connection-failures", "tcp-quiet"));
    assertThat(m.message())
        .containsPattern(
            "tcp-connection-failures/failed-connection-ratio: [0-9.]+ requests < 10 minimum");
  }

  @Test
  void tcpTrafficsValueIsTheBytesTheCanaryReceived() {
    Measurement m = measure(render("tcp-traffic", "tcp-pooled"));
    // the exporter's counters started at 0 when the class loaded: no window holds more than that
    double seconds = Math.min(60, (System.nanoTime() - STARTED) / 1e9);

    // the pooled canary's clients send it 5,000 bytes a second (it sends 20,000 back): the 1m
    // count is 5,000 a second over at least the 8 scrapes awaited and at most the window
    assertThat(m.outcome()).as(m.message()).isEqualTo(Outcome.PASS);
    assertThat(m.value().getAsDouble())
        .as(m.message())
        .isBetween(5000.0 * 6, 5000.0 * (seconds + 2));
    assertThat(m.message())
        .containsPattern("tcp-traffic/received-bytes: value [0-9.e+]+ meets min 0");
  }

  @Test
  void tooFewBytesIsInconclusiveNotAFailure() {
    Measurement m = measure(render("tcp-traffic", "tcp-quiet"));
    assertThat(m.outcome()).as(m.message()).isEqualTo(Outcome.INCONCLUSIVE);
    assertThat(m.message())
        .containsPattern("tcp-traffic/received-bytes: [0-9.]+ requests < 1024 minimum");
  }

  @Test
  void theCombinedQueryAnswersBothPartsInOneResponse() {
    Check check = render("error-rate", "healthy");
    QueryResult result = query(check.promql());

    assertThat(result).isInstanceOf(QueryResult.Samples.class);
    assertThat(((QueryResult.Samples) result).samples())
        .extracting(s -> s.labels().get(Check.PART_LABEL))
        .containsExactlyInAnyOrder(Check.PART_VALUE, Check.PART_TRAFFIC);
  }

  /** Without the guard, the value queries alone say "no data" (or NaN) when there is no traffic. */
  @ParameterizedTest(name = "{1} on {0}, value query alone")
  @MethodSource("unguarded")
  void withNoRequestsTheValueQueryAloneIsInconclusive(String ns, String template, String why) {
    Check guarded = render(template, ns);
    Check alone =
        new Check(
            guarded.template(),
            guarded.name(),
            guarded.query(),
            guarded.min(),
            guarded.max(),
            null,
            0);

    Measurement m = measure(alone);

    assertThat(m.outcome()).as(m.message()).isEqualTo(Outcome.INCONCLUSIVE);
    assertThat(m.message()).contains(why);
  }

  static Stream<Arguments> unguarded() {
    return Stream.of(
        Arguments.of("idle", "error-rate", "value is NaN"),
        Arguments.of("idle", "latency-p99", "value is NaN"),
        Arguments.of("idle", "error-rate-vs-stable", "value is NaN"),
        Arguments.of("nowhere", "error-rate", "no data"),
        Arguments.of("nowhere", "latency-p99", "no data"),
        Arguments.of("nowhere", "error-rate-vs-stable", "no data"),
        Arguments.of("tcp-idle", "tcp-connection-failures", "value is NaN"),
        Arguments.of("tcp-pooled", "tcp-connection-failures", "no data"),
        Arguments.of("nowhere", "tcp-connection-failures", "no data"),
        Arguments.of("tcp-idle", "tcp-connection-failures-vs-stable", "value is NaN"),
        Arguments.of("nowhere", "tcp-connection-failures-vs-stable", "no data"));
  }

  @Test
  void aQueryPrometheusRejectsIsAnError() {
    Check bad =
        new Check(
            "t",
            "bad",
            "sum(rate(x[1m]",
            OptionalDouble.empty(),
            OptionalDouble.of(1),
            "sum(y)",
            1);
    Measurement m = measure(bad);
    assertThat(m.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(m.message()).contains("HTTP 400");
  }

  @Test
  void aCommentOnTheValueQuerysLastLineStillGivesAValidCombinedQuery() {
    Check check =
        new Check(
            "t",
            "commented",
            "vector(0) # a comment",
            OptionalDouble.empty(),
            OptionalDouble.of(1),
            "vector(30)",
            20);
    Measurement m = measure(check);
    assertThat(m.outcome()).as(m.message()).isEqualTo(Outcome.PASS);
  }

  // ---- the compared templates (range queries, the statistical judge) ---------------------

  /**
   * The compared templates' arguments for a Prometheus that has run for half a minute at a scrape a
   * second: 20 s of points, one a second, each a rate over 5 s.
   */
  static final Map<String, String> SHORT_COMPARE =
      Map.of("lookback", "20s", "step", "1s", "rateWindow", "5s", "minPoints", "10");

  /** Runs a range query and parses the answer as Sluice does. */
  static QueryResult queryRange(String promql, Instant start, Instant end, Duration step) {
    try {
      HttpResponse<String> response =
          get(
              "/api/v1/query_range?query="
                  + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                  + "&start="
                  + start.getEpochSecond()
                  + "&end="
                  + end.getEpochSecond()
                  + "&step="
                  + step.toSeconds());
      return dev.sluice.metrics.PrometheusAnswerParser.parseRange(response.body());
    } catch (IOException e) {
      return new QueryResult.Failure(e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new QueryResult.Failure("interrupted");
    }
  }

  static Measurement compared(String template, String ns) {
    await("25 s of scrapes in Prometheus")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              QueryResult r = query("count_over_time(up{job=\"istio-like\"}[1m])");
              return r instanceof QueryResult.Samples s
                  && !s.samples().isEmpty()
                  && s.samples().get(0).value() >= 25;
            });
    Template t = BuiltinTemplates.templates().get(template);
    List<Check> checks =
        TemplateRenderer.render(t, SHORT_COMPARE, Builtins.of(ns, "shop", "v2", "v1", ns));
    assertThat(checks).hasSize(1);
    Check check = checks.get(0);
    Instant end = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    List<dev.sluice.analysis.ScoreJudge.Answers> answers = new ArrayList<>();
    for (dev.sluice.analysis.compare.ComparedMetric metric : check.compare().metrics()) {
      Instant start = end.minus(metric.window());
      // the one combined query Sluice runs: both versions, told apart by sluice_part
      answers.add(
          dev.sluice.analysis.ScoreJudge.Answers.split(
              queryRange(metric.promql(), start, end, metric.resolution())));
    }
    Measurement m = dev.sluice.analysis.ScoreJudge.judge(check, answers, Instant.now());
    System.out.println("[prometheus] " + m.outcome() + "  " + m.message());
    return m;
  }

  static Stream<Arguments> comparedExpectations() {
    return Stream.of(
        // namespace, template, outcome, score (NaN: none)
        Arguments.of("healthy", "error-rate-compare", Outcome.PASS, 100.0),
        Arguments.of("healthy", "latency-compare", Outcome.PASS, 100.0),
        Arguments.of("broken", "error-rate-compare", Outcome.FAIL, 0.0),
        Arguments.of("broken", "latency-compare", Outcome.PASS, 100.0),
        Arguments.of("slow", "latency-compare", Outcome.FAIL, 0.0),
        Arguments.of("slow", "error-rate-compare", Outcome.PASS, 100.0),
        // 25% slower, under any sensible fixed threshold: latency-p99 passes it, this does not
        Arguments.of("subtle", "latency-compare", Outcome.FAIL, 0.0),
        // a downstream outage on both versions alike is not the canary's fault
        Arguments.of("both-bad", "error-rate-compare", Outcome.PASS, 100.0),
        // no stable series, no canary series, a canary without requests (0/0, NaN, removed)
        Arguments.of("new-app", "latency-compare", Outcome.INCONCLUSIVE, Double.NaN),
        Arguments.of("nowhere", "error-rate-compare", Outcome.INCONCLUSIVE, Double.NaN),
        Arguments.of("idle", "error-rate-compare", Outcome.INCONCLUSIVE, Double.NaN),
        Arguments.of("idle", "latency-compare", Outcome.INCONCLUSIVE, Double.NaN));
  }

  @ParameterizedTest(name = "{1} on {0} -> {2}")
  @MethodSource("comparedExpectations")
  void theComparedTemplateJudgesTheScenario(
      String ns, String template, Outcome expected, double score) {
    Measurement m = compared(template, ns);

    assertThat(m.outcome()).as(m.message()).isEqualTo(expected);
    if (Double.isNaN(score)) {
      assertThat(m.value()).as(m.message()).isEmpty();
    } else {
      assertThat(m.value()).as(m.message()).hasValue(score);
    }
    var metric = m.compared().get(0);
    if (expected != Outcome.INCONCLUSIVE) {
      assertThat(metric.comparison().canaryPoints()).as(m.message()).isEqualTo(21);
      assertThat(metric.comparison().stablePoints()).as(m.message()).isEqualTo(21);
    } else {
      assertThat(metric.comparison().reason()).contains("too few points");
    }
  }

  @Test
  void theSubtleCanarysMediansAreHistogramQuantilesOfTheirBuckets() {
    var c = compared("latency-compare", "subtle").compared().get(0).comparison();
    // 0.9 of the way through Istio's buckets: (50, 100] for stable, (100, 250] for the canary
    assertThat(c.stableMedian().getAsDouble()).isCloseTo(95.0, within(0.01));
    assertThat(c.canaryMedian().getAsDouble()).isCloseTo(235.0, within(0.01));
    assertThat(c.pValue().getAsDouble()).isLessThan(1e-6);
  }
}
