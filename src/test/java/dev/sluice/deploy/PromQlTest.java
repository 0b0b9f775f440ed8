package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Metric names, and only metric names, are found in PromQL. */
class PromQlTest {
  @Test
  void findsMetricNamesNotFunctionsLabelsOrVariables() {
    assertThat(
            PromQl.metricNames(
                "histogram_quantile(0.99, sum by (le) (rate(sluice_reconcile_seconds_bucket[$__rate_interval])))"))
        .containsExactly("sluice_reconcile_seconds_bucket");
    assertThat(
            PromQl.metricNames(
                "time() - max by (namespace, name) (sluice_canary_release_started_timestamp_seconds{namespace=~\"$namespace\"} > 0) > 3600"))
        .containsExactly("sluice_canary_release_started_timestamp_seconds");
    assertThat(
            PromQl.metricNames("sum(rate(a_total[5m])) / on (job) group_left sum(b) or vector(0)"))
        .containsExactly("a_total", "b");
    assertThat(PromQl.metricNames("absent(up{job=\"sluice\"} == 1)")).containsExactly("up");
    assertThat(PromQl.metricNames("{__name__=\"node_cpu_seconds_total\"}"))
        .containsExactly("node_cpu_seconds_total");
    assertThat(PromQl.metricNames("x offset 5m and bool y")).containsExactly("x", "y");
  }
}
