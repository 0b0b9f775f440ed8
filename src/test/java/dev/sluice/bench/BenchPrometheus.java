package dev.sluice.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.testing.DaemonThreads;
import dev.sluice.testing.LoopbackHttp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fast Prometheus stand-in for the benchmark: answers {@code /api/v1/query} at once, per
 * namespace, with a passing or a failing measurement for the shipped templates' combined queries
 * (value and traffic), and {@code /api/v1/query_range} (the compared templates') with one point per
 * step, the canary's ({@code destination_version="v2"}) 50% above stable's once failing; and
 * records when it first sent a failing answer to each namespace.
 */
final class BenchPrometheus implements AutoCloseable {
  private static final Pattern NAMESPACE =
      Pattern.compile("destination_workload_namespace=\"([^\"]+)\"");

  private final HttpServer server;
  private final ExecutorService pool =
      Executors.newFixedThreadPool(4, DaemonThreads.named("bench-prom"));
  private final Map<String, Boolean> failing = new ConcurrentHashMap<>();
  private final Map<String, Long> firstFailSentNanos = new ConcurrentHashMap<>();
  private final AtomicLong queries = new AtomicLong();

  BenchPrometheus() {
    server = LoopbackHttp.serve(1024, "/api/v1/query", this::answer, pool);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** From now on, every check of {@code namespace} fails. */
  void fail(String namespace) {
    failing.put(namespace, true);
  }

  /** When the first failing answer for {@code namespace} was sent (System.nanoTime), or null. */
  Long firstFailSent(String namespace) {
    return firstFailSentNanos.get(namespace);
  }

  long queries() {
    return queries.get();
  }

  private void answer(HttpExchange exchange) throws IOException {
    queries.incrementAndGet();
    String raw = exchange.getRequestURI().getRawQuery();
    String query = param(raw, "query");
    Matcher m = NAMESPACE.matcher(query == null ? "" : query);
    String ns = m.find() ? m.group(1) : "";
    boolean fail = failing.containsKey(ns);
    boolean latency = query != null && query.contains("histogram_quantile");
    if (exchange.getRequestURI().getPath().endsWith("/query_range")) {
      // the same context serves both paths (a context matches its path's prefix)
      // a compared metric's one query holds both versions' parts (sluice_part canary, stable)
      double level = latency ? 40 : 0.001;
      double start = Double.parseDouble(param(raw, "start"));
      double end = Double.parseDouble(param(raw, "end"));
      double step = Double.parseDouble(param(raw, "step"));
      send(
          exchange,
          "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
              + rangeSeries("canary", level * (fail ? 1.5 : 1), start, end, step)
              + ","
              + rangeSeries("stable", level, start, end, step)
              + "]}}");
      if (fail) {
        firstFailSentNanos.putIfAbsent(ns, System.nanoTime());
      }
      return;
    }
    double value = latency ? (fail ? 5000 : 40) : (fail ? 0.5 : 0);
    String body =
        String.format(
            Locale.ROOT,
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                + "{\"metric\":{\"sluice_part\":\"value\"},\"value\":[1,\"%s\"]},"
                + "{\"metric\":{\"sluice_part\":\"traffic\"},\"value\":[1,\"500\"]}]}}",
            value);
    send(exchange, body);
    if (fail) {
      firstFailSentNanos.putIfAbsent(ns, System.nanoTime());
    }
  }

  /** One part's series: a point per step, a little spread, the same for both versions. */
  private static String rangeSeries(
      String part, double level, double start, double end, double step) {
    StringBuilder points = new StringBuilder();
    int i = 0;
    for (double t = start; t <= end + 1e-9; t += step, i++) {
      double v = level * (1 + 0.05 * ((i * 7) % 11 - 5) / 5.0);
      points.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "[%.3f,\"%s\"]", t, v));
    }
    return "{\"metric\":{\"sluice_part\":\"" + part + "\"},\"values\":[" + points + "]}";
  }

  private static void send(HttpExchange exchange, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static String param(String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
