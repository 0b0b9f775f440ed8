/**
 * Metric providers: where the numbers that the analysis judges come from.
 *
 * <p>{@link dev.sluice.metrics.MetricProvider} is the whole contract: a PromQL string in, a {@link
 * dev.sluice.analysis.QueryResult} out, never an exception. {@link
 * dev.sluice.metrics.PrometheusProvider} implements it over the Prometheus HTTP API with timeouts,
 * retries and a circuit breaker; {@link dev.sluice.metrics.PrometheusAnswerParser} turns an answer
 * body into data and is pure. This package depends on {@code dev.sluice.analysis} only.
 */
package dev.sluice.metrics;
