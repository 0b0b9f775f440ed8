package dev.sluice.controller;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
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
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Notifications on the whole daemon (the seed objects of {@code scenarios/helloworld.yaml}, the
 * fabric8 mock API server, a WireMock Prometheus): a Canary lists its own receivers, two in a
 * Secret of its namespace, one in a Secret that does not exist; its release is rolled back by a
 * failing check, and WireMock receives the Slack message and the CloudEvents with the check, its
 * query and its value; the missing Secret is a Warning event and a failed delivery in the metrics,
 * and the release goes on as without it.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class NotificationsScenarioTest {
  private static final Duration RELEASE = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject KubernetesClient client;

  @TestHTTPResource("/q/metrics")
  URI metricsUri;

  @Test
  void aRollbackOnAFailingCheckReachesTheCanarysSlackAndCloudEventsReceivers() throws Exception {
    String ns = "scenario-notify";
    WireMockServer receiver = new WireMockServer(options().dynamicPort());
    receiver.start();
    try {
      receiver.stubFor(post(urlPathEqualTo("/slack")).willReturn(aResponse().withStatus(200)));
      receiver.stubFor(post(urlPathEqualTo("/events")).willReturn(aResponse().withStatus(202)));
      client
          .secrets()
          .inNamespace(ns)
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("release-hooks")
                  .withNamespace(ns)
                  .endMetadata()
                  .addToData("slack", base64(receiver.baseUrl() + "/slack"))
                  .addToData("events", base64(receiver.baseUrl() + "/events"))
                  .build())
          .create();
      PrometheusStub.canary(ns, 0.4, 120, 500); // error ratio 0.4 > max 0.05: the gate fails
      Fixtures.seedHelloworld(
          client,
          ns,
          spec ->
              spec.put(
                  "notifications",
                  List.of(
                      Map.of(
                          "type",
                          "slack",
                          "secretRef",
                          Map.of("name", "release-hooks", "key", "slack")),
                      Map.of(
                          "type",
                          "cloudevents",
                          "secretRef",
                          Map.of("name", "release-hooks", "key", "events"),
                          "kinds",
                          List.of("started", "step", "rolledback")),
                      Map.of(
                          "type",
                          "teams",
                          "secretRef",
                          Map.of("name", "missing-hooks", "key", "url"),
                          "kinds",
                          List.of("rolledback")))));
      await().atMost(RELEASE).until(() -> "v1".equals(Fixtures.status(client, ns).stableVersion));
      Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");

      await().atMost(RELEASE).until(() -> "RolledBack".equals(Fixtures.status(client, ns).phase));
      Instant rolledBackAt = Instant.parse(Fixtures.status(client, ns).finishedAt);

      // Slack: the start, then the rollback with the failing check, its value and its query
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(bodies(receiver, "/slack"))
                      .anySatisfy(b -> assertThat(b).contains("Release started"))
                      .anySatisfy(
                          b ->
                              assertThat(b)
                                  .contains("Rolled back: " + ns + "/helloworld v2")
                                  .contains("error-rate/error-ratio")
                                  .contains("`0.4`")
                                  .contains("istio_requests_total")));
      // CloudEvents: the rollback, timed at the transition, with the check in its data
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(events(receiver))
                      .extracting(e -> e.get("type").asText())
                      .contains("dev.sluice.release.started", "dev.sluice.release.rolledback"));
      JsonNode rolledBack =
          events(receiver).stream()
              .filter(e -> e.get("type").asText().equals("dev.sluice.release.rolledback"))
              .findFirst()
              .orElseThrow();
      assertThat(rolledBack.get("subject").asText()).isEqualTo(ns + "/helloworld");
      assertThat(rolledBack.get("specversion").asText()).isEqualTo("1.0");
      // the transition was decided before its status was written
      assertThat(Instant.parse(rolledBack.get("time").asText()))
          .isBetween(rolledBackAt.minusSeconds(5), rolledBackAt.plusSeconds(1));
      JsonNode check = rolledBack.get("data").get("checks").get(0);
      assertThat(check.get("check").asText()).isEqualTo("error-rate/error-ratio");
      assertThat(check.get("value").asText()).isEqualTo("0.4");
      assertThat(check.get("query").asText()).contains("istio_requests_total");
      // the Slack sink did not list kinds: no step notification (off by default)
      assertThat(bodies(receiver, "/slack"))
          .noneSatisfy(b -> assertThat(b).contains("Step advanced"));

      // the missing Secret: a Warning event naming it, a failed delivery; nothing else changed
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(client.v1().events().inNamespace(ns).list().getItems())
                      .anySatisfy(
                          e -> {
                            assertThat(e.getReason()).isEqualTo("NotificationFailed");
                            assertThat(e.getType()).isEqualTo("Warning");
                            assertThat(e.getMessage())
                                .contains("teams (spec.notifications[2])")
                                .contains("Secret " + ns + "/missing-hooks not found");
                          }));
      assertThat(client.v1().events().inNamespace(ns).list().getItems())
          .extracting(Event::getReason)
          .contains("RolledBack");
      assertThat(metrics())
          .contains(
              "sluice_notifications_total{kind=\"rolledback\",result=\"failed\",sink=\"teams\"}")
          .contains(
              "sluice_notifications_total{kind=\"rolledback\",result=\"delivered\",sink=\"slack\"}")
          .containsPattern("sluice_notification_latency_seconds_count\\{sink=\"slack\"} [1-9]")
          .containsPattern(
              "sluice_notification_latency_seconds\\{sink=\"cloudevents\",quantile=\"0.99\"}");
      // the figures, for the record: from each transition to the receiver's 2xx
      metrics()
          .lines()
          .filter(l -> l.startsWith("sluice_notification_latency_seconds{"))
          .forEach(l -> System.out.println("NotificationsScenarioTest: " + l));
      // no event shows the URL
      assertThat(client.v1().events().inNamespace(ns).list().getItems())
          .noneSatisfy(e -> assertThat(e.getMessage()).contains(receiver.baseUrl()));
    } finally {
      receiver.stop();
    }
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> bodies(WireMockServer receiver, String path) {
    return receiver.findAll(postRequestedFor(urlPathEqualTo(path))).stream()
        .map(LoggedRequest::getBodyAsString)
        .toList();
  }

  private static List<JsonNode> events(WireMockServer receiver) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String body : bodies(receiver, "/events")) {
      out.add(JSON.readTree(body));
    }
    return out;
  }

  private String metrics() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(metricsUri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
