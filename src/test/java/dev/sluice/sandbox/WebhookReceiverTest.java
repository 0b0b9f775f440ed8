package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox's webhook and notification receiver, over real HTTP on 127.0.0.1. */
class WebhookReceiverTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private WebhookReceiver receiver;

  @BeforeEach
  void start() {
    receiver = WebhookReceiver.start();
  }

  @AfterEach
  void stop() {
    receiver.close();
  }

  private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(receiver.url(path))
            .timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String payload(String type, String releaseStartedAt, Integer step) {
    return "{\"name\":\"helloworld\",\"type\":\""
        + type
        + "\",\"releaseStartedAt\":\""
        + releaseStartedAt
        + "\",\"weight\":10"
        + (step == null ? "" : ",\"step\":" + step)
        + "}";
  }

  @Test
  void recordsEachPostWithItsBodyHeadersAndAnswerButOnlyWhetherAnAuthorizationCame()
      throws Exception {
    receiver.on("/tests", WebhookReceiver.always(422, "3 of 40 smoke tests failed"));
    Instant before = Instant.now();
    HttpResponse<String> r =
        post(
            "/tests",
            payload("pre-rollout", "2026-12-06T03:00:00Z", null),
            "Authorization",
            "Bearer s3cret",
            "Content-Type",
            "application/json");
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(r.body()).isEqualTo("3 of 40 smoke tests failed");

    List<WebhookReceiver.Call> calls = receiver.calls("/tests");
    assertThat(calls).hasSize(1);
    WebhookReceiver.Call c = calls.get(0);
    assertThat(c.authorization()).isTrue();
    assertThat(c.headers().keySet()).doesNotContain("authorization").contains("content-type");
    assertThat(c.toString()).doesNotContain("s3cret");
    assertThat(c.field("type")).isEqualTo("pre-rollout");
    assertThat(c.intField("weight")).isEqualTo(10);
    assertThat(c.intField("step")).isNull();
    assertThat(c.answer().status()).isEqualTo(422);
    assertThat(c.answer().passed()).isFalse();
    assertThat(c.at()).isBetween(before, c.answeredAt());

    post("/tests", "not json");
    WebhookReceiver.Call plain = receiver.calls("/tests").get(1);
    assertThat(plain.authorization()).isFalse();
    assertThat(plain.json()).isNull();
    assertThat(plain.body()).isEqualTo("not json");
  }

  @Test
  void anUnprogrammedPathIs404AndTheTableCanChangeWhileItRuns() throws Exception {
    assertThat(post("/tests", "{}").statusCode()).isEqualTo(404);
    receiver.on("/tests", WebhookReceiver.always(500, "3 of 40 smoke tests failed"));
    assertThat(post("/tests", "{}").statusCode()).isEqualTo(500);
    receiver.on("/tests", WebhookReceiver.always(200, "40 of 40 smoke tests passed"));
    assertThat(post("/tests", "{}").body()).isEqualTo("40 of 40 smoke tests passed");
    assertThat(receiver.calls("/tests").stream().map(c -> c.answer().status()))
        .containsExactly(404, 500, 200);
    // not a POST
    HttpResponse<String> get =
        http.send(
            HttpRequest.newBuilder(receiver.url("/tests")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
  }

  @Test
  void theGateStaysClosedForEachReleaseUntilOpenedForIt() throws Exception {
    WebhookReceiver.Gate gate = new WebhookReceiver.Gate();
    receiver.on("/gate", gate);
    String first = "2026-12-06T03:00:00Z";
    String second = "2026-12-06T03:05:00Z";
    assertThat(post("/gate", payload("confirm-rollout", first, null)).statusCode()).isEqualTo(403);
    gate.open(first);
    assertThat(post("/gate", payload("confirm-rollout", first, null)).statusCode()).isEqualTo(200);
    // a new release asks again
    assertThat(post("/gate", payload("confirm-rollout", second, null)).statusCode()).isEqualTo(403);
    // a body without releaseStartedAt never opens it
    assertThat(post("/gate", "{}").statusCode()).isEqualTo(403);
    assertThat(gate.isOpen(first)).isTrue();
    assertThat(gate.isOpen(second)).isFalse();
  }

  @Test
  void theFirstCallActionRunsOnceBeforeTheFirstAnswer() throws Exception {
    AtomicInteger started = new AtomicInteger();
    AtomicInteger callsWhenStarted = new AtomicInteger(-1);
    receiver.on(
        "/load",
        WebhookReceiver.onFirstCall(
            () -> {
              started.incrementAndGet();
              callsWhenStarted.set(receiver.calls("/load").size());
            },
            new WebhookReceiver.Answer(200, "load started")));
    for (int step = 1; step <= 3; step++) {
      assertThat(post("/load", payload("step", "2026-12-06T03:00:00Z", step)).statusCode())
          .isEqualTo(200);
    }
    assertThat(started.get()).isEqualTo(1);
    assertThat(callsWhenStarted.get()).isZero(); // before the first call was answered
    assertThat(receiver.calls("/load").stream().map(c -> c.intField("step")))
        .containsExactly(1, 2, 3);
  }

  @Test
  void aFailingResponderIsAnswered500AndListenersSeeEveryCall() throws Exception {
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    receiver.onCall(c -> seen.add(c.path() + " " + c.answer().status()));
    receiver.on(
        "/broken",
        request -> {
          throw new IllegalStateException("boom");
        });
    assertThat(post("/broken", "{}").statusCode()).isEqualTo(500);
    post("/notify/slack", "{\"text\":\"v2 promoted\"}");
    assertThat(seen).containsExactly("/broken 500", "/notify/slack 200");
  }

  @Test
  void notificationsAreAcceptedUnderNotifyAndCloudEventsGiveTheLatencyFromTheirTime()
      throws Exception {
    assertThat(WebhookReceiver.cloudEventLatency(receiver.calls())).isEmpty();
    Instant now = Instant.now();
    // structured mode: specversion and time in the JSON body
    for (int ago : List.of(40, 10, 20, 30)) {
      String event =
          "{\"specversion\":\"1.0\",\"type\":\"dev.sluice.release.promoted\",\"source\":\"/sluice\","
              + "\"id\":\""
              + ago
              + "\",\"time\":\""
              + now.minusSeconds(ago)
              + "\"}";
      assertThat(post("/notify/cloudevents", event).statusCode()).isEqualTo(200);
    }
    // binary mode: the attributes in ce- headers
    post(
        "/notify/cloudevents",
        "{\"canary\":\"helloworld\"}",
        "ce-specversion",
        "1.0",
        "ce-time",
        now.minusSeconds(50).toString());
    // not CloudEvents: a Slack message, and a JSON body with a time but no specversion
    post("/notify/slack", "{\"text\":\"helloworld rolled back\",\"time\":\"" + now + "\"}");
    receiver.on("/gate", WebhookReceiver.always(200, "ok"));
    post("/gate", "{}");

    assertThat(receiver.notifications()).hasSize(6);
    assertThat(receiver.notifications()).allMatch(WebhookReceiver.Call::notification);
    var latency = WebhookReceiver.cloudEventLatency(receiver.notifications());
    assertThat(latency.get("count")).isEqualTo(5);
    // 10, 20, 30, 40, 50 s ago, plus the time the posts took: nearest rank p50 = 30 s, p99 = 50 s
    assertThat((Double) latency.get("p50Ms")).isBetween(30_000.0, 35_000.0);
    assertThat((Double) latency.get("p99Ms")).isBetween(50_000.0, 55_000.0);
    assertThat(latency.get("maxMs")).isEqualTo(latency.get("p99Ms"));
  }

  @Test
  void percentileIsNearestRank() {
    List<Double> v = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0);
    assertThat(WebhookReceiver.percentile(v, 0.5)).isEqualTo(5.0);
    assertThat(WebhookReceiver.percentile(v, 0.99)).isEqualTo(10.0);
    assertThat(WebhookReceiver.percentile(List.of(7.0), 0.5)).isEqualTo(7.0);
    assertThat(URI.create(receiver.url("/x").toString()).getHost()).isEqualTo("127.0.0.1");
  }
}
