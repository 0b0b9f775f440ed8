package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.History;
import dev.sluice.testing.InvariantChecker;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Each release strategy against the whole daemon, on the objects of Istio's guide (its debug route
 * stays byte-identical throughout): an A/B stage for a header, a mirroring stage, session affinity
 * and blue/green, with a passing and a failing canary. Every version the API server stored is
 * checked by the {@link InvariantChecker}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class StrategiesTest {
  private static final Duration RELEASE = Duration.ofSeconds(90);
  private static final Map<String, Object> INSIDERS =
      Map.of("headers", Map.of("x-canary", Map.of("exact", "insider")));

  @Inject KubernetesClient client;

  private CanaryStatus status(String ns) {
    Canary c = client.resources(Canary.class).inNamespace(ns).withName("helloworld").get();
    return c == null || c.getStatus() == null ? new CanaryStatus() : c.getStatus();
  }

  private GenericKubernetesResource virtualService(String ns) {
    return client
        .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
        .inNamespace(ns)
        .withName("helloworld")
        .get();
  }

  /** The guide's objects with the Canary edited, v1 adopted, then v2 deployed. */
  private void release(String ns, Consumer<Map<String, Object>> canary) {
    Fixtures.apply(client, ns, "scenarios/helloworld.yaml", Fixtures.editCanary(canary));
    Fixtures.apply(client, ns, "scenarios/helloworld-debug.yaml");
    await().atMost(RELEASE).until(() -> "v1".equals(status(ns).stableVersion));
    Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");
  }

  private void awaitPhase(String ns, String phase) {
    await().atMost(RELEASE).until(() -> phase.equals(status(ns).phase));
  }

  /** Every stored version of the namespace's VirtualService, its http routes as JSON. */
  private static List<JsonNode> stored(History history, String ns) {
    List<JsonNode> out = new ArrayList<>();
    for (InvariantChecker.Version v : history.versions()) {
      JsonNode o = v.object();
      if (v.kind().equals("VirtualService")
          && o.path("metadata").path("namespace").asText().equals(ns)) {
        out.add(o.path("spec").path("http"));
      }
    }
    return out;
  }

  private static List<String> names(JsonNode http) {
    List<String> names = new ArrayList<>();
    http.forEach(r -> names.add(r.path("name").asText()));
    return names;
  }

  private static int weight(JsonNode route, String subset) {
    for (JsonNode entry : route.path("route")) {
      if (subset.equals(entry.path("destination").path("subset").asText())) {
        return entry.path("weight").asInt(100);
      }
    }
    return -1;
  }

  /** The managed route (named default in the guide's objects) of one stored version. */
  private static JsonNode managed(JsonNode http) {
    for (JsonNode r : http) {
      if (r.path("name").asText().equals("default")) {
        return r;
      }
    }
    throw new AssertionError("no default route in " + http);
  }

  private static void assertNoViolation(History history, String ns) {
    InvariantChecker.Report report = history.check(List.of(ns));
    System.out.println("StrategiesTest " + ns + ": " + report);
    assertThat(report.violations()).isEmpty();
    assertThat(report.lost()).isEmpty();
  }

  /** Nothing happens while the release runs. */
  private static final Runnable NOTHING = () -> {};

  /**
   * Seeds the guide's objects with the Canary edited, releases v2 with its error ratio at {@code
   * errorRatio}, runs {@code midway}, waits for {@code phase}, checks the history with the
   * invariant checker and returns every stored version of the VirtualService's http routes.
   */
  private List<JsonNode> released(
      String ns,
      double errorRatio,
      Consumer<Map<String, Object>> canary,
      Runnable midway,
      String phase) {
    PrometheusStub.canary(ns, errorRatio, 120, 500);
    try (History history = new History(client)) {
      release(ns, canary);
      midway.run();
      awaitPhase(ns, phase);
      assertNoViolation(history, ns);
      return stored(history, ns);
    }
  }

  /** Once the canary's weight reaches {@code weight}, its error ratio breaks the gate. */
  private Runnable failingFrom(String ns, int weight) {
    return () -> {
      await().atMost(RELEASE).until(() -> status(ns).weight != null && status(ns).weight >= weight);
      PrometheusStub.canary(ns, 0.5, 120, 500);
    };
  }

  @Test
  void anAbStageForAHeaderThenPromotionWithoutWeightSteps() {
    String ns = "abtest";
    List<JsonNode> versions =
        released(
            ns,
            0.0,
            spec -> {
              spec.put("match", List.of(INSIDERS));
              spec.put("iterations", 3);
              spec.put("steps", List.of());
            },
            NOTHING,
            "Succeeded");

    String owned = "sluice/" + ns + "/helloworld/match";
    JsonNode stage =
        versions.stream().filter(h -> names(h).contains(owned)).findFirst().orElseThrow();
    assertThat(names(stage)).containsExactly("debug", owned, "default");
    assertThat(stage.get(1).path("match").toString())
        .isEqualTo("[{\"headers\":{\"x-canary\":{\"exact\":\"insider\"}}}]");
    assertThat(stage.get(1).path("retries")).isEqualTo(stage.get(2).path("retries"));
    assertThat(weight(stage.get(1), "v2")).isEqualTo(100);
    assertThat(weight(managed(stage), "v2")).isZero();
    // no version gave users outside the header any of v2 before the promotion
    for (JsonNode h : versions) {
      int v2 = weight(managed(h), "v2");
      assertThat(v2 == 100 && weight(managed(h), "v1") < 0 || v2 <= 0).isTrue();
    }
    assertThat(names(versions.get(versions.size() - 1))).containsExactly("debug", "default");
    assertThat(
            names(
                new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
                    .convertValue(virtualService(ns), JsonNode.class)
                    .path("spec")
                    .path("http")))
        .containsExactly("debug", "default");
    assertThat(status(ns).stableVersion).isEqualTo("v2");
  }

  @Test
  void aCanaryFailingItsAbStageIsRolledBackWithItsRouteInOneWrite() {
    String ns = "abtest-bad";
    List<JsonNode> versions =
        released(
            ns,
            0.5,
            spec -> {
              spec.put("match", List.of(INSIDERS));
              spec.put("iterations", 5);
            },
            NOTHING,
            "RolledBack");

    JsonNode last = versions.get(versions.size() - 1);
    assertThat(names(last)).containsExactly("debug", "default");
    assertThat(weight(managed(last), "v1")).isEqualTo(100);
    assertThat(weight(managed(last), "v2")).isEqualTo(-1);
    // the one before it still had the stage's route: the rollback removed it in its write
    assertThat(names(versions.get(versions.size() - 2)))
        .contains("sluice/" + ns + "/helloworld/match");
    assertThat(status(ns).rollbackReason).contains("check failed");
  }

  @Test
  void aCanaryFailingOnMirroredTrafficIsRolledBackBeforeAnyUserSawIt() {
    String ns = "mirror-bad";
    List<JsonNode> versions =
        released(
            ns,
            0.5,
            spec -> spec.put("mirror", Map.of("percent", 100, "iterations", 3)),
            NOTHING,
            "RolledBack");

    assertThat(versions)
        .anySatisfy(
            h -> assertThat(managed(h).path("mirror").path("subset").asText()).isEqualTo("v2"));
    for (JsonNode h : versions) {
      assertThat(weight(managed(h), "v2")).isLessThanOrEqualTo(0);
      if (managed(h).has("mirror")) {
        assertThat(managed(h).path("mirrorPercentage").path("value").asInt()).isEqualTo(100);
      }
    }
    JsonNode last = versions.get(versions.size() - 1);
    assertThat(managed(last).has("mirror")).isFalse();
    assertThat(managed(last).has("mirrorPercentage")).isFalse();
  }

  @Test
  void sessionAffinityKeepsStickyRoutesAndCookiesDuringTheStepsOnly() {
    String ns = "affinity";
    List<JsonNode> versions =
        released(
            ns,
            0.0,
            spec -> {
              spec.put("steps", List.of(30, 60, 100));
              spec.put("sessionAffinity", Map.of("cookieName", "sluice-session", "maxAge", "1h"));
            },
            NOTHING,
            "Succeeded");

    String prefix = "sluice/" + ns + "/helloworld/";
    JsonNode step =
        versions.stream().filter(h -> weight(managed(h), "v2") == 30).findFirst().orElseThrow();
    assertThat(names(step))
        .containsExactly("debug", prefix + "sticky-canary", prefix + "sticky-stable", "default");
    String cookie =
        managed(step)
            .path("route")
            .get(1)
            .path("headers")
            .path("response")
            .path("add")
            .path("Set-Cookie")
            .asText();
    assertThat(cookie).startsWith("sluice-session=sluice-v2-").endsWith("; Max-Age=3600; Path=/");
    String regex =
        step.get(1).path("match").get(0).path("headers").path("cookie").path("regex").asText();
    assertThat(
            java.util.regex.Pattern.matches(
                regex, "other=1; " + cookie.substring(0, cookie.indexOf(';'))))
        .isTrue();
    JsonNode last = versions.get(versions.size() - 1);
    assertThat(names(last)).containsExactly("debug", "default");
    assertThat(managed(last).path("route").toString()).doesNotContain("Set-Cookie");
  }

  @Test
  void blueGreenPreviewsSwitchesInOneWriteAndRollsBackInOneWriteAfterTheSwitch() {
    String ns = "bluegreen-bad";
    List<JsonNode> versions =
        released(
            ns,
            0.0,
            spec ->
                spec.put("blueGreen", Map.of("previewIterations", 2, "postSwitchIterations", 30)),
            failingFrom(ns, 100),
            "RolledBack");

    String preview = "sluice/" + ns + "/helloworld/match";
    int switchAt = -1;
    for (int i = 0; i < versions.size(); i++) {
      if (weight(managed(versions.get(i)), "v2") == 100) {
        switchAt = i;
        break;
      }
    }
    JsonNode before = versions.get(switchAt - 1);
    assertThat(names(before)).contains(preview);
    assertThat(before.toString()).contains("x-sluice-preview");
    assertThat(weight(managed(before), "v2")).isZero();
    JsonNode switched = versions.get(switchAt);
    assertThat(names(switched)).containsExactly("debug", "default");
    assertThat(weight(managed(switched), "v1")).isZero();
    JsonNode back = versions.get(switchAt + 1);
    assertThat(weight(managed(back), "v1")).isEqualTo(100);
    assertThat(weight(managed(back), "v2")).isEqualTo(-1);
    assertThat(versions).hasSize(switchAt + 2);
  }

  @Test
  void aHealthyCanaryPassesItsMirrorStageThenTheWeightsMoveWithoutTheMirror() {
    String ns = "mirror-good";
    List<JsonNode> versions =
        released(
            ns,
            0.0,
            spec -> {
              spec.put("mirror", Map.of("percent", 20, "iterations", 2));
              spec.put("steps", List.of(50, 100));
            },
            NOTHING,
            "Succeeded");

    JsonNode mirrored =
        versions.stream().filter(h -> managed(h).has("mirror")).findFirst().orElseThrow();
    assertThat(managed(mirrored).path("mirrorPercentage").path("value").asInt()).isEqualTo(20);
    JsonNode firstStep =
        versions.stream().filter(h -> weight(managed(h), "v2") == 50).findFirst().orElseThrow();
    assertThat(managed(firstStep).has("mirror")).isFalse();
  }

  @Test
  void aFailingCanaryWithSessionAffinityLosesItsStickyRoutesAndCookiesInTheRollbackWrite() {
    String ns = "affinity-bad";
    List<JsonNode> versions =
        released(
            ns,
            0.0,
            spec -> {
              spec.put("steps", List.of(20, 40, 60, 80, 100));
              spec.put("sessionAffinity", Map.of("cookieName", "session", "maxAge", "10m"));
            },
            failingFrom(ns, 40),
            "RolledBack");

    JsonNode last = versions.get(versions.size() - 1);
    JsonNode before = versions.get(versions.size() - 2);
    assertThat(names(before)).hasSize(4); // debug, the two sticky routes, default
    assertThat(before.toString()).contains("Max-Age=600");
    assertThat(names(last)).containsExactly("debug", "default");
    assertThat(last.toString()).doesNotContain("Set-Cookie");
    assertThat(weight(managed(last), "v1")).isEqualTo(100);
  }

  @Test
  void aHealthyBlueGreenReleaseSwitchesOnceAndIsPromotedAfterItsJudgedIterations() {
    String ns = "bluegreen";
    List<JsonNode> versions =
        released(
            ns,
            0.0,
            spec -> {
              spec.remove("stepWeight");
              spec.put(
                  "blueGreen",
                  Map.of(
                      "preview",
                          List.of(Map.of("headers", Map.of("x-preview", Map.of("exact", "yes")))),
                      "previewIterations", 2,
                      "postSwitchIterations", 2));
            },
            NOTHING,
            "Succeeded");

    List<String> managedWeights = new ArrayList<>();
    for (JsonNode h : versions) {
      String w = weight(managed(h), "v1") + "/" + weight(managed(h), "v2");
      if (managedWeights.isEmpty() || !managedWeights.get(managedWeights.size() - 1).equals(w)) {
        managedWeights.add(w);
      }
    }
    // 100% v1, the canary joins at 0 (and the preview route comes), one switch, v1 leaves
    assertThat(managedWeights).containsExactly("100/-1", "100/0", "0/100", "-1/100");
    assertThat(status(ns).stableVersion).isEqualTo("v2");
  }

  @Test
  void aMirrorStageOnARouteThatAlreadyMirrorsWaitsAndWritesNothing() {
    String ns = "mirror-taken";
    PrometheusStub.canary(ns, 0.0, 120, 500);
    try (History history = new History(client)) {
      Fixtures.apply(
          client,
          ns,
          "scenarios/helloworld.yaml",
          doc -> {
            doc =
                Fixtures.editCanary(spec -> spec.put("mirror", Map.of("iterations", 1))).apply(doc);
            return Fixtures.editSpec(
                    "VirtualService",
                    spec -> {
                      @SuppressWarnings("unchecked")
                      List<Map<String, Object>> http = (List<Map<String, Object>>) spec.get("http");
                      http.get(1).put("mirror", Map.of("host", "helloworld", "subset", "debug"));
                    })
                .apply(doc);
          });
      Fixtures.apply(client, ns, "scenarios/helloworld-debug.yaml");
      await().atMost(RELEASE).until(() -> "v1".equals(status(ns).stableVersion));
      Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");
      await()
          .atMost(RELEASE)
          .untilAsserted(
              () ->
                  assertThat(status(ns).conditions)
                      .anySatisfy(
                          c -> {
                            assertThat(c.getReason()).isEqualTo("StrategyConflict");
                            assertThat(c.getMessage()).contains("already mirrors to debug");
                          }));
      assertThat(
              managed(stored(history, ns).get(stored(history, ns).size() - 1))
                  .path("mirror")
                  .path("subset")
                  .asText())
          .isEqualTo("debug");
      assertThat(stored(history, ns).stream().filter(h -> weight(managed(h), "v2") >= 0)).isEmpty();
      // the user gives up: an abort ends the release, the user's mirror untouched
      client
          .resources(Canary.class)
          .inNamespace(ns)
          .withName("helloworld")
          .edit(
              c -> {
                c.getMetadata().getAnnotations().put("sluice.dev/action", "abort");
                return c;
              });
      awaitPhase(ns, "RolledBack");
      assertThat(
              managed(stored(history, ns).get(stored(history, ns).size() - 1))
                  .path("mirror")
                  .path("subset")
                  .asText())
          .isEqualTo("debug");
      assertNoViolation(history, ns);
    }
  }

  @Test
  void blueGreenWithWeightStepsIsRefusedWithTheReason() {
    String ns = "bluegreen-invalid";
    Fixtures.apply(
        client,
        ns,
        "scenarios/helloworld.yaml",
        Fixtures.editCanary(
            spec -> {
              spec.put("blueGreen", Map.of());
              spec.put("stepWeight", 20);
            }));
    await()
        .atMost(RELEASE)
        .untilAsserted(
            () ->
                assertThat(status(ns).conditions)
                    .anySatisfy(
                        c -> {
                          assertThat(c.getReason()).isEqualTo("InvalidSpec");
                          assertThat(c.getMessage())
                              .contains("blueGreen switches 100% in one step: stepWeight");
                        }));
  }
}
