package dev.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.analysis.QueryResult;
import dev.sluice.analysis.QueryResult.Failure;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** No Prometheus at all: the connection is refused. */
@QuarkusTest
@WithTestResource(ClosedPortPrometheus.class)
class PrometheusUnreachableTest {

  @Inject MetricProvider provider;

  @Inject MeterRegistry registry;

  @Test
  void connectionRefusedIsUnreachable() {
    // A first query loads the client's code; on a busy machine that alone can outlast the short
    // test timeout and read as a timeout.
    provider.query("warm-up");
    double before = unreachable();

    QueryResult result = provider.query("up");

    assertThat(result).isInstanceOf(Failure.class);
    assertThat(((Failure) result).reason())
        .startsWith("cannot reach Prometheus at http://127.0.0.1:" + ClosedPortPrometheus.port)
        .containsIgnoringCase("refused");
    assertThat(unreachable()).isEqualTo(before + 1);
  }

  private double unreachable() {
    return registry
        .get(PrometheusProvider.ERRORS)
        .tags("reason", FailureKind.UNREACHABLE.tag())
        .counter()
        .count();
  }
}
