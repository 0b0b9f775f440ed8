package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The statistical judge on the whole daemon (the seed objects of {@code scenarios/helloworld.yaml},
 * the fabric8 mock API server, a WireMock Prometheus answering range queries): a canary 25% slower
 * than stable but far under {@code latency-p99}'s 500 ms is rolled back by {@code latency-compare},
 * with the judge's numbers in the status; one as fast as stable is promoted.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class ComparedScenarioTest {
  private static final Duration RELEASE = Duration.ofSeconds(90);

  @Inject KubernetesClient client;

  /** 21 points (5 minutes at 15 s) around {@code level}, 3% noise, from a fixed seed. */
  private static double[] around(double level, long seed) {
    Random r = new Random(seed);
    double[] v = new double[21];
    for (int i = 0; i < v.length; i++) {
      v[i] = level * (1 + 0.03 * r.nextGaussian());
    }
    return v;
  }

  private void seed(String ns) {
    Fixtures.seedHelloworld(
        client,
        ns,
        spec -> {
          spec.put("interval", "1s");
          @SuppressWarnings("unchecked")
          Map<String, Object> analysis = (Map<String, Object>) spec.get("analysis");
          List<Map<String, Object>> templates = new ArrayList<>();
          templates.add(Map.of("name", "latency-p99"));
          templates.add(Map.of("name", "latency-compare"));
          analysis.put("templates", templates);
        });
  }

  @Test
  void aCanaryTwentyFivePercentSlowerThanStableIsRolledBackThoughUnderTheFixedThreshold() {
    String ns = "scenario-compare-subtle";
    PrometheusStub.canary(ns, 0, 120, 500); // latency-p99: 120 ms, far under 500: passes
    PrometheusStub.compared(ns, "histogram_quantile", around(125, 1), around(100, 2));
    seed(ns);
    await().atMost(RELEASE).until(() -> "v1".equals(status(ns).stableVersion));
    Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");

    await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));

    CanaryStatus st = status(ns);
    assertThat(st.stableVersion).isEqualTo("v1");
    assertThat(st.rollbackReason).contains("latency-compare/score");
    assertThat(st.measurements)
        .anySatisfy(
            m -> {
              assertThat(m.check).isEqualTo("latency-p99/p99-latency-ms");
              assertThat(m.outcome).isEqualTo("PASS");
            })
        .anySatisfy(
            m -> {
              assertThat(m.check).isEqualTo("latency-compare/score");
              assertThat(m.outcome).isEqualTo("FAIL");
              assertThat(m.value).isEqualTo("0.0");
              assertThat(m.compared)
                  .singleElement()
                  .satisfies(
                      c -> {
                        assertThat(c.metric).isEqualTo("latency-ms");
                        assertThat(c.decision).isEqualTo("fail");
                        assertThat(Double.parseDouble(c.canaryMedian)).isBetween(120.0, 130.0);
                        assertThat(Double.parseDouble(c.stableMedian)).isBetween(96.0, 104.0);
                        assertThat(Double.parseDouble(c.pValue)).isLessThan(0.001);
                        assertThat(Double.parseDouble(c.effect)).isBetween(1.15, 1.35);
                        assertThat(c.canaryPoints).isEqualTo(21);
                        assertThat(c.stablePoints).isEqualTo(21);
                      });
            });
  }

  @Test
  void aCanaryAsFastAsStableIsPromotedWithThePassShown() {
    String ns = "scenario-compare-same";
    PrometheusStub.canary(ns, 0, 120, 500);
    PrometheusStub.compared(ns, "histogram_quantile", around(100, 3), around(100, 4));
    seed(ns);
    await().atMost(RELEASE).until(() -> "v1".equals(status(ns).stableVersion));
    Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");

    await()
        .atMost(RELEASE)
        .untilAsserted(
            () ->
                assertThat(status(ns).measurements)
                    .anySatisfy(
                        m -> {
                          assertThat(m.check).isEqualTo("latency-compare/score");
                          assertThat(m.outcome).isEqualTo("PASS");
                          assertThat(m.compared.get(0).decision).isEqualTo("pass");
                          assertThat(m.compared.get(0).pValue).isNotNull();
                        }));
    await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
    assertThat(status(ns).stableVersion).isEqualTo("v2");
    assertThat(status(ns).rollbackReason).isNull();
  }

  private CanaryStatus status(String ns) {
    return Fixtures.status(client, ns);
  }
}
