package dev.sluice.sandbox;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.testing.DaemonThreads;
import dev.sluice.testing.LoopbackHttp;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Histogram;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * Istio's standard HTTP metrics as the sidecars of the sandbox's mesh report them, with the
 * Prometheus Java client, served at {@code /metrics} on a free loopback port for Prometheus to
 * scrape:
 *
 * <ul>
 *   <li>{@code istio_requests_total} (counter)
 *   <li>{@code istio_request_duration_milliseconds} (histogram: {@code _bucket}, {@code _count},
 *       {@code _sum}, Istio's default buckets)
 * </ul>
 *
 * <p>Each request is reported twice, as in Istio: by the client's sidecar ({@code
 * reporter="source"}, every request, including those the proxy answered itself with a response
 * flag) and by the server's sidecar ({@code reporter="destination"}, only requests that reached a
 * pod). The shipped templates read the destination side.
 */
final class IstioMetrics implements AutoCloseable {
  /** Istio's default request duration buckets, in milliseconds. */
  static final double[] ISTIO_BUCKETS = {
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
    1800000, 3600000
  };

  static final String[] LABELS = {
    "reporter",
    "source_workload",
    "source_workload_namespace",
    "source_app",
    "source_version",
    "destination_workload",
    "destination_workload_namespace",
    "destination_app",
    "destination_version",
    "destination_service",
    "destination_service_name",
    "destination_service_namespace",
    "destination_canonical_service",
    "destination_canonical_revision",
    "request_protocol",
    "response_code",
    "response_flags",
    "connection_security_policy"
  };

  private final CollectorRegistry registry = new CollectorRegistry();
  private final Counter requests =
      Counter.build()
          .name("istio_requests_total")
          .help("Requests seen by the sandbox's mesh (Istio's standard metric).")
          .labelNames(LABELS)
          .register(registry);
  private final Histogram duration =
      Histogram.build()
          .name("istio_request_duration_milliseconds")
          .help("Request duration in milliseconds (Istio's standard metric).")
          .labelNames(LABELS)
          .buckets(ISTIO_BUCKETS)
          .register(registry);
  private final HttpServer server;

  IstioMetrics() {
    server =
        LoopbackHttp.serve(
            16,
            "/metrics",
            exchange -> {
              try (exchange) {
                exchange.getResponseHeaders().set("Content-Type", TextFormat.CONTENT_TYPE_004);
                exchange.sendResponseHeaders(200, 0);
                try (Writer w =
                    new OutputStreamWriter(exchange.getResponseBody(), StandardCharsets.UTF_8)) {
                  // Istio exports no _created series
                  TextFormat.write004(
                      w, registry.filteredMetricFamilySamples(name -> !name.endsWith("_created")));
                }
              }
            },
            java.util.concurrent.Executors.newSingleThreadExecutor(
                DaemonThreads.named("sandbox-metrics")));
  }

  /** Where Prometheus scrapes, {@code 127.0.0.1:PORT}. */
  String target() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** One reporter's view of one request; {@code values} in the order of {@link #LABELS}. */
  void record(double millis, String... values) {
    requests.labels(values).inc();
    duration.labels(values).observe(millis);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
