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
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
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
    Fixtures.apply(
        client,
        ns,
        "scenarios/helloworld.yaml",
        doc -> {
          if (doc.getKind().equals("Canary")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> spec =
                (Map<String, Object>) doc.getAdditionalProperties().get("spec");
            spec.put("interval", interval);
          }
          return doc;
        });
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
    if (!IstioSchemas.available()) {
      return; // the CRDs are in ../shared/istio; IstioSchemasTest reports the skip
    }
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
  void a_healthyCanaryIsPromotedTenPercentAtATimeThenV1IsRetiredInTheGuidesOrder() {
    String ns = "scenario-a";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    ClusterHistory history = seed(ns, "1s");
    GenericKubernetesResource seedVs = virtualService(ns);
    releaseV2(ns);

    await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));

    List<List<String>> expected = new ArrayList<>();
    for (int w = 0; w <= 100; w += 10) {
      expected.add(List.of("v1=" + (100 - w), "v2=" + w));
    }
    expected.add(List.of("v2=100"));
    assertThat(routeHistory(history)).isEqualTo(expected);
    assertDebugRouteUntouched(history, seedVs);
    assertIstioAcceptsEveryWrite(history);

    // subset v2 is in the DestinationRule before any route points at it (in the API server's
    // order of writes: the watches of different kinds may deliver out of that order)
    long subsetAdded =
        history.firstVersion(
            e ->
                e.kind().equals("DestinationRule")
                    && ClusterHistory.subsets((GenericKubernetesResource) e.object())
                        .contains("v2"));
    long firstRouteToV2 =
        history.firstVersion(
            e ->
                e.kind().equals("VirtualService")
                    && weights((GenericKubernetesResource) e.object(), "default").stream()
                        .anyMatch(s -> s.startsWith("v2=")));
    assertThat(subsetAdded).isNotNegative().isLessThan(firstRouteToV2);
    // retirement: route, then subset, then Deployment
    long routeWithoutV1 =
        history.firstVersion(
            e ->
                e.kind().equals("VirtualService")
                    && weights((GenericKubernetesResource) e.object(), "default")
                        .equals(List.of("v2=100")));
    java.util.function.Predicate<ClusterHistory.Entry> withoutV1 =
        e ->
            e.kind().equals("DestinationRule")
                && !ClusterHistory.subsets((GenericKubernetesResource) e.object()).contains("v1");
    long subsetRemovedVersion = history.firstVersion(withoutV1);
    int subsetRemoved = history.indexOf(withoutV1);
    int deploymentDeleted =
        history.indexOf(
            e ->
                e.kind().equals("Deployment")
                    && e.action() == Watcher.Action.DELETED
                    && e.object().getMetadata().getName().equals("helloworld-v1"));
    assertThat(routeWithoutV1).isNotNegative().isLessThan(subsetRemovedVersion);
    // a deletion carries no version of its own: arrival order
    assertThat(subsetRemoved).isNotNegative().isLessThan(deploymentDeleted);

    assertThat(ClusterHistory.subsets(destinationRule(ns))).containsExactly("debug", "v2");
    assertThat(client.apps().deployments().inNamespace(ns).list().getItems())
        .extracting(d -> d.getMetadata().getName())
        .containsExactly("helloworld-v2");
    CanaryStatus st = status(ns);
    assertThat(st.stableVersion).isEqualTo("v2");
    assertThat(condition(st, "Progressing").getStatus()).isEqualTo("False");
    await()
        .untilAsserted(
            () -> assertThat(events(ns)).extracting(Event::getReason).contains("Promoted"));
    history.close();
  }

  @Test
  void b_anErrorRateBreakingTheGateAt30PercentRollsBackInOneWrite() {
    String ns = "scenario-b";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    ClusterHistory history = seed(ns, "4s");
    releaseV2(ns);
    await().atMost(RELEASE).until(() -> Integer.valueOf(30).equals(status(ns).weight));
    int writesBefore = history.virtualServices().size();
    PrometheusStub.clear(ns);
    PrometheusStub.canary(ns, 0.4, 120, 500);

    await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));

    List<List<String>> after =
        routeHistory(history).subList(writesBefore, history.virtualServices().size());
    assertThat(after).containsExactly(List.of("v1=100"));
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
    history.close();
  }

  @Test
  void c_emptyResultsHoldTheWeightThenRollBackAtTheInconclusiveLimit() {
    String ns = "scenario-c";
    PrometheusStub.noData(ns);
    ClusterHistory history = seed(ns, "1s");
    releaseV2(ns);

    await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));

    assertThat(routeHistory(history))
        .containsExactly(List.of("v1=100", "v2=0"), List.of("v1=90", "v2=10"), List.of("v1=100"));
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

    assertThat(routeHistory(history))
        .containsExactly(List.of("v1=100", "v2=0"), List.of("v1=90", "v2=10"), List.of("v1=100"));
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
    assertThat(routeHistory(history)).isEqualTo(expected);
    history.close();
  }

  private static Condition condition(CanaryStatus st, String type) {
    Predicate<Condition> ofType = c -> type.equals(c.getType());
    return st.conditions == null
        ? null
        : st.conditions.stream().filter(ofType).findFirst().orElse(null);
  }
}
