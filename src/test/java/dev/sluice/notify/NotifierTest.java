package dev.sluice.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The notifier against WireMock receivers: what each receiver gets, retries, refusals, a receiver
 * that hangs, the rate limit, a URL that cannot be had, and the metrics of each.
 */
class NotifierTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WireMockServer receiver;
  private SimpleMeterRegistry registry;
  private Notifier notifier;
  private final List<String> failures = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    receiver = new WireMockServer(options().dynamicPort());
    receiver.start();
    registry = new SimpleMeterRegistry();
    notifier = notifier(settings(Duration.ofSeconds(2), 3, 100, 100));
  }

  @AfterEach
  void stop() {
    notifier.close();
    receiver.stop();
  }

  private Notifier notifier(Notifier.Settings s) {
    return new Notifier(s, registry, Clock.systemUTC());
  }

  private static Notifier.Settings settings(
      Duration timeout, int retries, double perMinute, int burst) {
    return new Notifier.Settings(
        "/clusters/test",
        100,
        2,
        timeout,
        Duration.ofSeconds(1),
        retries,
        Duration.ofMillis(50),
        Duration.ofMillis(200),
        perMinute,
        burst);
  }

  private Sink sink(SinkType type, String path) {
    return sink(type, path, EnumSet.allOf(Kind.class));
  }

  private Sink sink(SinkType type, String path, Set<Kind> kinds) {
    return new Sink(
        type,
        "test",
        kinds,
        Sink.Target.fixed(URI.create(receiver.baseUrl() + path)),
        type.label() + path,
        failures::add);
  }

  private static Notification notification(Kind kind) {
    return kind == Kind.ROLLED_BACK
        ? withId(PayloadsTest.rolledBack(), Instant.now())
        : new Notification(
            UUID.randomUUID().toString(),
            kind,
            Instant.now(),
            "shop",
            "helloworld",
            "Progressing",
            "v1",
            "v2",
            30,
            3,
            kind.label() + " of v2",
            null,
            null,
            List.of());
  }

  private static Notification withId(Notification n, Instant at) {
    return new Notification(
        UUID.randomUUID().toString(),
        n.kind(),
        at,
        n.namespace(),
        n.name(),
        n.phase(),
        n.stableVersion(),
        n.canaryVersion(),
        n.weight(),
        n.step(),
        n.message(),
        n.reason(),
        n.alert(),
        n.checks());
  }

  private double count(String result, SinkType sink, Kind kind) {
    Counter c =
        registry
            .find("sluice.notifications")
            .tags("result", result, "sink", sink.label(), "kind", kind.label())
            .counter();
    return c == null ? 0 : c.count();
  }

  private void answer(String path, int status) {
    receiver.stubFor(post(urlPathEqualTo(path)).willReturn(aResponse().withStatus(status)));
  }

  private List<LoggedRequest> received(String path) {
    return receiver.findAll(postRequestedFor(urlPathEqualTo(path)));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void everyKindReachesEveryFormatWithItsContent(Kind kind) throws Exception {
    answer("/slack", 200);
    answer("/teams", 200);
    answer("/events", 202);
    Notification n = notification(kind);

    notifier.send(
        n,
        List.of(
            sink(SinkType.SLACK, "/slack"),
            sink(SinkType.TEAMS, "/teams"),
            sink(SinkType.CLOUDEVENTS, "/events")));

    await().atMost(Duration.ofSeconds(10)).until(() -> notifier.pending() == 0);
    LoggedRequest slack = received("/slack").get(0);
    assertThat(slack.getHeader("Content-Type")).startsWith("application/json");
    JsonNode s = JSON.readTree(slack.getBodyAsString());
    assertThat(s.get("text").asText()).startsWith(Payloads.headline(kind) + ": shop/helloworld v2");

    LoggedRequest teams = received("/teams").get(0);
    assertThat(
            JSON.readTree(teams.getBodyAsString())
                .get("attachments")
                .get(0)
                .get("contentType")
                .asText())
        .isEqualTo("application/vnd.microsoft.card.adaptive");
    assertThat(teams.getBodyAsString()).contains(Payloads.headline(kind) + ": shop/helloworld v2");

    LoggedRequest event = received("/events").get(0);
    assertThat(event.getHeader("Content-Type")).startsWith("application/cloudevents+json");
    JsonNode e = JSON.readTree(event.getBodyAsString());
    assertThat(e.get("type").asText()).isEqualTo("dev.sluice.release." + kind.label());
    assertThat(e.get("id").asText()).isEqualTo(n.id());
    assertThat(e.get("source").asText()).isEqualTo("/clusters/test");
    assertThat(Instant.parse(e.get("time").asText())).isEqualTo(n.at());

    if (kind == Kind.ROLLED_BACK) {
      assertThat(slack.getBodyAsString())
          .contains("error-rate/error-ratio")
          .contains("`0.4`")
          .contains("istio_requests_total");
      assertThat(teams.getBodyAsString()).contains("error-rate/error-ratio = 0.4");
      JsonNode check = e.get("data").get("checks").get(0);
      assertThat(check.get("check").asText()).isEqualTo("error-rate/error-ratio");
      assertThat(check.get("value").asText()).isEqualTo("0.4");
      assertThat(check.get("query").asText()).contains("istio_requests_total");
    }
    for (SinkType type : SinkType.values()) {
      assertThat(count("delivered", type, kind)).isEqualTo(1);
      Timer latency =
          registry.find("sluice.notification.latency").tag("sink", type.label()).timer();
      assertThat(latency).isNotNull();
      assertThat(latency.count()).isEqualTo(1);
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void aSinkGetsOnlyTheKindsItAsksFor() {
    answer("/slack", 200);
    Sink onlyRollbacks = sink(SinkType.SLACK, "/slack", EnumSet.of(Kind.ROLLED_BACK));

    notifier.send(notification(Kind.STEP), List.of(onlyRollbacks));
    notifier.send(notification(Kind.ROLLED_BACK), List.of(onlyRollbacks));

    await().atMost(Duration.ofSeconds(10)).until(() -> received("/slack").size() == 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> notifier.pending() == 0);
    assertThat(received("/slack").get(0).getBodyAsString()).contains("Rolled back");
    assertThat(count("dropped", SinkType.SLACK, Kind.STEP)).isZero();
  }

  @Test
  void a500ThenA200IsRetriedOnceAndDelivered() {
    receiver.stubFor(
        post(urlPathEqualTo("/hook"))
            .inScenario("flaky")
            .whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(500))
            .willSetStateTo("recovered"));
    receiver.stubFor(
        post(urlPathEqualTo("/hook"))
            .inScenario("flaky")
            .whenScenarioStateIs("recovered")
            .willReturn(aResponse().withStatus(200)));

    Notification n = notification(Kind.PROMOTED);
    notifier.send(n, List.of(sink(SinkType.CLOUDEVENTS, "/hook")));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("delivered", SinkType.CLOUDEVENTS, Kind.PROMOTED) == 1);
    List<LoggedRequest> requests = received("/hook");
    assertThat(requests).hasSize(2);
    // the retry is the same event: a receiver can tell a duplicate by its id
    assertThat(requests.get(1).getBodyAsString()).isEqualTo(requests.get(0).getBodyAsString());
    assertThat(count("failed", SinkType.CLOUDEVENTS, Kind.PROMOTED)).isZero();
    assertThat(failures).isEmpty();
  }

  @Test
  void a400IsNotRetriedAndCountedFailed() throws Exception {
    answer("/hook", 400);

    notifier.send(notification(Kind.STARTED), List.of(sink(SinkType.SLACK, "/hook")));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("failed", SinkType.SLACK, Kind.STARTED) == 1);
    Thread.sleep(400); // longer than every retry's delay together: none comes
    assertThat(received("/hook")).hasSize(1);
    assertThat(failures)
        .singleElement()
        .asString()
        .contains("HTTP 400 (not retried)")
        .contains("slack (test)")
        .doesNotContain(receiver.baseUrl())
        .doesNotContain("/hook");
  }

  @Test
  void aReceiverThatKeepsFailingIsTriedMaxRetriesPlusOneTimesThenCountedFailed() {
    answer("/hook", 503);

    notifier.send(notification(Kind.FAILED), List.of(sink(SinkType.TEAMS, "/hook")));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("failed", SinkType.TEAMS, Kind.FAILED) == 1);
    assertThat(received("/hook")).hasSize(4);
    assertThat(failures).singleElement().asString().contains("HTTP 503 (after 3 retries)");
  }

  @Test
  void aReceiverThatHangsNeverHoldsUpTheCaller() {
    // the stalled receiver is a server of its own: its hanging requests take none of the fast
    // receiver's threads
    WireMockServer hanging = new WireMockServer(options().dynamicPort().containerThreads(20));
    hanging.start();
    try {
      hanging.stubFor(
          post(urlPathEqualTo("/stalled"))
              .willReturn(aResponse().withStatus(200).withFixedDelay(5_000)));
      answer("/fast", 200);
      notifier.close();
      notifier = notifier(settings(Duration.ofMillis(500), 0, 6000, 100));
      Sink stalled =
          new Sink(
              SinkType.SLACK,
              "test",
              EnumSet.allOf(Kind.class),
              Sink.Target.fixed(URI.create(hanging.baseUrl() + "/stalled")),
              "stalled",
              failures::add);
      Sink fast = sink(SinkType.CLOUDEVENTS, "/fast");

      long began = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        notifier.send(notification(Kind.STEP), List.of(stalled, fast));
      }
      Duration took = Duration.ofNanos(System.nanoTime() - began);

      // 50 sends return long before a single stalled request could have been answered
      assertThat(took).isLessThan(Duration.ofMillis(500));
      // the fast receiver is served while the stalled one hangs
      await().atMost(Duration.ofSeconds(4)).until(() -> received("/fast").size() == 50);
      // the stalled one times out (per request), counted failed, never delivered
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> count("failed", SinkType.SLACK, Kind.STEP) == 50);
      assertThat(count("delivered", SinkType.SLACK, Kind.STEP)).isZero();
      assertThat(count("delivered", SinkType.CLOUDEVENTS, Kind.STEP)).isEqualTo(50);
      assertThat(failures).hasSize(50).allSatisfy(f -> assertThat(f).contains("timed out"));
    } finally {
      hanging.stop();
    }
  }

  @Test
  void overItsRateASinkDropsAndCountsIt() {
    answer("/hook", 200);
    notifier.close();
    notifier = notifier(settings(Duration.ofSeconds(2), 0, 1, 3)); // a burst of 3, then 1 a minute
    Sink slack = sink(SinkType.SLACK, "/hook");
    Sink other = sink(SinkType.SLACK, "/other-hook"); // its own bucket
    answer("/other-hook", 200);

    for (int i = 0; i < 10; i++) {
      notifier.send(notification(Kind.STEP), List.of(slack));
    }
    notifier.send(notification(Kind.STEP), List.of(other));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("delivered", SinkType.SLACK, Kind.STEP) == 4);
    assertThat(count("dropped", SinkType.SLACK, Kind.STEP)).isEqualTo(7);
    assertThat(received("/hook")).hasSize(3);
    assertThat(received("/other-hook")).hasSize(1);
  }

  @Test
  void aFullQueueDropsAndCountsIt() {
    receiver.stubFor(
        post(urlPathEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(300)));
    notifier.close();
    notifier =
        notifier(
            new Notifier.Settings(
                "/s",
                2,
                1,
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                0,
                Duration.ofMillis(10),
                Duration.ofMillis(10),
                6000,
                100));

    for (int i = 0; i < 5; i++) {
      notifier.send(notification(Kind.PAUSED), List.of(sink(SinkType.SLACK, "/slow")));
    }

    assertThat(count("dropped", SinkType.SLACK, Kind.PAUSED)).isEqualTo(3);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("delivered", SinkType.SLACK, Kind.PAUSED) == 2);
  }

  @Test
  void aUrlThatCannotBeHadIsCountedFailedAndToldWithoutTheUrl() {
    Sink missing =
        new Sink(
            SinkType.SLACK,
            "spec.notifications[0]",
            EnumSet.allOf(Kind.class),
            () -> {
              throw new Sink.Unavailable("Secret shop/slack-webhook not found");
            },
            "shop/helloworld/0",
            failures::add);

    notifier.send(notification(Kind.ROLLED_BACK), List.of(missing));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("failed", SinkType.SLACK, Kind.ROLLED_BACK) == 1);
    assertThat(failures)
        .containsExactly(
            "notification rolledback to slack (spec.notifications[0]) failed: Secret"
                + " shop/slack-webhook not found");
    await().atMost(Duration.ofSeconds(5)).until(() -> notifier.pending() == 0);
  }

  @Test
  void aClosedPortIsATransportFailureRetriedThenFailedWithoutTheUrl() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Sink closed =
        new Sink(
            SinkType.CLOUDEVENTS,
            "daemon",
            EnumSet.allOf(Kind.class),
            Sink.Target.fixed(URI.create("http://127.0.0.1:" + port + "/T000/B000/secret-token")),
            "closed",
            failures::add);

    notifier.send(notification(Kind.RESUMED), List.of(closed));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("failed", SinkType.CLOUDEVENTS, Kind.RESUMED) == 1);
    assertThat(failures)
        .singleElement()
        .asString()
        .contains("after 3 retries")
        .doesNotContain("secret-token")
        .doesNotContain(String.valueOf(port));
  }
}
