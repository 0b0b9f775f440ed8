package dev.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UrlRedactionTest {

  @Test
  void passwordInTheUrlStaysOutOfReasons() {
    assertThat(PrometheusProvider.withoutCredentials("https://sluice:s3cret@prom.example:9090/p"))
        .isEqualTo("https://prom.example:9090/p");
  }

  @Test
  void urlWithoutCredentialsIsKept() {
    assertThat(PrometheusProvider.withoutCredentials("http://prometheus.monitoring:9090"))
        .isEqualTo("http://prometheus.monitoring:9090");
  }
}
