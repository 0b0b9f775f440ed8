package dev.sluice.metrics;

import dev.sluice.analysis.QueryResult;

/**
 * A source of measurements: runs one instant query and hands back plain data.
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
}
