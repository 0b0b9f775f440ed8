package dev.sluice.metrics;

/**
 * Why a query failed, as the short stable tag used for the {@code reason} of the error counter. The
 * human-readable reason is in {@link dev.sluice.analysis.QueryResult.Failure}.
 */
enum FailureKind {
  /** No answer within the per-request timeout (or the connect timeout), after retries. */
  TIMEOUT("timeout"),
  /** Connection refused, reset or closed, unknown host: Prometheus could not be reached. */
  UNREACHABLE("unreachable"),
  /** Prometheus (or a proxy in front of it) kept answering 5xx, after retries. */
  HTTP_5XX("http_5xx"),
  /** Any other non-2xx status without a Prometheus error body (404 wrong URL, 401, 403...). */
  HTTP_4XX("http_4xx"),
  /** Prometheus rejected the query as invalid ({@code errorType: bad_data}). */
  BAD_DATA("bad_data"),
  /** Prometheus answered {@code status: error} of another type ({@code execution}...). */
  QUERY_ERROR("query_error"),
  /** A well-formed answer of a type a check cannot judge (range vector, string). */
  UNEXPECTED_TYPE("unexpected_type"),
  /** The body is not a Prometheus API answer: not JSON, empty, fields missing or mistyped. */
  MALFORMED("malformed"),
  /** The circuit breaker is open: no request was sent. */
  CIRCUIT_OPEN("circuit_open"),
  /** Anything else (a bug in Sluice, most likely); the reason names the exception. */
  INTERNAL("internal");

  private final String tag;

  FailureKind(String tag) {
    this.tag = tag;
  }

  String tag() {
    return tag;
  }
}
