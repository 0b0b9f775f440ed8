package dev.sluice.controller;

import static dev.sluice.testing.ClusterHistory.httpRoute;
import static dev.sluice.testing.ClusterHistory.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.ClusterHistory;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.IstioSchemas;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import dev.sluice.testing.ServerLog;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The whole daemon on the seed objects of Istio's zero-downtime guide (with the debug header
 * route), against the fabric8 mock API server in CRUD mode and a WireMock Prometheus. Each scenario
 * runs in its own namespace; intervals are short and set in the Canary, and no assertion is about
 * wall-clock time.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class CanaryScenariosTest {
  private static final Duration RELEASE = Duration.ofSeconds(90);

  @Inject KubernetesClient client;
  @Inject Controller controller;

  @KubernetesTestServer KubernetesServer server;

  @TestHTTPResource("/q/metrics")
  URI metricsUri;

  private String metrics() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(metricsUri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private Canary canary(String ns) {
    return client.resources(Canary.class).inNamespace(ns).withName("helloworld").get();
  }

  private CanaryStatus status(String ns) {
    Canary c = canary(ns);
    return c == null || c.getStatus() == null ? new CanaryStatus() : c.getStatus();
  }

  private GenericKubernetesResource virtualService(String ns) {
    return client
        .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
        .inNamespace(ns)
        .withName("helloworld")
        .get();
  }

  private GenericKubernetesResource destinationRule(String ns) {
    return client
        .genericKubernetesResources(Fixtures.DESTINATION_RULE)
        .inNamespace(ns)
        .withName("helloworld")
        .get();
  }

  private List<Event> events(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  /** The seed objects, with the Canary's interval and limits as given, v1 adopted as stable. */
  private ClusterHistory seed(String ns, String interval) {
    Fixtures.seedHelloworld(client, ns, spec -> spec.put("interval", interval));
    await()
        .atMost(RELEASE)
        .untilAsserted(
            () ->
                assertThat(status(ns).stableVersion)
                    .as(() -> "status: " + client.getKubernetesSerialization().asYaml(status(ns)))
                    .isEqualTo("v1"));
    return new ClusterHistory(client, ns);
  }

  private void releaseV2(String ns) {
    Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");
  }

  /**
   * Waits until the stored versions seen by watch are exactly {@code expected}: the watch may
   * deliver the last write a little after the status that follows it.
   */
  private static void awaitRoutes(ClusterHistory history, List<List<String>> expected) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(routeHistory(history)).isEqualTo(expected));
  }

  /** The default route's weights at every stored VirtualService version. */
  private static List<List<String>> routeHistory(ClusterHistory history) {
    return history.virtualServices().stream().map(vs -> weights(vs, "default")).toList();
  }

  private static void assertDebugRouteUntouched(
      ClusterHistory history, GenericKubernetesResource seedVs) {
    Object seedDebug = httpRoute(seedVs, "debug");
    for (GenericKubernetesResource vs : history.virtualServices()) {
      assertThat(httpRoute(vs, "debug")).isEqualTo(seedDebug);
      // every field but the default route's destinations, as in the seed
      assertThat(httpRoute(vs, "default").get("retries"))
          .isEqualTo(httpRoute(seedVs, "default").get("retries"));
    }
  }

  private static void assertIstioAcceptsEveryWrite(ClusterHistory history) {
    for (ClusterHistory.Entry e : history.entries()) {
      if (e.action() == Watcher.Action.DELETED) {
        continue;
      }
      if (e.kind().equals("VirtualService")) {
        IstioSchemas.validateVirtualService(e.object());
      } else if (e.kind().equals("DestinationRule")) {
        IstioSchemas.validateDestinationRule(e.object());
      }
    }
  }

  @Test
  void a_healthyCanaryIsPromotedTenPercentAtATimeThenV1IsRetiredInTheGuidesOrder()
      throws Exception {
    String ns = "scenario-a";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    ClusterHistory history = seed(ns, "1s");
    GenericKubernetesResource seedVs = virtualService(ns);
    ServerLog.writesIn(server, ns); // forget what came before
    releaseV2(ns);

    await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));

    List<List<String>> expected = new ArrayList<>();
    for (int w = 0; w <= 100; w += 10) {
      expected.add(List.of("v1=" + (100 - w), "v2=" + w));
    }
    expected.add(List.of("v2=100"));
    awaitRoutes(history, expected);
    assertDebugRouteUntouched(history, seedVs);
    assertIstioAcceptsEveryWrite(history);

    // What each DestinationRule write did, from the watch (one stream, so in order)...
    await()
        .untilAsserted(
            () ->
                assertThat(history.destinationRules())
                    .extracting(ClusterHistory::subsets)
                    .containsExactly(List.of("v1", "debug", "v2"), List.of("debug", "v2")));
    // ...and the order of all writes as the API server received them (the watches are three
    // streams whose relative order is not guaranteed): subset v2 before any route to it; at the
    // end the route, then the subset, then the Deployment.
    List<RecordedRequest> writes = ServerLog.writesIn(server, ns);
    int subsetAdded = ServerLog.first(writes, "PUT", "/destinationrules/helloworld");
    int firstRouteWrite = ServerLog.first(writes, "PUT", "/virtualservices/helloworld");
    int lastRouteWrite = ServerLog.last(writes, "PUT", "/virtualservices/helloworld");
    int subsetRemoved = ServerLog.last(writes, "PUT", "/destinationrules/helloworld");
    int deploymentDeleted = ServerLog.first(writes, "DELETE", "/deployments/helloworld-v1");
    assertThat(subsetAdded).isNotNegative().isLessThan(firstRouteWrite);
    assertThat(lastRouteWrite).isLessThan(subsetRemoved);
    assertThat(subsetRemoved).isLessThan(deploymentDeleted);
    // While it steps, a step costs two writes, its status (the intent) and its route: between the
    // first step's route write (the second route write, after the join at 0%) and the last's,
    // exactly one status write per step, though checks also ran in the middle of every bake.
    List<Integer> routeWrites = new ArrayList<>();
    for (int i = 0; i < writes.size(); i++) {
      if (ServerLog.matches(writes.get(i), "PUT", "/virtualservices/helloworld")) {
        routeWrites.add(i);
      }
    }
    assertThat(routeWrites).hasSize(12); // 0%, 10% ... 100%, v1 dropped
    List<RecordedRequest> stepping =
        writes.subList(routeWrites.get(1) + 1, routeWrites.get(10) + 1);
    assertThat(stepping)
        .extracting(RecordedRequest::getPath)
        .filteredOn(p -> !p.contains("/events"))
        .hasSize(9 + 9)
        .filteredOn(p -> p.endsWith("/canaries/helloworld/status"))
        .hasSize(9);

    assertThat(ClusterHistory.subsets(destinationRule(ns))).containsExactly("debug", "v2");
    assertThat(client.apps().deployments().inNamespace(ns).list().getItems())
        .extracting(d -> d.getMetadata().getName())
        .containsExactlyInAnyOrder("helloworld-debug", "helloworld-v2");
    CanaryStatus st = status(ns);
    assertThat(st.stableVersion).isEqualTo("v2");
    assertThat(condition(st, "Progressing").getStatus()).isEqualTo("False");
    await()
        .untilAsserted(
            () -> assertThat(events(ns)).extracting(Event::getReason).contains("Promoted"));
    assertThat(metrics())
        .contains(
            "sluice_canary_phase{name=\"helloworld\",namespace=\"scenario-a\",phase=\"Succeeded\"} 1.0")
        .contains(
            "sluice_check_evaluations_total{check=\"error-rate/error-ratio\",dry_run=\"false\",name=\"helloworld\",namespace=\"scenario-a\",outcome=\"pass\"}")
        .contains(
            "sluice_check_value{check=\"latency-p99/p99-latency-ms\",dry_run=\"false\",name=\"helloworld\",namespace=\"scenario-a\"} 120.0")
        .contains("sluice_canary_ready{name=\"helloworld\",namespace=\"scenario-a\"} 1.0")
        .contains("sluice_releases_total{result=\"promoted\"}")
        .contains("sluice_reconcile_seconds_count")
        .contains("sluice_leader 1.0");
    history.close();
  }

  @Test
  void b_anErrorRateBreakingTheGateAt30PercentRollsBackInOneWrite() throws Exception {
    String ns = "scenario-b";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    ClusterHistory history = seed(ns, "4s");
    releaseV2(ns);
    // the status (the intent) says 30 before the route does: wait for the stored route
    await()
        .atMost(RELEASE)
        .until(
            () -> {
              List<List<String>> routes = routeHistory(history);
              return !routes.isEmpty()
                  && routes.get(routes.size() - 1).equals(List.of("v1=70", "v2=30"));
            });
    int writesBefore = history.virtualServices().size();
    PrometheusStub.clear(ns);
    PrometheusStub.canary(ns, 0.4, 120, 500);

    await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));

    await()
        .untilAsserted(
            () ->
                assertThat(
                        routeHistory(history)
                            .subList(writesBefore, history.virtualServices().size()))
                    .containsExactly(List.of("v1=100")));
    assertThat(routeHistory(history).get(writesBefore - 1)).containsExactly("v1=70", "v2=30");
    CanaryStatus st = status(ns);
    assertThat(st.rollbackReason).contains("error-rate").contains("0.4");
    assertThat(st.measurements)
        .anySatisfy(
            m -> {
              assertThat(m.check).isEqualTo("error-rate/error-ratio");
              assertThat(m.outcome).isEqualTo("FAIL");
              assertThat(m.value).isEqualTo("0.4");
              assertThat(m.query).contains("istio_requests_total");
            });
    await()
        .untilAsserted(
            () ->
                assertThat(events(ns))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getReason()).isEqualTo("RolledBack");
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getMessage()).contains("error-rate").contains("0.4");
                        }));
    assertIstioAcceptsEveryWrite(history);
    assertThat(metrics())
        .contains(
            "sluice_rollbacks_total{name=\"helloworld\",namespace=\"scenario-b\",reason=\"check\"} 1.0")
        .contains("sluice_canary_weight_percent{name=\"helloworld\",namespace=\"scenario-b\"} 0.0")
        // the reaction was timed: failing answer to rollback write
        .containsPattern("sluice_check_reaction_seconds_count [1-9]");
    history.close();
  }

  @Test
  void c_emptyResultsHoldTheWeightThenRollBackAtTheInconclusiveLimit() {
    String ns = "scenario-c";
    PrometheusStub.noData(ns);
    ClusterHistory history = seed(ns, "1s");
    releaseV2(ns);

    await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));

    awaitRoutes(
        history, List.of(List.of("v1=100", "v2=0"), List.of("v1=90", "v2=10"), List.of("v1=100")));
    assertThat(status(ns).rollbackReason).contains("3 inconclusive evaluations in a row");
    history.close();
  }

  @Test
  void d_prometheusDownHoldsTheWeightThenRollsBackAtTheErrorLimit() {
    String ns = "scenario-d";
    PrometheusStub.down(ns);
    ClusterHistory history = seed(ns, "1s");
    releaseV2(ns);

    await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));

    awaitRoutes(
        history, List.of(List.of("v1=100", "v2=0"), List.of("v1=90", "v2=10"), List.of("v1=100")));
    assertThat(status(ns).rollbackReason).contains("3 evaluations in a row without data");
    history.close();
  }

  @Test
  void e_aVirtualServiceWithoutFallbackRouteIsRefusedAndNeverWritten() {
    String ns = "scenario-e";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    Fixtures.apply(
        client,
        ns,
        "scenarios/helloworld.yaml",
        doc ->
            doc.getKind().equals("VirtualService")
                ? Fixtures.read(client, "scenarios/virtualservice-without-fallback.yaml").get(0)
                : doc);
    String versionBefore = virtualService(ns).getMetadata().getResourceVersion();
    String drBefore = destinationRule(ns).getMetadata().getResourceVersion();
    releaseV2(ns);

    await()
        .atMost(RELEASE)
        .untilAsserted(
            () -> {
              Condition ready = condition(status(ns), "Ready");
              assertThat(ready).isNotNull();
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("InvalidVirtualService");
              assertThat(ready.getMessage()).contains("fallback");
            });
    await()
        .untilAsserted(
            () ->
                assertThat(events(ns))
                    .extracting(Event::getReason)
                    .contains("InvalidVirtualService"));
    // and nothing gets written, now or a little later
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                versionBefore.equals(virtualService(ns).getMetadata().getResourceVersion())
                    && drBefore.equals(destinationRule(ns).getMetadata().getResourceVersion()));
  }

  @Test
  void f_aDaemonRestartedAt40PercentResumesThereWithNoStepRepeatedOrSkipped() {
    String ns = "scenario-f";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    ClusterHistory history = seed(ns, "2s");
    releaseV2(ns);
    await().atMost(RELEASE).until(() -> Integer.valueOf(40).equals(status(ns).weight));

    controller.stop(); // every in-memory state is gone
    assertThat(status(ns).phase).isEqualTo("Progressing");
    controller.start();

    await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
    List<List<String>> expected = new ArrayList<>();
    for (int w = 0; w <= 100; w += 10) {
      expected.add(List.of("v1=" + (100 - w), "v2=" + w));
    }
    expected.add(List.of("v2=100"));
    awaitRoutes(history, expected);
    history.close();
  }

  @Test
  void g_anInvalidSpecIsRefusedWithAConditionAndAnEventAndNothingIsWritten() {
    String ns = "scenario-g";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    Fixtures.seedHelloworld(
        client,
        ns,
        spec -> {
          spec.put("steps", List.of(10, 50, 30)); // not increasing
          spec.put("analysis", Map.of("templates", List.of(Map.of("name", "no-such-template"))));
        });
    String vsBefore = virtualService(ns).getMetadata().getResourceVersion();
    String drBefore = destinationRule(ns).getMetadata().getResourceVersion();
    releaseV2(ns);

    await()
        .atMost(RELEASE)
        .untilAsserted(
            () -> {
              Condition ready = condition(status(ns), "Ready");
              assertThat(ready).isNotNull();
              assertThat(ready.getReason()).isEqualTo("InvalidSpec");
              assertThat(ready.getMessage()).contains("strictly increasing");
            });
    await()
        .untilAsserted(
            () ->
                assertThat(events(ns))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getReason()).isEqualTo("InvalidSpec");
                          assertThat(e.getMessage()).contains("steps");
                        }));
    // fix the steps: the unknown template is the next problem, and still nothing is written
    Canary c = canary(ns);
    c.getSpec().steps = List.of(10, 30, 50);
    client.resources(Canary.class).inNamespace(ns).resource(c).update();
    await()
        .atMost(RELEASE)
        .untilAsserted(
            () ->
                assertThat(condition(status(ns), "Ready").getMessage())
                    .contains("no-such-template"));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                vsBefore.equals(virtualService(ns).getMetadata().getResourceVersion())
                    && drBefore.equals(destinationRule(ns).getMetadata().getResourceVersion()));
    assertThat(status(ns).phase).isNotIn("Initializing", "Progressing");
  }

  @Test
  void h_aNamespacedTemplateOverridesTheBuiltInOfTheSameName() {
    String ns = "scenario-h";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    // the SRE's own error-rate: a stricter bound and a query of their own
    Fixtures.apply(client, ns, "scenarios/error-rate-override.yaml");
    ClusterHistory history = seed(ns, "1s");
    releaseV2(ns);
    await()
        .atMost(RELEASE)
        .untilAsserted(
            () ->
                assertThat(status(ns).measurements)
                    .anySatisfy(
                        m -> {
                          assertThat(m.check).isEqualTo("error-rate/strict-error-ratio");
                          assertThat(m.query).contains("sluice_override_marker");
                        }));
    await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
    history.close();
  }

  private static Condition condition(CanaryStatus st, String type) {
    Predicate<Condition> ofType = c -> type.equals(c.getType());
    return st.conditions == null
        ? null
        : st.conditions.stream().filter(ofType).findFirst().orElse(null);
  }
}
