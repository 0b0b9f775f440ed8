package dev.sluice.faults;

import static dev.sluice.testing.ClusterHistory.httpRoute;
import static dev.sluice.testing.ClusterHistory.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.InvariantChecker;
import dev.sluice.testing.PrometheusStub;
import dev.sluice.testing.SluiceDaemon;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Another writer (a person, a GitOps tool) changes the VirtualService in the middle of a release,
 * with the packaged daemon running:
 *
 * <ul>
 *   <li>drift: it sets the managed route's weights to 50/50: Sluice writes its recorded weight back
 *       and the release goes on to promotion;
 *   <li>reset: it puts the managed route back to 100% stable (the manifest in Git): Sluice stops
 *       the release and records the rollback, writing nothing more;
 *   <li>other route: it edits the debug route several times while the steps go on: every write of
 *       Sluice keeps its edits, and the release is promoted;
 *   <li>route deleted: it removes the managed route: Sluice stops with a clear condition
 *       (RollbackBlocked), writes nothing, and finishes the rollback once the route is back.
 * </ul>
 *
 * The invariant checker runs over the whole history with the other writer's versions marked as
 * theirs: no write of Sluice loses any of them.
 */
class ConcurrentEditorsIT {
  private static final String DRIFT = "edit-drift";
  private static final String RESET = "edit-reset";
  private static final String OTHER = "edit-other-route";
  private static final String DELETE = "edit-delete-route";
  private static final List<String> ALL = List.of(DRIFT, RESET, OTHER, DELETE);

  @Test
  void anotherWritersChangesAreNeverLostAndTheManagedRouteIsRestoredOrTheReleaseStops()
      throws Exception {
    int edits = 0;
    try (Rig rig = new Rig("editors")) {
      URI promUrl = rig.prometheusStub();
      for (String ns : ALL) {
        rig.seed(ns, s -> s.put("interval", "2s"));
        PrometheusStub.canary(ns, 0.0, 100, 500);
      }
      try (SluiceDaemon daemon = rig.daemon(rig.api.url(), promUrl, Map.of())) {
        for (String ns : ALL) {
          rig.awaitStable(ns, "v1", Duration.ofSeconds(60));
          rig.release(ns, "v2");
        }
        // drift: 50/50 by hand; Sluice restores its recorded weight and goes on
        awaitCanaryAtLeast(rig, DRIFT, 30);
        edit(rig, DRIFT, vs -> setWeights(vs, 50, 50));
        edits++;
        // reset: the manifest in Git says 100% v1
        awaitCanaryAtLeast(rig, RESET, 30);
        edit(rig, RESET, vs -> setDestinations(vs, List.of(Map.of("v1", 100))));
        edits++;
        // route deleted: only the debug route is left
        awaitCanaryAtLeast(rig, DELETE, 30);
        edit(rig, DELETE, vs -> http(vs).removeIf(r -> "default".equals(r.get("name"))));
        edits++;
        awaitCanaryAtLeast(rig, OTHER, 30);
        // other route: the debug route is edited while the steps go on
        for (int i = 0; i < 5; i++) {
          String timeout = (6 + i) + "s";
          edit(rig, OTHER, vs -> debugRoute(vs).put("timeout", timeout));
          edits++;
          Thread.sleep(900);
        }

        await()
            .atMost(Duration.ofSeconds(120))
            .until(() -> "Succeeded".equals(rig.status(DRIFT).phase));
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> "RolledBack".equals(rig.status(RESET).phase));
        await()
            .atMost(Duration.ofSeconds(120))
            .until(() -> "Succeeded".equals(rig.status(OTHER).phase));
        // the route is gone: a clear condition, and no write
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  Condition ready = condition(rig.status(DELETE), "Ready");
                  assertThat(ready).isNotNull();
                  assertThat(ready.getReason()).isEqualTo("RollbackBlocked");
                  assertThat(ready.getMessage()).contains("fallback");
                });
        assertThat(rig.status(DELETE).phase).isEqualTo("Failed");
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(events(rig, DELETE))
                        .extracting(Event::getReason)
                        .contains("RollingBack", "RollbackBlocked"));
        String before = rig.virtualService(DELETE).getMetadata().getResourceVersion();
        Thread.sleep(3000);
        assertThat(rig.virtualService(DELETE).getMetadata().getResourceVersion())
            .as("nothing written while the managed route is gone")
            .isEqualTo(before);
        // GitOps puts the route back (100% v1): the rollback completes
        edit(
            rig,
            DELETE,
            vs -> {
              Map<String, Object> route = new java.util.LinkedHashMap<>();
              route.put("name", "default");
              route.put(
                  "route",
                  new ArrayList<>(
                      List.of(
                          Map.of(
                              "destination",
                              Map.of("host", "helloworld", "subset", "v1"),
                              "weight",
                              100))));
              http(vs).add(route);
            });
        edits++;
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> "RolledBack".equals(rig.status(DELETE).phase));
        assertThat(daemon.alive()).isTrue();
      }
      InvariantChecker.Report report = rig.history.check(ALL);
      System.out.printf("ConcurrentEditorsIT: %d edits by another writer; %s%n", edits, report);
      Figures.record("ConcurrentEditorsIT", "externalEdits=" + edits, report);

      assertThat(report.violations()).isEmpty();
      assertThat(report.lost()).isEmpty();
      assertThat(report.releasesStarted()).isEqualTo(4);
      // drift: every step once, in order (the checker saw that the write after the drift was the
      // recorded weight), and the canary alone at the end
      List<List<String>> drift = routeWrites(report, DRIFT);
      assertThat(drift).containsSubsequence(Routes.promotion("v1", "v2", Routes.tens()));
      assertThat(drift.get(drift.size() - 1)).isEqualTo(List.of("v2=100"));
      assertThat(routeWrites(report, OTHER)).isEqualTo(Routes.promotion("v1", "v2", Routes.tens()));
      assertThat(rig.status(RESET).rollbackReason).contains("reset outside the release");
      assertThat(weights(rig.virtualService(RESET), "default")).containsExactly("v1=100");
      // the other writer's last edit of the debug route is there after the promotion
      assertThat(httpRoute(rig.virtualService(OTHER), "debug").get("timeout")).isEqualTo("10s");
      assertThat(weights(rig.virtualService(OTHER), "default")).containsExactly("v2=100");
      CanaryStatus deleted = rig.status(DELETE);
      assertThat(deleted.rollbackReason).contains("can no longer be written");
    }
  }

  private static List<List<String>> routeWrites(InvariantChecker.Report report, String ns) {
    return report.routeWritesByRelease().entrySet().stream()
        .filter(e -> e.getKey().startsWith(ns + "/"))
        .findFirst()
        .orElseThrow()
        .getValue();
  }

  private static void awaitCanaryAtLeast(Rig rig, String ns, int weight) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                weights(rig.virtualService(ns), "default").stream()
                    .anyMatch(
                        w -> w.startsWith("v2=") && Integer.parseInt(w.substring(3)) >= weight));
  }

  /** A conditional update of the VirtualService as another writer would make it. */
  private static void edit(Rig rig, String ns, Consumer<GenericKubernetesResource> change) {
    for (int attempt = 0; ; attempt++) {
      GenericKubernetesResource vs = rig.virtualService(ns);
      change.accept(vs);
      try {
        GenericKubernetesResource written =
            rig.client
                .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
                .inNamespace(ns)
                .resource(vs)
                .update();
        rig.history.external(written);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt > 20) {
          throw e;
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> http(GenericKubernetesResource vs) {
    return (List<Map<String, Object>>)
        ((Map<String, Object>) vs.getAdditionalProperties().get("spec")).get("http");
  }

  private static Map<String, Object> debugRoute(GenericKubernetesResource vs) {
    return http(vs).stream().filter(r -> "debug".equals(r.get("name"))).findFirst().orElseThrow();
  }

  private static Map<String, Object> defaultRoute(GenericKubernetesResource vs) {
    return http(vs).stream().filter(r -> "default".equals(r.get("name"))).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static void setWeights(GenericKubernetesResource vs, int stable, int canary) {
    List<Map<String, Object>> route = (List<Map<String, Object>>) defaultRoute(vs).get("route");
    route.get(0).put("weight", stable);
    route.get(1).put("weight", canary);
  }

  private static void setDestinations(GenericKubernetesResource vs, List<Map<String, Integer>> to) {
    List<Map<String, Object>> route = new ArrayList<>();
    for (Map<String, Integer> d : to) {
      d.forEach(
          (subset, weight) ->
              route.add(
                  new java.util.LinkedHashMap<>(
                      Map.of(
                          "destination",
                          Map.of("host", "helloworld", "subset", subset),
                          "weight",
                          weight))));
    }
    defaultRoute(vs).put("route", route);
  }

  private static List<Event> events(Rig rig, String ns) {
    return rig.client.v1().events().inNamespace(ns).list().getItems();
  }

  private static Condition condition(CanaryStatus st, String type) {
    return st.conditions == null
        ? null
        : st.conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }
}
