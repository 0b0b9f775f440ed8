package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Alertmanager webhook against the whole daemon (mock API server, WireMock Prometheus): each
 * test holds a release of helloworld v2 at 10% in a namespace of its own and posts what
 * Alertmanager would post.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class AlertWebhookTest extends ApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WEBHOOK = "/api/v1/alerts";

  /** A v4 payload with one alert of these labels. */
  private static String payload(String status, Map<String, String> labels) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "4").put("status", status).put("receiver", "sluice");
    ObjectNode alert = root.putArray("alerts").addObject();
    alert.put("status", status);
    ObjectNode l = alert.putObject("labels");
    labels.forEach(l::put);
    alert.putObject("annotations");
    return root.toString();
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  /** The release is still at 10%, as before. */
  private void assertNothingChanged(ApiScenario s) {
    assertThat(s.status().phase).isEqualTo("Progressing");
    assertThat(s.route()).containsExactly("v1=90", "v2=10");
  }

  @Test
  void aFiringAlertRollsTheMatchingReleaseBackInOneWriteAndSaysWhy() throws Exception {
    ApiScenario s = scenario("alert-firing").seed().progressing();
    int writesBefore = s.routeWrites().size();
    double matchedBefore = ApiScenario.alerts(registry, "matched");

    HttpResponse<String> r = s.post(WEBHOOK, s.resource("api/alertmanager-firing.json"));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode outcome = json(r).path("outcomes").get(0);
    assertThat(outcome.path("result").asText()).isEqualTo("matched");
    assertThat(outcome.path("canaries").get(0).asText()).isEqualTo("alert-firing/helloworld");
    s.awaitPhase("RolledBack");
    await().until(() -> s.routeWrites().size() > writesBefore);
    assertThat(s.routeWrites().subList(writesBefore, s.routeWrites().size()))
        .containsExactly(List.of("v1=100"));

    CanaryStatus st = s.status();
    assertThat(st.rollbackReason)
        .startsWith("alert HighErrorRate fired (")
        .contains("namespace=\"alert-firing\"", "app=\"helloworld\"", "severity=\"page\"")
        .contains("version=\"v2\"", "summary: helloworld v2 answers 7% of requests with 5xx")
        .doesNotContain("prometheus=", "alertname=");
    Condition progressing = ApiScenario.condition(st, "Progressing");
    assertThat(progressing.getReason()).isEqualTo("RolledBack");
    assertThat(progressing.getMessage())
        .contains("alert HighErrorRate fired", "app=\"helloworld\"");
    await()
        .untilAsserted(
            () ->
                assertThat(s.events("RolledBack"))
                    .anySatisfy(
                        e ->
                            assertThat(e.getMessage())
                                .contains("100% v1", "alert HighErrorRate fired")
                                .contains("namespace=\"alert-firing\"")));
    assertThat(ApiScenario.rollbacks(registry, "alert-firing", "alert")).isEqualTo(1);
    assertThat(ApiScenario.alerts(registry, "matched")).isEqualTo(matchedBefore + 1);
  }

  @Test
  void theTimeFromTheAlertsArrivalToTheRollbacksRouteWriteIsMeasured() throws Exception {
    ApiScenario s = scenario("alert-reaction").seed().progressing();
    Timer reaction = registry.find("sluice.alert.reaction").timer();
    assertThat(reaction).as("registered at start, before any alert").isNotNull();
    long countBefore = reaction.count();
    double secondsBefore = reaction.totalTime(TimeUnit.SECONDS);

    long sent = System.nanoTime();
    HttpResponse<String> r = s.post(WEBHOOK, s.resource("api/alertmanager-firing.json"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    s.awaitPhase("RolledBack"); // the status is written after the route
    double observed = (System.nanoTime() - sent) / 1e9;

    assertThat(s.route()).containsExactly("v1=100");
    assertThat(reaction.count()).isEqualTo(countBefore + 1);
    double measured = reaction.totalTime(TimeUnit.SECONDS) - secondsBefore;
    System.out.printf(
        Locale.ROOT,
        "alert reaction: %.1f ms measured by Sluice, %.1f ms from POST to RolledBack seen%n",
        measured * 1000,
        observed * 1000);
    // within the interval this test saw: from before the POST to the status after the write
    assertThat(measured).isPositive().isLessThanOrEqualTo(observed);

    // a repeat of the notification rolls nothing back and measures nothing
    assertThat(s.post(WEBHOOK, s.resource("api/alertmanager-firing.json")).statusCode())
        .isEqualTo(200);
    assertThat(reaction.count()).isEqualTo(countBefore + 1);
    HttpResponse<String> metrics = s.get("/q/metrics");
    assertThat(metrics.body())
        .contains("sluice_alert_reaction_seconds_count ")
        .contains("sluice_alert_reaction_seconds_sum ")
        .contains("sluice_alert_reaction_seconds_bucket{le=\"0.1\"}");
  }

  @Test
  void repeatedNotificationsOfTheSameAlertAreIdempotent() throws Exception {
    ApiScenario s = scenario("alert-repeated").seed().progressing();
    String body = s.resource("api/alertmanager-firing.json");
    assertThat(s.post(WEBHOOK, body).statusCode()).isEqualTo(200);
    s.awaitPhase("RolledBack");
    String reason = s.status().rollbackReason;
    int writes = s.routeWrites().size();
    double unmatchedBefore = ApiScenario.alerts(registry, "unmatched");

    // Alertmanager sends the group again at every repeat_interval while the alert fires.
    HttpResponse<String> again = s.post(WEBHOOK, body);
    HttpResponse<String> third = s.post(WEBHOOK, body);

    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(third.statusCode()).isEqualTo(200);
    JsonNode outcome = json(again).path("outcomes").get(0);
    assertThat(outcome.path("result").asText()).isEqualTo("unmatched");
    assertThat(outcome.path("message").asText()).contains("no running release", "RolledBack");
    assertThat(ApiScenario.rollbacks(registry, "alert-repeated", "alert")).isEqualTo(1);
    assertThat(ApiScenario.alerts(registry, "unmatched")).isEqualTo(unmatchedBefore + 2);
    assertThat(s.status().phase).isEqualTo("RolledBack");
    assertThat(s.status().rollbackReason).isEqualTo(reason);
    assertThat(s.routeWrites()).hasSize(writes);
    await().untilAsserted(() -> assertThat(s.events("RolledBack")).hasSize(1));
  }

  @Test
  void twoAlertsForOneReleaseInOneNotificationRollItBackOnce() throws Exception {
    ApiScenario s = scenario("alert-two").seed().progressing();
    ObjectNode root = (ObjectNode) JSON.readTree(payload("firing", Map.of()));
    root.putArray("alerts")
        .addAll(
            List.of(
                JSON.readTree(
                        payload(
                            "firing",
                            Map.of(
                                "alertname", "AppHighErrorRate",
                                "namespace", "alert-two",
                                "app", "helloworld")))
                    .path("alerts")
                    .get(0),
                JSON.readTree(
                        payload(
                            "firing",
                            Map.of(
                                "alertname", "AppHighLatency",
                                "namespace", "alert-two",
                                "app", "helloworld")))
                    .path("alerts")
                    .get(0)));

    HttpResponse<String> r = s.post(WEBHOOK, root.toString());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode outcomes = json(r).path("outcomes");
    assertThat(outcomes).hasSize(2);
    // the first one rolls back; the second finds the release already rolled back
    assertThat(outcomes.get(0).path("result").asText()).isEqualTo("matched");
    assertThat(outcomes.get(1).path("result").asText()).isEqualTo("unmatched");
    assertThat(outcomes.get(1).path("message").asText()).contains("RolledBack");
    s.awaitPhase("RolledBack");
    assertThat(s.status().rollbackReason).startsWith("alert AppHighErrorRate fired");
    assertThat(ApiScenario.rollbacks(registry, "alert-two", "alert")).isEqualTo(1);
  }

  @Test
  void aResolvedAlertDoesNothing() throws Exception {
    ApiScenario s = scenario("alert-resolved").seed().progressing();
    double resolvedBefore = ApiScenario.alerts(registry, "resolved");

    HttpResponse<String> r = s.post(WEBHOOK, s.resource("api/alertmanager-resolved.json"));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).path("outcomes").get(0).path("result").asText()).isEqualTo("resolved");
    assertThat(ApiScenario.alerts(registry, "resolved")).isEqualTo(resolvedBefore + 1);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertNothingChanged(s));
  }

  @Test
  void anAlertMatchingNoReleaseIsCountedAndChangesNothing() throws Exception {
    ApiScenario s = scenario("alert-unmatched").seed().progressing();
    double unmatchedBefore = ApiScenario.alerts(registry, "unmatched");

    List<Map<String, String>> strangers =
        List.of(
            Map.of("alertname", "HighErrorRate", "namespace", "alert-unmatched", "app", "other"),
            Map.of("alertname", "HighErrorRate", "namespace", "elsewhere", "app", "helloworld"),
            Map.of("alertname", "Watchdog"),
            Map.of("alertname", "HighErrorRate", "sluice_canary", "alert-unmatched/other"),
            Map.of("alertname", "HighErrorRate", "sluice_canary", "not-a-key"),
            // an explicit sluice_canary wins over namespace and app, which would have matched
            Map.of(
                "alertname",
                "HighErrorRate",
                "sluice_canary",
                "elsewhere/helloworld",
                "namespace",
                "alert-unmatched",
                "app",
                "helloworld"));
    for (Map<String, String> labels : strangers) {
      HttpResponse<String> r = s.post(WEBHOOK, payload("firing", labels));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode outcome = json(r).path("outcomes").get(0);
      assertThat(outcome.path("result").asText()).as(labels.toString()).isEqualTo("unmatched");
      assertThat(outcome.path("message").asText()).isNotBlank();
    }

    assertThat(ApiScenario.alerts(registry, "unmatched"))
        .isEqualTo(unmatchedBefore + strangers.size());
    assertNothingChanged(s);
    assertThat(ApiScenario.rollbacks(registry, "alert-unmatched", "alert")).isZero();
  }

  @Test
  void anExplicitSluiceCanaryLabelMatches() throws Exception {
    ApiScenario s = scenario("alert-explicit").seed().progressing();

    HttpResponse<String> r =
        s.post(
            WEBHOOK,
            payload(
                "firing",
                Map.of(
                    "alertname", "CheckoutBroken", "sluice_canary", "alert-explicit/helloworld")));

    assertThat(json(r).path("outcomes").get(0).path("result").asText()).isEqualTo("matched");
    s.awaitPhase("RolledBack");
    assertThat(s.status().rollbackReason)
        .contains("alert CheckoutBroken fired (sluice_canary=\"alert-explicit/helloworld\")");
    assertThat(s.route()).containsExactly("v1=100");
  }

  @Test
  void aServiceLabelMatchesWhenThereIsNoAppLabel() throws Exception {
    ApiScenario s = scenario("alert-service").seed().progressing();

    HttpResponse<String> r =
        s.post(
            WEBHOOK,
            payload(
                "firing",
                Map.of(
                    "alertname", "SlowRequests",
                    "namespace", "alert-service",
                    "service", "helloworld")));

    assertThat(json(r).path("outcomes").get(0).path("result").asText()).isEqualTo("matched");
    s.awaitPhase("RolledBack");
    assertThat(ApiScenario.rollbacks(registry, "alert-service", "alert")).isEqualTo(1);
  }

  @Test
  void withoutTheRightTokenTheAnswerIs401AndNothingChanges() throws Exception {
    ApiScenario s = scenario("alert-auth").seed().progressing();
    String body = s.resource("api/alertmanager-firing.json");
    double matched = ApiScenario.alerts(registry, "matched");

    for (String authorization :
        new String[] {
          null, "Bearer wrong-token", "Bearer " + ApiScenario.TOKEN + "x", "Basic dXNlcjpwYXNz", ""
        }) {
      HttpResponse<String> r = s.post(WEBHOOK, authorization, body);
      assertThat(r.statusCode()).as("Authorization: " + authorization).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"sluice\"");
      assertThat(json(r).path("error").asText()).isNotBlank().doesNotContain(ApiScenario.TOKEN);
    }
    // An oversized body without a token is refused for the token, before the body is looked at.
    assertThat(s.post(WEBHOOK, null, "x".repeat(100_000)).statusCode()).isEqualTo(401);

    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertNothingChanged(s));
    assertThat(ApiScenario.alerts(registry, "matched")).isEqualTo(matched);

    // the right token, in any case of "Bearer", goes through
    HttpResponse<String> ok = s.post(WEBHOOK, "bearer " + ApiScenario.TOKEN, body);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    s.awaitPhase("RolledBack");
  }

  @Test
  void malformedJsonAndOtherPayloadsAre400WithTheReason() throws Exception {
    ApiScenario s = scenario("alert-bad").seed().progressing();
    Map<String, String> cases =
        Map.of(
            "{\"version\": \"4\", \"alerts\": [",
            "malformed JSON",
            "not json at all",
            "malformed JSON",
            "[1, 2]",
            "not an object",
            "{\"version\": \"3\", \"alerts\": []}",
            "payload version \"3\" is not supported",
            "{\"alerts\": []}",
            "no \"version\"",
            "{\"version\": \"4\"}",
            "\"alerts\" array",
            "{\"version\": \"4\", \"alerts\": [{\"status\": \"burning\", \"labels\": {}}]}",
            "alerts[0].status",
            "{\"version\": \"4\", \"alerts\": [{\"status\": \"firing\", \"labels\": {\"a\": 1}}]}",
            "alerts[0].labels.a is not a string");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<String> r = s.post(WEBHOOK, c.getKey());
      assertThat(r.statusCode()).as(c.getKey() + " -> " + r.body()).isEqualTo(400);
      assertThat(json(r).path("error").asText()).as(c.getKey()).contains(c.getValue());
    }
    assertNothingChanged(s);
  }

  @Test
  void anOversizedBodyIs413AndChangesNothing() throws Exception {
    ApiScenario s = scenario("alert-big").seed().progressing();
    // sluice.api.max-body-bytes is 65536 in the tests: a real payload padded past it
    ObjectNode big = (ObjectNode) JSON.readTree(s.resource("api/alertmanager-firing.json"));
    big.put("padding", "x".repeat(70_000));

    HttpResponse<String> r = s.post(WEBHOOK, big.toString());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
    assertThat(json(r).path("error").asText()).contains("65536", "sluice.api.max-body-bytes");
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertNothingChanged(s));
  }
}
