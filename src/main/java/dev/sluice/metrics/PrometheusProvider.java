package dev.sluice.metrics;

import dev.sluice.analysis.QueryResult;
import dev.sluice.metrics.PrometheusAnswerParser.Parsed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;

/**
 * {@link MetricProvider} backed by the Prometheus HTTP API ({@code GET /api/v1/query}, and {@code
 * /api/v1/query_range} for compared metrics).
 *
 * <p>Each query is retried with exponential backoff and jitter on timeouts, transport failures and
 * 5xx answers, never on 4xx; a circuit breaker stops querying an unhealthy Prometheus for a while.
 * Whatever is left after that becomes a {@link QueryResult.Failure} here, in one place, and is
 * counted in {@code sluice.prometheus.query.errors{reason}}; every query is timed in {@code
 * sluice.prometheus.query{outcome}}.
 */
@ApplicationScoped
public class PrometheusProvider implements MetricProvider {

  private static final Logger LOG = Logger.getLogger(PrometheusProvider.class);

  static final String TIMER = "sluice.prometheus.query";
  static final String ERRORS = "sluice.prometheus.query.errors";

  private final PrometheusCall call;
  private final CircuitBreakerMaintenance breakers;
  private final String url;
  private final long timeoutMillis;
  private final long breakerDelayMillis;
  private final Timer success;
  private final Timer failure;
  private final Map<FailureKind, Counter> errors = new EnumMap<>(FailureKind.class);

  PrometheusProvider(
      PrometheusCall call,
      CircuitBreakerMaintenance breakers,
      MeterRegistry registry,
      PrometheusConfig config) {
    this.call = call;
    this.breakers = breakers;
    this.url = withoutCredentials(config.url());
    this.timeoutMillis = config.timeoutMs();
    this.breakerDelayMillis = config.circuitBreaker().delayMs();
    this.success = timer(registry, "success");
    this.failure = timer(registry, "failure");
    // Every reason is registered up front, at 0, so that rate() over it works before a failure.
    for (FailureKind kind : FailureKind.values()) {
      errors.put(
          kind,
          Counter.builder(ERRORS)
              .description("Prometheus queries that ended in a failure, by reason")
              .tag("reason", kind.tag())
              .register(registry));
    }
  }

  private static Timer timer(MeterRegistry registry, String outcome) {
    return Timer.builder(TIMER)
        .description("Prometheus queries, retries included")
        .tag("outcome", outcome)
        .register(registry);
  }

  @PostConstruct
  void logBreakerChanges() {
    breakers.onStateChange(
        PrometheusCall.BREAKER,
        state ->
            LOG.logf(
                state == CircuitBreakerState.CLOSED ? Logger.Level.INFO : Logger.Level.WARN,
                "Prometheus circuit breaker is now %s (%s)",
                state,
                url));
  }

  @Override
  public QueryResult query(String promql) {
    return timed(promql, PrometheusCall.Request.instant(promql));
  }

  @Override
  public QueryResult queryRange(String promql, Instant start, Instant end, Duration step) {
    if (start == null || end == null || step == null || step.isZero() || step.isNegative()) {
      return new QueryResult.Failure("a range query needs a start, an end and a positive step");
    }
    if (end.isBefore(start)) {
      return new QueryResult.Failure(
          "a range query's end " + end + " is before its start " + start);
    }
    return timed(
        promql,
        new PrometheusCall.Request(
            promql, new PrometheusCall.Range(seconds(start), seconds(end), seconds(step))));
  }

  /** Unix seconds with milliseconds, as Prometheus reads a time. */
  private static String seconds(Instant t) {
    return java.math.BigDecimal.valueOf(t.toEpochMilli(), 3).toPlainString();
  }

  /** Seconds with milliseconds, as Prometheus reads a step. */
  private static String seconds(Duration d) {
    return java.math.BigDecimal.valueOf(d.toMillis(), 3).toPlainString();
  }

  private QueryResult timed(String promql, PrometheusCall.Request request) {
    long start = System.nanoTime();
    Parsed parsed = run(request);
    long elapsed = System.nanoTime() - start;
    if (parsed.failed()) {
      failure.record(Duration.ofNanos(elapsed));
      errors.get(parsed.kind()).increment();
      LOG.debugf("query failed (%s): %s; query: %s", parsed.kind().tag(), parsed.result(), promql);
    } else {
      success.record(Duration.ofNanos(elapsed));
    }
    return parsed.result();
  }

  private Parsed run(PrometheusCall.Request request) {
    if (request.promql() == null || request.promql().isBlank()) {
      return Parsed.failed(FailureKind.BAD_DATA, "the query is empty");
    }
    try {
      return fromAnswer(call.fetch(request), request.range() != null);
    } catch (Exception e) {
      return fromException(e);
    }
  }

  private Parsed fromAnswer(PrometheusCall.HttpAnswer answer, boolean range) {
    Parsed parsed =
        range
            ? PrometheusAnswerParser.readRange(answer.body())
            : PrometheusAnswerParser.read(answer.body());
    int status = answer.status();
    if (status >= 200 && status < 300) {
      return parsed;
    }
    // A 4xx (or 1xx/3xx) answer. Prometheus explains its own rejections in the body.
    if (parsed.kind() == FailureKind.BAD_DATA || parsed.kind() == FailureKind.QUERY_ERROR) {
      return parsed;
    }
    String hint =
        status == 404
            ? "; does sluice.prometheus.url point at the root of the Prometheus HTTP API?"
            : "";
    return Parsed.failed(
        FailureKind.HTTP_4XX,
        "Prometheus at " + url + " answered HTTP " + status + bodyDetail(answer.body()) + hint);
  }

  private Parsed fromException(Exception e) {
    if (e instanceof CircuitBreakerOpenException) {
      return Parsed.failed(
          FailureKind.CIRCUIT_OPEN,
          "not querying Prometheus at "
              + url
              + ": too many recent queries failed, so the circuit breaker is open; it lets a query"
              + " through again "
              + breakerDelayMillis
              + " ms after it opened");
    }
    if (e instanceof PrometheusCall.ServerError server) {
      Parsed parsed = PrometheusAnswerParser.read(server.answer.body());
      String detail =
          parsed.kind() == FailureKind.BAD_DATA || parsed.kind() == FailureKind.QUERY_ERROR
              ? ": " + ((QueryResult.Failure) parsed.result()).reason()
              : bodyDetail(server.answer.body());
      return Parsed.failed(
          FailureKind.HTTP_5XX,
          "Prometheus at "
              + url
              + " answered HTTP "
              + server.answer.status()
              + ", also after retrying"
              + detail);
    }
    if (isTimeout(e)) {
      return Parsed.failed(
          FailureKind.TIMEOUT,
          "Prometheus at "
              + url
              + " did not answer within "
              + timeoutMillis
              + " ms, also after retrying");
    }
    if (isTransport(e)) {
      return Parsed.failed(
          FailureKind.UNREACHABLE,
          "cannot reach Prometheus at " + url + ", also after retrying: " + rootMessage(e));
    }
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    LOG.warnf(e, "unexpected failure querying Prometheus at %s", url);
    return Parsed.failed(
        FailureKind.INTERNAL, "querying Prometheus at " + url + " failed unexpectedly: " + e);
  }

  private static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      // FT's TimeoutException, java.util.concurrent's, SocketTimeoutException, Netty's and
      // Vert.x' connect/idle timeouts: all of them say "timeout" in their class name.
      if (t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isTransport(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ProcessingException || t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null || message.isBlank()
        ? root.getClass().getSimpleName()
        : message + " (" + root.getClass().getSimpleName() + ")";
  }

  private static String bodyDetail(String body) {
    return body == null || body.isBlank() ? "" : ": " + PrometheusAnswerParser.snippet(body);
  }

  /** The URL as it may appear in a reason: without a password given in it. */
  static String withoutCredentials(String url) {
    try {
      URI uri = URI.create(url);
      if (uri.getUserInfo() == null) {
        return url;
      }
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null)
          .toString();
    } catch (Exception e) {
      return url;
    }
  }
}
