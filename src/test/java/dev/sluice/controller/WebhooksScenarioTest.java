package dev.sluice.controller;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.History;
import dev.sluice.testing.InvariantChecker;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhooks on the whole daemon (the guide's objects, the fabric8 mock API server, a WireMock
 * Prometheus, and WireMock as the webhooks' receiver): what each type is sent, when, with which
 * credentials, and what its answer does; every history through the invariant checker.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class WebhooksScenarioTest {
  private static final Duration RELEASE = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static WireMockServer receiver;

  @Inject KubernetesClient client;

  @BeforeAll
  static void startReceiver() {
    receiver = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    receiver.start();
  }

  @AfterAll
  static void stopReceiver() {
    receiver.stop();
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + receiver.port() + path;
  }

  private static void answer(String path, int status) {
    receiver.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(status)));
  }

  private static Map<String, Object> hook(String name, String type, String path) {
    Map<String, Object> h = new java.util.LinkedHashMap<>();
    h.put("name", name);
    h.put("type", type);
    h.put("url", url(path));
    h.put("timeout", "2s");
    return h;
  }

  private static List<JsonNode> received(String path) {
    List<JsonNode> out = new ArrayList<>();
    for (LoggedRequest r : receiver.findAll(postRequestedFor(urlPathEqualTo(path)))) {
      try {
        out.add(JSON.readTree(r.getBodyAsString()));
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + r.getBodyAsString(), e);
      }
    }
    return out;
  }

  private CanaryStatus status(String ns) {
    return Fixtures.status(client, ns);
  }

  private List<Event> events(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  /** The canary's largest weight in any stored version of the VirtualService. */
  private static int maxCanaryWeight(History history, String ns) {
    int max = -1;
    for (InvariantChecker.Version v : history.versions()) {
      JsonNode o = v.object();
      if (!v.kind().equals("VirtualService")
          || !o.path("metadata").path("namespace").asText().equals(ns)) {
        continue;
      }
      for (JsonNode route : o.path("spec").path("http")) {
        for (JsonNode d : route.path("route")) {
          if ("v2".equals(d.path("destination").path("subset").asText())) {
            max = Math.max(max, d.path("weight").asInt(100));
          }
        }
      }
    }
    return max;
  }

  private void release(String ns, Consumer<Map<String, Object>> canary) {
    PrometheusStub.canary(ns, 0, 120, 500);
    Fixtures.seedHelloworld(client, ns, canary);
    await().atMost(RELEASE).until(() -> "v1".equals(status(ns).stableVersion));
    Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");
  }

  private static void assertNoViolation(History history, String ns) {
    InvariantChecker.Report report = history.check(List.of(ns));
    System.out.println("WebhooksScenarioTest " + ns + ": " + report);
    assertThat(report.violations()).isEmpty();
    assertThat(report.lost()).isEmpty();
  }

  @Test
  void aConfirmGateOpenedMidRunAStepHookWithASecretsTokenAndAPostRolloutReport() {
    String ns = "webhooks-confirm";
    answer("/" + ns + "/approve", 403);
    answer("/" + ns + "/load", 200);
    answer("/" + ns + "/report", 204);
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("load-tester")
                .endMetadata()
                .withStringData(Map.of("token", "s3cret-t0ken"))
                .build())
        .create();
    try (History history = new History(client)) {
      release(
          ns,
          spec -> {
            spec.put("steps", List.of(20, 50, 100));
            Map<String, Object> load = hook("load", "step", "/" + ns + "/load");
            load.put("metadata", Map.of("cmd", "hey -z 1m http://helloworld:5000/hello"));
            load.put("secretRef", Map.of("name", "load-tester"));
            spec.put(
                "webhooks",
                List.of(
                    hook("approve", "confirm-rollout", "/" + ns + "/approve"),
                    load,
                    hook("report", "post-rollout", "/" + ns + "/report")));
          });

      // the gate holds: polled, shown, and nothing routed to v2
      await()
          .atMost(RELEASE)
          .untilAsserted(
              () -> {
                assertThat(received("/" + ns + "/approve").size()).isGreaterThanOrEqualTo(3);
                CanaryStatus st = status(ns);
                assertThat(st.phase).isEqualTo("Initializing");
                assertThat(st.webhooks)
                    .singleElement()
                    .satisfies(
                        w -> {
                          assertThat(w.name).isEqualTo("approve");
                          assertThat(w.type).isEqualTo("confirm-rollout");
                          assertThat(w.result).isEqualTo("Failed");
                          assertThat(w.message).isEqualTo("HTTP 403");
                        });
                assertThat(st.conditions)
                    .anySatisfy(
                        c -> {
                          assertThat(c.getReason()).isEqualTo("AwaitingConfirmation");
                          assertThat(c.getMessage()).contains("confirm-rollout webhook approve");
                        });
              });
      assertThat(maxCanaryWeight(history, ns)).isLessThanOrEqualTo(0);
      JsonNode asked = received("/" + ns + "/approve").get(0);
      assertThat(asked.path("name").asText()).isEqualTo("helloworld");
      assertThat(asked.path("namespace").asText()).isEqualTo(ns);
      assertThat(asked.path("type").asText()).isEqualTo("confirm-rollout");
      assertThat(asked.path("phase").asText()).isEqualTo("Initializing");
      assertThat(asked.path("canaryVersion").asText()).isEqualTo("v2");
      assertThat(asked.path("stableVersion").asText()).isEqualTo("v1");
      assertThat(asked.path("weight").asInt()).isZero();

      answer("/" + ns + "/approve", 200); // someone approves
      await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
      await().atMost(RELEASE).until(() -> received("/" + ns + "/report").size() == 1);
      assertNoViolation(history, ns);
    }

    List<JsonNode> steps = received("/" + ns + "/load");
    assertThat(steps).extracting(s -> s.path("step").asInt()).containsExactly(1, 2, 3);
    assertThat(steps).extracting(s -> s.path("weight").asInt()).containsExactly(20, 50, 100);
    assertThat(steps.get(0).path("metadata").path("cmd").asText()).startsWith("hey -z 1m");
    receiver.verify(
        3,
        postRequestedFor(urlPathEqualTo("/" + ns + "/load"))
            .withHeader("Authorization", equalTo("Bearer s3cret-t0ken"))
            .withHeader("Content-Type", equalTo("application/json")));
    // the token goes to the webhook whose secretRef names it, and only there
    receiver.verify(
        received("/" + ns + "/approve").size(),
        postRequestedFor(urlPathEqualTo("/" + ns + "/approve"))
            .withHeader("Authorization", absent()));
    JsonNode report = received("/" + ns + "/report").get(0);
    assertThat(report.path("phase").asText()).isEqualTo("Succeeded");
    assertThat(report.path("type").asText()).isEqualTo("post-rollout");
    assertThat(status(ns).webhooks)
        .extracting(w -> w.name + " " + w.result)
        .containsExactlyInAnyOrder("approve Passed", "load Passed", "report Passed");
    assertThat(events(ns)).extracting(Event::getReason).contains("Confirmed");
  }

  @Test
  void aFailingPreRolloutTestRollsBackBeforeTheCanaryGetsAnyTraffic() {
    String ns = "webhooks-pre-rollout";
    receiver.stubFor(
        post(urlPathEqualTo("/" + ns + "/smoke"))
            .willReturn(aResponse().withStatus(422).withBody("2 of 40 smoke tests failed")));
    try (History history = new History(client)) {
      release(
          ns,
          spec -> spec.put("webhooks", List.of(hook("smoke", "pre-rollout", "/" + ns + "/smoke"))));
      await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));
      assertNoViolation(history, ns);
      assertThat(maxCanaryWeight(history, ns)).isLessThanOrEqualTo(0);
    }
    assertThat(status(ns).rollbackReason)
        .isEqualTo("pre-rollout webhook smoke failed: HTTP 422: 2 of 40 smoke tests failed");
    assertThat(received("/" + ns + "/smoke")).hasSize(1); // a 4xx is an answer: not retried
  }

  @Test
  void aRollbackWebhookAnswering2xxRollsTheReleaseBackAtOnce() {
    String ns = "webhooks-rollback";
    answer("/" + ns + "/incidents", 404);
    try (History history = new History(client)) {
      release(
          ns,
          spec -> {
            spec.put("interval", "2s");
            spec.put("webhooks", List.of(hook("incidents", "rollback", "/" + ns + "/incidents")));
          });
      await().atMost(RELEASE).until(() -> status(ns).weight != null && status(ns).weight >= 20);
      answer("/" + ns + "/incidents", 200); // an incident is open
      await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));
      assertNoViolation(history, ns);
    }
    assertThat(status(ns).rollbackReason)
        .isEqualTo("rollback webhook incidents asked for a rollback: HTTP 200");
    int polls = received("/" + ns + "/incidents").size();
    assertThat(polls).isGreaterThan(3);
    try {
      Thread.sleep(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertThat(received("/" + ns + "/incidents")).hasSize(polls); // not polled after the end
  }

  @Test
  void a5xxIsRetriedWithThePrometheusClientsPolicyAndThe2xxAfterItPasses() {
    String ns = "webhooks-retried";
    String path = "/" + ns + "/smoke";
    receiver.stubFor(
        post(urlPathEqualTo(path))
            .inScenario(ns)
            .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
            .willReturn(aResponse().withStatus(503))
            .willSetStateTo("once"));
    receiver.stubFor(
        post(urlPathEqualTo(path))
            .inScenario(ns)
            .whenScenarioStateIs("once")
            .willReturn(aResponse().withStatus(200).withBody("40 of 40 passed")));
    release(
        ns,
        spec -> {
          spec.put("steps", List.of(50, 100));
          spec.put("webhooks", List.of(hook("smoke", "pre-rollout", path)));
        });
    await().atMost(RELEASE).until(() -> "Succeeded".equals(status(ns).phase));
    // one call: the 503 retried (the tests' policy, as PrometheusStub sets it: one retry), then 200
    assertThat(received(path)).hasSize(2);
    assertThat(status(ns).webhooks)
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.result).isEqualTo("Passed");
              assertThat(w.message).isEqualTo("HTTP 200: 40 of 40 passed");
              assertThat(w.calls).isEqualTo(1);
            });
  }

  @Test
  void aWebhookWithoutAUsableSecretIsNotCalledAndSaysWhy() {
    String ns = "webhooks-no-secret";
    answer("/" + ns + "/smoke", 200);
    release(
        ns,
        spec -> {
          Map<String, Object> smoke = hook("smoke", "pre-rollout", "/" + ns + "/smoke");
          smoke.put("secretRef", Map.of("name", "missing"));
          spec.put("webhooks", List.of(smoke));
        });
    await().atMost(RELEASE).until(() -> "RolledBack".equals(status(ns).phase));
    assertThat(status(ns).rollbackReason)
        .isEqualTo("pre-rollout webhook smoke failed: Secret missing does not exist (not called)");
    assertThat(received("/" + ns + "/smoke")).isEmpty();
  }

  @Test
  void invalidWebhooksAreRefusedWithTheirReasons() {
    String ns = "webhooks-invalid";
    Fixtures.seedHelloworld(
        client,
        ns,
        spec ->
            spec.put(
                "webhooks",
                List.of(
                    hook("a", "step", "/x"),
                    Map.of("name", "a", "type", "step", "url", "http://user:pw@example.com/x"))));
    await()
        .atMost(RELEASE)
        .untilAsserted(
            () ->
                assertThat(status(ns).conditions)
                    .anySatisfy(
                        c -> {
                          assertThat(c.getReason()).isEqualTo("InvalidSpec");
                          assertThat(c.getMessage())
                              .contains("webhooks[1].url must not carry credentials")
                              .contains("webhooks[1].name \"a\" is used by an earlier webhook");
                        }));
  }
}
