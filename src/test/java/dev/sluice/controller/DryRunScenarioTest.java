package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Dry-run checks on the whole daemon (the seed objects of {@code scenarios/helloworld.yaml}, the
 * fabric8 mock API server, a WireMock Prometheus): a dry-run check that fails all the time is
 * measured, shown in the status, the Analysis condition and the metrics, and never holds or rolls
 * back the release.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class DryRunScenarioTest {
  private static final Duration RELEASE = Duration.ofSeconds(90);

  @Inject KubernetesClient client;

  @TestHTTPResource("/q/metrics")
  URI metricsUri;

  @Test
  void aCanaryWhoseDryRunErrorRateFailsAllTheTimeIsPromoted() throws Exception {
    String ns = "scenario-dry-run";
    PrometheusStub.canary(ns, 0.4, 120, 500); // error ratio 0.4 > max 0.05: fails every time
    Fixtures.seedHelloworld(
        client,
        ns,
        spec -> {
          spec.put("interval", "1s");
          template(spec, "error-rate").put("dryRun", true);
        });
    await().atMost(RELEASE).until(() -> "v1".equals(status(ns).stableVersion));
    Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");

    // While it steps: the failing dry-run check is in the status, marked, with what it measured.
    await()
        .atMost(RELEASE)
        .untilAsserted(
            () -> {
              CanaryStatus st = status(ns);
              assertThat(st.measurements)
                  .anySatisfy(
                      m -> {
                        assertThat(m.check).isEqualTo("error-rate/error-ratio");
                        assertThat(m.dryRun).isTrue();
                        assertThat(m.outcome).isEqualTo("FAIL");
                        assertThat(m.value).isEqualTo("0.4");
                        assertThat(m.query).contains("istio_requests_total");
                        assertThat(m.message).contains("above max 0.05");
                      })
                  .anySatisfy(
                      m -> {
                        assertThat(m.check).isEqualTo("latency-p99/p99-latency-ms");
                        assertThat(m.dryRun).isNull();
                        assertThat(m.outcome).isEqualTo("PASS");
                      });
              Condition analysis = condition(st, "Analysis");
              assertThat(analysis).isNotNull();
              assertThat(analysis.getStatus()).isEqualTo("True");
              assertThat(analysis.getMessage())
                  .startsWith("pass: the one check passed (dry-run: error-rate/error-ratio")
                  .contains("would fail: value 0.4 is above max 0.05");
            });

    await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));

    CanaryStatus st = status(ns);
    assertThat(st.stableVersion).isEqualTo("v2");
    assertThat(st.rollbackReason).isNull();
    await()
        .untilAsserted(
            () -> assertThat(events(ns)).extracting(Event::getReason).contains("Promoted"));
    assertThat(events(ns)).extracting(Event::getReason).doesNotContain("CheckFailed", "RolledBack");
    String labels =
        "check=\"error-rate/error-ratio\",dry_run=\"true\",name=\"helloworld\",namespace=\"" + ns;
    assertThat(metrics())
        .contains("sluice_check_evaluations_total{" + labels + "\",outcome=\"fail\"}")
        .contains("sluice_check_value{" + labels + "\"} 0.4")
        .doesNotContain("sluice_rollbacks_total{name=\"helloworld\",namespace=\"" + ns);
  }

  /** The Canary's reference to the template {@code name}, in its spec as a map. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> template(Map<String, Object> spec, String name) {
    Map<String, Object> analysis = (Map<String, Object>) spec.get("analysis");
    return ((List<Map<String, Object>>) analysis.get("templates"))
        .stream()
            .filter(t -> name.equals(t.get("name")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the seed Canary has no template " + name));
  }

  private CanaryStatus status(String ns) {
    return Fixtures.status(client, ns);
  }

  private List<Event> events(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  private static Condition condition(CanaryStatus st, String type) {
    return st.conditions == null
        ? null
        : st.conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  private String metrics() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(metricsUri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
