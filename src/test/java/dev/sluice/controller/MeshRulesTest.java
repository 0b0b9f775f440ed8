package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.ClusterHistory;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.History;
import dev.sluice.testing.InvariantChecker;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The rules of "What Sluice never does" against the whole daemon, on layouts of real meshes written
 * as users write them: Istio's guide with its debug build labelled {@code version: debug}, created
 * before, after or during a release; a shadow build the managed route mirrors to; a TLS route and a
 * gateway's VirtualService in another namespace still routing to v1 at promotion; a copy of the
 * Canary; a subset written ahead of the release without labels; a load-test build a versionSelector
 * leaves out. Every version the API server stored is checked by the {@link InvariantChecker}, whose
 * rules include the mesh-wide ones (candidates, retirement, one owner).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class MeshRulesTest {
  private static final Duration RELEASE = Duration.ofSeconds(90);

  @Inject KubernetesClient client;

  private Canary canary(String ns, String name) {
    return client.resources(Canary.class).inNamespace(ns).withName(name).get();
  }

  private CanaryStatus status(String ns) {
    return status(ns, "helloworld");
  }

  private CanaryStatus status(String ns, String name) {
    Canary c = canary(ns, name);
    return c == null || c.getStatus() == null ? new CanaryStatus() : c.getStatus();
  }

  private static Condition condition(CanaryStatus st, String type) {
    return st.conditions.stream().filter(c -> c.getType().equals(type)).findFirst().orElse(null);
  }

  private static CanaryStatus.CandidateStatus candidate(CanaryStatus st, String deployment) {
    return st.candidates.stream()
        .filter(c -> deployment.equals(c.deployment))
        .findFirst()
        .orElse(null);
  }

  private List<String> deployments(String ns) {
    return client.apps().deployments().inNamespace(ns).list().getItems().stream()
        .map(d -> d.getMetadata().getName())
        .sorted()
        .toList();
  }

  private GenericKubernetesResource virtualService(String ns, String name) {
    return client
        .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
        .inNamespace(ns)
        .withName(name)
        .get();
  }

  private List<String> subsets(String ns) {
    return ClusterHistory.subsets(
        client
            .genericKubernetesResources(Fixtures.DESTINATION_RULE)
            .inNamespace(ns)
            .withName("helloworld")
            .get());
  }

  private List<Event> events(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  /** The guide's objects (debug build after v1), the given edit applied to each first. */
  private void seed(String ns, UnaryOperator<GenericKubernetesResource> edit) {
    seed(ns, edit, true, true);
  }

  /**
   * @param debugBuild with the guide's debug build, served by its header route (a TCP service has
   *     no such route, and a debug build nothing routes to is a release candidate like any other)
   */
  private void seed(
      String ns,
      UnaryOperator<GenericKubernetesResource> edit,
      boolean stable,
      boolean debugBuild) {
    Fixtures.apply(client, ns, "scenarios/helloworld.yaml", edit);
    if (debugBuild) {
      Fixtures.apply(client, ns, "scenarios/helloworld-debug.yaml");
    }
    if (stable) {
      awaitStable(ns, "v1");
    }
  }

  private void awaitStable(String ns, String version) {
    await()
        .atMost(RELEASE)
        .untilAsserted(() -> assertThat(status(ns).stableVersion).isEqualTo(version));
  }

  /** Replaces the seed's documents of a kind by those of {@code resource}. */
  private UnaryOperator<GenericKubernetesResource> replacing(String kind, String resource) {
    return doc ->
        doc.getKind().equals(kind)
            ? Fixtures.read(client, resource).stream()
                .filter(d -> d.getKind().equals(kind))
                .findFirst()
                .orElseThrow()
            : doc;
  }

  private void releaseV2(String ns) {
    Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");
  }

  /** Waits until Sluice has judged {@code deployment}, then returns its entry. */
  private CanaryStatus.CandidateStatus awaitJudged(String ns, String deployment) {
    await()
        .atMost(RELEASE)
        .untilAsserted(() -> assertThat(candidate(status(ns), deployment)).isNotNull());
    return candidate(status(ns), deployment);
  }

  private static void assertNoViolation(History history, List<String> namespaces) {
    InvariantChecker.Report report = history.check(namespaces);
    System.out.println("MeshRulesTest " + namespaces + ": " + report);
    assertThat(report.violations()).isEmpty();
    assertThat(report.lost()).isEmpty();
  }

  private int routeWrites(History history, String ns) {
    return (int)
        history.versions().stream()
            .filter(v -> v.kind().equals("VirtualService") && v.action().equals("MODIFIED"))
            .filter(v -> v.object().path("metadata").path("namespace").asText().equals(ns))
            .count();
  }

  @Test
  void theGuidesDebugBuildCreatedAfterV1IsNeverReleasedAndStaysThroughARealRelease() {
    String ns = "mesh-debug-after";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      seed(ns, UnaryOperator.identity());

      CanaryStatus.CandidateStatus debug = awaitJudged(ns, "helloworld-debug");
      assertThat(debug.candidate).isFalse();
      assertThat(debug.reason)
          .isEqualTo("it is served by route `debug` of VirtualService helloworld");
      assertThat(status(ns).phase).isEqualTo("Idle");

      releaseV2(ns);
      await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
      assertThat(status(ns).stableVersion).isEqualTo("v2");
      assertThat(deployments(ns)).containsExactly("helloworld-debug", "helloworld-v2");
      assertThat(subsets(ns)).containsExactly("debug", "v2");
      assertThat(events(ns))
          .filteredOn(e -> e.getReason().equals("ReleaseStarted"))
          .singleElement()
          .satisfies(e -> assertThat(e.getMessage()).startsWith("releasing v2 (stable v1)"));
      assertNoViolation(history, List.of(ns));
    }
  }

  @Test
  void theGuidesDebugBuildCreatedBeforeV1IsNeverReleased() {
    String ns = "mesh-debug-before";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      Fixtures.apply(client, ns, "scenarios/helloworld-debug.yaml");
      Fixtures.apply(client, ns, "scenarios/helloworld.yaml");
      awaitStable(ns, "v1");

      CanaryStatus.CandidateStatus debug = awaitJudged(ns, "helloworld-debug");
      assertThat(debug.candidate).isFalse();
      assertThat(debug.reason).contains("route `debug`");
      assertThat(routeWrites(history, ns)).isZero();
      assertNoViolation(history, List.of(ns));
    }
  }

  @Test
  void theGuidesDebugBuildCreatedDuringAReleaseChangesNothing() {
    String ns = "mesh-debug-during";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      Fixtures.apply(client, ns, "scenarios/helloworld.yaml");
      awaitStable(ns, "v1");
      releaseV2(ns);
      await().atMost(RELEASE).until(() -> status(ns).weight != null && status(ns).weight >= 30);
      Fixtures.apply(client, ns, "scenarios/helloworld-debug.yaml");

      await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
      assertThat(status(ns).stableVersion).isEqualTo("v2");
      CanaryStatus.CandidateStatus debug = awaitJudged(ns, "helloworld-debug");
      assertThat(debug.candidate).isFalse();
      assertThat(events(ns)).filteredOn(e -> e.getReason().equals("ReleaseStarted")).hasSize(1);
      assertThat(deployments(ns)).containsExactly("helloworld-debug", "helloworld-v2");
      assertNoViolation(history, List.of(ns));
    }
  }

  @Test
  void aShadowBuildTheManagedRouteMirrorsToIsNeverReleasedAndTheMirrorStays() {
    String ns = "mesh-shadow";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    String routing = "scenarios/mesh/shadow-routing.yaml";
    try (History history = new History(client)) {
      seed(
          ns,
          doc ->
              replacing("VirtualService", routing)
                  .apply(replacing("DestinationRule", routing).apply(doc)));
      Fixtures.create(
          client,
          ns,
          Fixtures.read(client, routing).stream()
              .filter(d -> d.getKind().equals("Deployment"))
              .findFirst()
              .orElseThrow());

      CanaryStatus.CandidateStatus shadow = awaitJudged(ns, "helloworld-shadow");
      assertThat(shadow.candidate).isFalse();
      assertThat(shadow.reason)
          .isEqualTo("it is served by mirror of route `default` of VirtualService helloworld");

      releaseV2(ns);
      await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
      Map<String, Object> route =
          ClusterHistory.httpRoute(virtualService(ns, "helloworld"), "default");
      assertThat(route.get("mirror")).isEqualTo(Map.of("host", "helloworld", "subset", "shadow"));
      assertThat(subsets(ns)).containsExactly("debug", "shadow", "v2");
      assertThat(deployments(ns))
          .containsExactly("helloworld-debug", "helloworld-shadow", "helloworld-v2");
      assertNoViolation(history, List.of(ns));
    }
  }

  @Test
  void aTlsRouteAndAGatewayStillRoutingToV1KeepItUntilTheyLetGo() {
    String ns = "shop";
    String ingress = "istio-ingress";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      seed(ns, replacing("VirtualService", "scenarios/mesh/tls-routing.yaml"));
      Fixtures.apply(client, ingress, "scenarios/mesh/gateway.yaml");
      releaseV2(ns);

      await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
      await().atMost(RELEASE).untilAsserted(() -> assertThat(status(ns).retiring).hasSize(1));
      CanaryStatus st = status(ns);
      assertThat(st.stableVersion).isEqualTo("v2");
      assertThat(st.retiring.get(0).version).isEqualTo("v1");
      assertThat(st.retiring.get(0).heldBy)
          .isEqualTo(
              "subset v1 is routed to by tls route 0 of VirtualService helloworld; route `public`"
                  + " of VirtualService istio-ingress/helloworld-gateway");
      Condition retirement = condition(st, "Retirement");
      assertThat(retirement.getStatus()).isEqualTo("False");
      assertThat(retirement.getReason()).isEqualTo("RetirementBlocked");
      assertThat(subsets(ns)).contains("v1");
      assertThat(deployments(ns)).contains("helloworld-v1");
      await()
          .untilAsserted(
              () ->
                  assertThat(events(ns))
                      .anySatisfy(
                          e -> {
                            assertThat(e.getReason()).isEqualTo("RetirementBlocked");
                            assertThat(e.getMessage()).contains("helloworld-gateway");
                          }));

      // the TLS route moves to v2 (its owner's edit): the gateway still holds v1
      GenericKubernetesResource vs = virtualService(ns, "helloworld");
      @SuppressWarnings("unchecked")
      Map<String, Object> spec = (Map<String, Object>) vs.getAdditionalProperties().get("spec");
      spec.remove("tls");
      history.external(
          client
              .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
              .inNamespace(ns)
              .resource(vs)
              .update());
      await()
          .atMost(RELEASE)
          .untilAsserted(
              () ->
                  assertThat(status(ns).retiring.get(0).heldBy)
                      .isEqualTo(
                          "subset v1 is routed to by route `public` of VirtualService"
                              + " istio-ingress/helloworld-gateway"));
      assertThat(subsets(ns)).contains("v1");

      // the gateway goes: v1 is retired by itself
      client
          .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
          .inNamespace(ingress)
          .withName("helloworld-gateway")
          .delete();
      await().atMost(RELEASE).until(() -> status(ns).retiring.isEmpty());
      await()
          .atMost(RELEASE)
          .untilAsserted(() -> assertThat(deployments(ns)).doesNotContain("helloworld-v1"));
      assertThat(subsets(ns)).containsExactly("debug", "v2");
      assertThat(condition(status(ns), "Retirement").getStatus()).isEqualTo("True");
      assertThat(events(ns)).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("Retired"));
      assertNoViolation(history, List.of(ns, ingress));
    }
  }

  /**
   * The Canary lists the gateway's VirtualService in istio-ingress and the mesh's, in that order.
   */
  private static UnaryOperator<GenericKubernetesResource> lockstep(Map<String, String> gateway) {
    return Fixtures.editCanary(
        spec -> {
          spec.remove("virtualService");
          spec.put("virtualServices", List.of(gateway, Map.of("name", "helloworld")));
        });
  }

  /** The guide's VirtualService without hosts: a delegate, for a root to include. */
  private static UnaryOperator<GenericKubernetesResource> asDelegate() {
    return Fixtures.editSpec("VirtualService", spec -> spec.remove("hosts"));
  }

  /** Each stored version of a VirtualService's managed route, as "subset=weight" lists. */
  private static List<List<String>> routeVersions(
      History history, String ns, String name, int httpIndex) {
    List<List<String>> out = new java.util.ArrayList<>();
    for (var v : history.versions()) {
      if (!v.kind().equals("VirtualService")
          || !v.object().path("metadata").path("namespace").asText().equals(ns)
          || !v.object().path("metadata").path("name").asText().equals(name)) {
        continue;
      }
      List<String> route = new java.util.ArrayList<>();
      for (var entry : v.object().path("spec").path("http").get(httpIndex).path("route")) {
        route.add(
            entry.path("destination").path("subset").asText()
                + "="
                + entry.path("weight").asInt(100));
      }
      if (out.isEmpty() || !out.get(out.size() - 1).equals(route)) {
        out.add(route);
      }
    }
    return out;
  }

  @Test
  void aGatewayAndAMeshVirtualServiceMoveInLockstepAndV1IsRetiredFromBoth() {
    String ns = "lockstep";
    String ingress = "istio-ingress";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      Fixtures.applyGateway(client, ingress, "helloworld-gateway-lockstep", ns);
      seed(
          ns,
          lockstep(
              Map.of(
                  "name", "helloworld-gateway-lockstep", "namespace", ingress, "route", "public")));
      releaseV2(ns);
      await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
      await()
          .atMost(RELEASE)
          .untilAsserted(() -> assertThat(deployments(ns)).doesNotContain("helloworld-v1"));

      // the mesh VirtualService's fallback is http[1] (after the guide's debug route)
      List<List<String>> mesh = routeVersions(history, ns, "helloworld", 1);
      List<List<String>> gateway =
          routeVersions(history, ingress, "helloworld-gateway-lockstep", 0);
      List<List<String>> expected = new java.util.ArrayList<>();
      expected.add(List.of("v1=100"));
      for (int w = 0; w <= 100; w += 10) {
        expected.add(List.of("v1=" + (100 - w), "v2=" + w));
      }
      expected.add(List.of("v2=100"));
      assertThat(mesh).isEqualTo(expected);
      assertThat(gateway).isEqualTo(expected);
      assertThat(subsets(ns)).containsExactly("debug", "v2");
      assertThat(condition(status(ns), "Retirement").getStatus()).isEqualTo("True");
      assertNoViolation(history, List.of(ns, ingress));
    }
  }

  @Test
  void aFailingCanaryRollsBackTheGatewayAndTheMeshRouteAtOnce() {
    String ns = "lockstep-bad";
    String ingress = "istio-ingress";
    PrometheusStub.canary(ns, 0.5, 120, 500); // half of v2's requests fail
    try (History history = new History(client)) {
      Fixtures.applyGateway(client, ingress, "helloworld-gateway-bad", ns);
      seed(ns, lockstep(Map.of("name", "helloworld-gateway-bad", "namespace", ingress)));
      releaseV2(ns);
      await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));

      List<List<String>> mesh = routeVersions(history, ns, "helloworld", 1);
      List<List<String>> gateway = routeVersions(history, ingress, "helloworld-gateway-bad", 0);
      assertThat(mesh.get(mesh.size() - 1)).containsExactly("v1=100");
      assertThat(gateway.get(gateway.size() - 1)).containsExactly("v1=100");
      // the canary never got more than the first step on either route
      for (List<List<String>> route : List.of(mesh, gateway)) {
        assertThat(route)
            .allSatisfy(r -> assertThat(r).doesNotContain("v2=20", "v2=30", "v1=80", "v1=70"));
      }
      assertThat(status(ns).rollbackReason).contains("check failed");
      assertThat(deployments(ns)).contains("helloworld-v1");
      assertNoViolation(history, List.of(ns, ingress));
    }
  }

  @Test
  void aGatewayVirtualServiceDeletedMidReleaseStillRollsTheMeshRouteBack() {
    String ns = "lockstep-gone";
    String ingress = "istio-ingress";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      Fixtures.applyGateway(client, ingress, "helloworld-gateway-gone", ns);
      seed(ns, lockstep(Map.of("name", "helloworld-gateway-gone", "namespace", ingress)));
      releaseV2(ns);
      await().atMost(RELEASE).until(() -> Integer.valueOf(30).equals(status(ns).weight));
      client
          .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
          .inNamespace(ingress)
          .withName("helloworld-gateway-gone")
          .delete();

      await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));
      assertThat(status(ns).rollbackReason)
          .contains("VirtualService istio-ingress/helloworld-gateway-gone");
      List<List<String>> mesh = routeVersions(history, ns, "helloworld", 1);
      assertThat(mesh.get(mesh.size() - 1)).containsExactly("v1=100");
      await()
          .untilAsserted(
              () ->
                  assertThat(events(ns))
                      .anySatisfy(
                          e ->
                              assertThat(e.getMessage())
                                  .contains(
                                      "routes back to 100% v1 (gone, so carrying no traffic")));
      assertNoViolation(history, List.of(ns, ingress));
    }
  }

  @Test
  void aTcpServiceIsReleasedOnItsTcpRoute() {
    String ns = "mesh-tcp";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      seed(ns, replacing("VirtualService", "scenarios/mesh/tcp-only.yaml"), true, false);
      releaseV2(ns);
      await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
      GenericKubernetesResource vs = virtualService(ns, "helloworld");
      String json = client.getKubernetesSerialization().asJson(vs);
      assertThat(json).contains("\"subset\":\"v2\"").doesNotContain("\"subset\":\"v1\"");
      // every weight of the release went through the tcp route; the port stayed
      List<String> weights = new java.util.ArrayList<>();
      for (var v : history.versions()) {
        if (v.kind().equals("VirtualService")
            && v.object().path("metadata").path("namespace").asText().equals(ns)) {
          var route = v.object().path("spec").path("tcp").get(0).path("route");
          List<String> w = new java.util.ArrayList<>();
          route.forEach(
              e -> {
                w.add(
                    e.path("destination").path("subset").asText()
                        + "="
                        + e.path("weight").asInt(100));
                assertThat(e.path("destination").path("port").path("number").asInt())
                    .isEqualTo(5000);
              });
          String joined = String.join(",", w);
          if (weights.isEmpty() || !weights.get(weights.size() - 1).equals(joined)) {
            weights.add(joined);
          }
        }
      }
      assertThat(weights)
          .startsWith("v1=100", "v1=100,v2=0", "v1=90,v2=10")
          .endsWith("v1=10,v2=90", "v1=0,v2=100", "v2=100");
      assertNoViolation(history, List.of(ns));
    }
  }

  @Test
  void aTlsPassthroughRouteNamedByPositionIsReleasedAndRolledBack() {
    String ns = "mesh-tls";
    PrometheusStub.canary(ns, 0.5, 120, 500); // v2 fails its checks: a rollback on the tls route
    try (History history = new History(client)) {
      seed(
          ns,
          doc ->
              Fixtures.editCanary(
                      spec ->
                          spec.put(
                              "virtualService", Map.of("name", "helloworld", "route", "tls[0]")))
                  .apply(
                      replacing("VirtualService", "scenarios/mesh/tls-passthrough.yaml")
                          .apply(doc)),
          true,
          false);
      releaseV2(ns);
      await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));
      var tls = virtualService(ns, "helloworld");
      String json = client.getKubernetesSerialization().asJson(tls);
      assertThat(json)
          .contains("\"subset\":\"v1\"")
          .doesNotContain("\"subset\":\"v2\"")
          .contains("\"sniHosts\":[\"helloworld.example.com\"]");
      assertThat(routeWrites(history, ns)).isGreaterThanOrEqualTo(2); // joined at 0, then back
      // the rolled-back subset leaves the DestinationRule before the next test looks
      await().atMost(RELEASE).until(() -> !subsets(ns).contains("v2"));
      assertNoViolation(history, List.of(ns));
    }
  }

  @Test
  void aDelegateVirtualServiceIsShiftedAndItsRootNeverWritten() {
    String ns = "mesh-delegate";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      Fixtures.apply(client, ns, "scenarios/mesh/delegate-root.yaml");
      String rootVersion = virtualService(ns, "helloworld-root").getMetadata().getResourceVersion();
      seed(ns, asDelegate());
      releaseV2(ns);
      await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
      assertThat(virtualService(ns, "helloworld-root").getMetadata().getResourceVersion())
          .isEqualTo(rootVersion);
      List<List<String>> routes = routeVersions(history, ns, "helloworld", 1);
      assertThat(routes.get(routes.size() - 1)).containsExactly("v2=100");
      assertNoViolation(history, List.of(ns));
    }
  }

  @Test
  void aCanaryPointedAtTheRootOfADelegateIsToldToNameTheDelegate() {
    String ns = "mesh-root";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    Fixtures.apply(client, ns, "scenarios/mesh/delegate-root.yaml");
    seed(
        ns,
        doc ->
            Fixtures.editCanary(
                    spec -> spec.put("virtualService", Map.of("name", "helloworld-root")))
                .apply(asDelegate().apply(doc)),
        false,
        true);
    await()
        .atMost(RELEASE)
        .untilAsserted(
            () -> {
              Condition ready = condition(status(ns), "Ready");
              assertThat(ready).isNotNull();
              assertThat(ready.getReason()).isEqualTo("InvalidVirtualService");
              assertThat(ready.getMessage())
                  .contains("delegates to VirtualService helloworld")
                  .contains("point the Canary at that delegate VirtualService");
            });
  }

  @Test
  void aCopyOfTheCanaryIsRefusedAndWritesNothingUntilTheFirstIsDeleted() {
    String ns = "mesh-copy";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      seed(ns, UnaryOperator.identity());
      // a GitOps slip: the same Canary under a second name
      GenericKubernetesResource copy =
          Fixtures.read(client, "scenarios/helloworld.yaml").stream()
              .filter(d -> d.getKind().equals("Canary"))
              .findFirst()
              .orElseThrow();
      copy.getMetadata().setName("helloworld-copy");
      Fixtures.create(client, ns, copy);
      await()
          .atMost(RELEASE)
          .untilAsserted(
              () -> {
                Condition ready = condition(status(ns, "helloworld-copy"), "Ready");
                assertThat(ready).isNotNull();
                assertThat(ready.getReason()).isEqualTo("Conflict");
                assertThat(ready.getMessage())
                    .startsWith(
                        "Canary mesh-copy/helloworld releases the same app (helloworld) and was"
                            + " created first");
              });

      releaseV2(ns);
      await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
      // one release, one writer: 0, 10, ... 100, then v1 dropped
      assertThat(routeWrites(history, ns)).isEqualTo(12);
      assertThat(status(ns, "helloworld-copy").phase).isNull();
      assertThat(events(ns))
          .anySatisfy(
              e -> {
                assertThat(e.getReason()).isEqualTo("Conflict");
                assertThat(e.getInvolvedObject().getName()).isEqualTo("helloworld-copy");
              });

      client.resources(Canary.class).inNamespace(ns).withName("helloworld").delete();
      await()
          .atMost(RELEASE)
          .untilAsserted(
              () -> {
                CanaryStatus st = status(ns, "helloworld-copy");
                assertThat(st.stableVersion).isEqualTo("v2");
                assertThat(condition(st, "Ready").getStatus()).isEqualTo("True");
              });
      assertThat(routeWrites(history, ns)).isEqualTo(12);
      assertNoViolation(history, List.of(ns));
    }
  }

  @Test
  void aSubsetWrittenAheadWithoutLabelsIsRefusedNamedAndNeverRewritten() {
    String ns = "mesh-unlabelled";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      seed(ns, replacing("DestinationRule", "scenarios/mesh/unlabelled-subset.yaml"));
      releaseV2(ns);

      CanaryStatus.CandidateStatus v2 = awaitJudged(ns, "helloworld-v2");
      assertThat(v2.candidate).isFalse();
      assertThat(v2.reason)
          .isEqualTo(
              "subset v2 of the DestinationRule has no labels: it selects every version's pods");

      // named as the target, it is still refused, with the subset's name, and nothing is written
      Canary c = canary(ns, "helloworld");
      c.getSpec().targetVersion = "v2";
      client.resources(Canary.class).inNamespace(ns).resource(c).update();
      await()
          .atMost(RELEASE)
          .untilAsserted(
              () -> {
                Condition ready = condition(status(ns), "Ready");
                assertThat(ready.getReason()).isEqualTo("SubsetMismatch");
                assertThat(ready.getMessage()).startsWith("subset v2 of the DestinationRule");
              });
      assertThat(routeWrites(history, ns)).isZero();
      assertThat(
              history.versions().stream()
                  .filter(v -> v.kind().equals("DestinationRule"))
                  .filter(v -> v.object().path("metadata").path("namespace").asText().equals(ns))
                  .filter(v -> v.action().equals("MODIFIED")))
          .isEmpty();
      assertNoViolation(history, List.of(ns));
    }
  }

  @Test
  void aVersionSelectorLeavesTheLoadTestBuildOut() {
    String ns = "mesh-selector";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      seed(
          ns,
          Fixtures.editCanary(
              spec ->
                  spec.put(
                      "versionSelector",
                      Map.of(
                          "matchExpressions",
                          List.of(
                              Map.of(
                                  "key",
                                  "track",
                                  "operator",
                                  "NotIn",
                                  "values",
                                  List.of("loadtest")))))));
      Fixtures.apply(client, ns, "scenarios/mesh/loadtest.yaml");

      CanaryStatus.CandidateStatus loadtest = awaitJudged(ns, "helloworld-loadtest");
      assertThat(loadtest.candidate).isFalse();
      assertThat(loadtest.reason).isEqualTo("the Canary's versionSelector does not select it");
      assertThat(routeWrites(history, ns)).isZero();

      releaseV2(ns);
      await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
      assertThat(deployments(ns))
          .containsExactly("helloworld-debug", "helloworld-loadtest", "helloworld-v2");
      assertNoViolation(history, List.of(ns));
    }
  }
}
