package dev.sluice.metrics;

import dev.sluice.analysis.QueryResult;
import java.time.Duration;
import java.time.Instant;

/**
 * A source of measurements: runs one instant or range query and hands back plain data.
 *
 * <p>Implementations never throw. Whatever goes wrong (the source is unreachable, too slow, answers
 * an HTTP error, rejects the query or answers garbage) comes back as {@link QueryResult.Failure}
 * whose reason tells a person what to look at; the analysis turns it into an {@code error} outcome.
 * A query that ran but matched no series is {@link QueryResult.Samples} with an empty list, not a
 * failure.
 *
 * <p>Calls block the calling thread (retries and timeouts included), so they must not be made on an
 * event-loop thread.
 */
public interface MetricProvider {

  /**
   * Runs {@code promql} as an instant query (evaluated now).
   *
   * @param promql the rendered PromQL, every variable already substituted and validated
   * @return the series of the answer with their labels, one label-less sample for a scalar, or a
   *     failure with a reason a person can act on; never {@code null}
   */
  QueryResult query(String promql);

  /**
   * Runs {@code promql} as a range query: evaluated at {@code start}, then every {@code step} up to
   * {@code end}. Same contract as {@link #query}: never throws, never {@code null}.
   *
   * <p>The default answers a failure, for providers (test stand-ins) that only run instant queries:
   * a compared metric is then an {@code error}, never judged on made-up data.
   *
   * @return a {@link QueryResult.Matrix} (one series per label set, its values oldest first), or a
   *     failure with a reason a person can act on
   */
  default QueryResult queryRange(String promql, Instant start, Instant end, Duration step) {
    return new QueryResult.Failure("this metric provider does not run range queries");
  }
}
