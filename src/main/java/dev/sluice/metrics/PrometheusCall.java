package dev.sluice.metrics;

import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * One Prometheus query over HTTP (instant or range), guarded by fault tolerance: both kinds share
 * the retries, the timeout and the one circuit breaker. It lives apart from {@link
 * PrometheusProvider} so that the interceptors wrap this call and the provider sees only what is
 * left after retries: it returns any 2xx or 4xx answer and throws for everything worth retrying.
 *
 * <p>The annotation values are the defaults; application.properties maps the {@code
 * sluice.prometheus.*} keys onto them ({@code quarkus.fault-tolerance."<class>/fetch".*}). Order
 * (SmallRye): retry around circuit breaker around timeout, so each attempt counts in the breaker
 * and each attempt has its own timeout.
 */
@ApplicationScoped
class PrometheusCall {

  /** The circuit breaker's name, for {@code CircuitBreakerMaintenance}. */
  static final String BREAKER = "prometheus";

  /** The method guarded by fault tolerance; its configuration identifier ends with this. */
  static final String FETCH = "fetch";

  /**
   * One query to send: an instant query ({@code range} null) or a range query.
   *
   * @param promql the PromQL
   * @param range the range query's start, end and step, or {@code null}
   */
  record Request(String promql, Range range) {
    static Request instant(String promql) {
      return new Request(promql, null);
    }
  }

  /** A range query's times, as Prometheus takes them (Unix seconds, step in seconds). */
  record Range(String start, String end, String step) {}

  /** A status and a body, as received. */
  record HttpAnswer(int status, String body) {}

  /** Prometheus (or a proxy) answered 5xx: worth retrying, and counted by the breaker. */
  static final class ServerError extends RuntimeException {
    final HttpAnswer answer;

    ServerError(HttpAnswer answer) {
      super("HTTP " + answer.status(), null, false, false);
      this.answer = answer;
    }
  }

  private final PrometheusApi api;

  PrometheusCall(@RestClient PrometheusApi api) {
    this.api = api;
  }

  /**
   * Sends one query. A 4xx is an answer, not a fault: Prometheus rejects the query ({@code
   * bad_data} 400, {@code execution} 422) or the URL is wrong, and asking again would give the
   * same; so it is returned, neither retried nor counted against the breaker.
   *
   * @throws ServerError after the retries, when the last answer was 5xx
   * @throws CircuitBreakerOpenException when the breaker is open (not retried)
   * @throws RuntimeException a transport failure or {@code TimeoutException}, after the retries
   */
  @Timeout(5000)
  @Retry(maxRetries = 3, delay = 250, jitter = 100, abortOn = CircuitBreakerOpenException.class)
  @ExponentialBackoff(factor = 2, maxDelay = 2000)
  @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 30_000)
  @CircuitBreakerName(BREAKER)
  HttpAnswer fetch(Request request) {
    HttpAnswer answer;
    try (Response response = send(request)) {
      answer = read(response);
    } catch (WebApplicationException e) {
      // Only if the client's default exception mapper is on again (it is disabled in config).
      answer = read(e.getResponse());
    }
    if (answer.status() >= 500) {
      throw new ServerError(answer);
    }
    return answer;
  }

  private Response send(Request request) {
    Range r = request.range();
    return r == null
        ? api.query(request.promql())
        : api.queryRange(request.promql(), r.start(), r.end(), r.step());
  }

  private static HttpAnswer read(Response response) {
    String body = response.hasEntity() ? response.readEntity(String.class) : "";
    return new HttpAnswer(response.getStatus(), body == null ? "" : body);
  }
}
