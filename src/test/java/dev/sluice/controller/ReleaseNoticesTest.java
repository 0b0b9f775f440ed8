package dev.sluice.controller;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.sluice.analysis.GateVerdict;
import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import dev.sluice.model.Canary;
import dev.sluice.notify.Kind;
import dev.sluice.notify.Notification;
import dev.sluice.notify.Notifications;
import dev.sluice.notify.NotificationsConfig;
import dev.sluice.rollout.Decision;
import dev.sluice.rollout.DecisionLoop;
import dev.sluice.rollout.Evaluation;
import dev.sluice.rollout.Gate;
import dev.sluice.rollout.Phase;
import dev.sluice.rollout.Reason;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.RollbackCause;
import dev.sluice.rollout.Signal;
import dev.sluice.testing.CrdSchemas;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Which transitions are notified and with what ({@link ReleaseNotices}), and a Canary's {@code
 * spec.notifications} as the CRD schema and the daemon's admission read it.
 */
class ReleaseNoticesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Instant NOW = Instant.parse("2026-12-06T03:00:00Z");

  private static ReleaseStatus status(Phase phase, int weight, String reason) {
    ReleaseStatus.Builder b = ReleaseStatus.initial().toBuilder();
    b.phase = phase;
    b.stableVersion = "v1";
    b.canaryVersion = "v2";
    b.weight = weight;
    b.step = weight / 10 - 1;
    b.rollbackReason = reason;
    return b.build();
  }

  private static DecisionLoop.Turn turn(
      ReleaseStatus after,
      List<Decision.Note> notes,
      RollbackCause cause,
      Optional<Signal> signal,
      boolean evaluated) {
    Decision d =
        new Decision(
            after,
            List.of(),
            notes,
            Optional.empty(),
            Optional.empty(),
            Optional.ofNullable(cause),
            List.of());
    return new DecisionLoop.Turn(
        status(Phase.Progressing, 30, null),
        signal,
        evaluated ? Optional.of(new Evaluation(Gate.FAIL, "fail", NOW)) : Optional.empty(),
        null,
        d,
        true);
  }

  private static Subject subject() throws Exception {
    return new Subject(read(example()));
  }

  @Test
  void eachReasonOfTheCourseOfAReleaseIsItsKindAndNoOtherIsNotified() {
    ReleaseStatus progressing = status(Phase.Progressing, 30, null);
    assertThat(kind(Reason.ReleaseStarted, progressing)).contains(Kind.STARTED);
    assertThat(kind(Reason.Paused, progressing)).contains(Kind.PAUSED);
    assertThat(kind(Reason.Resumed, progressing)).contains(Kind.RESUMED);
    assertThat(kind(Reason.StepAdvanced, progressing)).contains(Kind.STEP);
    assertThat(kind(Reason.RolledBack, progressing)).contains(Kind.ROLLED_BACK);
    assertThat(kind(Reason.Promoted, progressing)).contains(Kind.PROMOTED);
    assertThat(kind(Reason.RollbackBlocked, status(Phase.Failed, 30, "x"))).contains(Kind.FAILED);
    // RollingBack comes with RolledBack (or RollbackBlocked) in the same decision: told once
    for (Reason r :
        List.of(
            Reason.RollingBack,
            Reason.Promoting,
            Reason.CheckFailed,
            Reason.StableVersion,
            Reason.Retired,
            Reason.NotificationFailed,
            Reason.WaitingForCanary,
            Reason.InvalidSpec)) {
      assertThat(kind(r, progressing)).as(r.name()).isEmpty();
    }
  }

  private static Optional<Kind> kind(Reason reason, ReleaseStatus after) {
    return ReleaseNotices.kind(Decision.Note.normal(reason, "m"), after);
  }

  @Test
  void aRollbackOnChecksCarriesEveryFailingCheckButDryRunsAndPasses() throws Exception {
    String reason = "check failed: fail: error-rate/error-ratio: value 0.4 is above max 0.05";
    ReleaseStatus after = status(Phase.RolledBack, 0, reason);
    Decision.Note note =
        Decision.Note.warning(Reason.RolledBack, "route back to 100% v1; " + reason);
    GateVerdict verdict =
        new GateVerdict(
            Outcome.FAIL,
            Optional.empty(),
            List.of(
                new Measurement(
                    "error-rate/error-ratio",
                    Outcome.FAIL,
                    OptionalDouble.of(0.4),
                    "sum(rate(istio_requests_total[1m]))",
                    "value 0.4 is above max 0.05",
                    NOW),
                new Measurement(
                        "latency/p99", Outcome.FAIL, OptionalDouble.of(900), "q2", "above", NOW)
                    .asDryRun(),
                new Measurement(
                    "latency/p50", Outcome.PASS, OptionalDouble.of(20), "q3", "fine", NOW)),
            "fail");

    Notification n =
        ReleaseNotices.notification(
            subject(),
            turn(after, List.of(note), RollbackCause.CHECK, Optional.empty(), true),
            verdict,
            NOW,
            Kind.ROLLED_BACK,
            note);

    assertThat(n.kind()).isEqualTo(Kind.ROLLED_BACK);
    assertThat(n.at()).isEqualTo(NOW);
    assertThat(n.name()).isEqualTo("helloworld");
    assertThat(n.phase()).isEqualTo("RolledBack");
    assertThat(n.stableVersion()).isEqualTo("v1");
    assertThat(n.canaryVersion()).isEqualTo("v2");
    assertThat(n.reason()).isEqualTo(reason);
    assertThat(n.message()).isEqualTo(note.message());
    assertThat(n.alert()).isNull();
    assertThat(n.checks())
        .containsExactly(
            new Notification.FailedCheck(
                "error-rate/error-ratio",
                "sum(rate(istio_requests_total[1m]))",
                "0.4",
                "value 0.4 is above max 0.05"));
  }

  @Test
  void aRollbackOnAnAlertNamesTheAlert() throws Exception {
    ReleaseStatus after = status(Phase.RolledBack, 0, "alert HighErrorRate is firing");
    Decision.Note note = Decision.Note.warning(Reason.RolledBack, "route back to 100% v1");
    Notification n =
        ReleaseNotices.notification(
            subject(),
            turn(
                after,
                List.of(note),
                RollbackCause.ALERT,
                Optional.of(new Signal.AlertFiring("HighErrorRate", "app=helloworld")),
                false),
            null,
            NOW,
            Kind.ROLLED_BACK,
            note);
    assertThat(n.alert()).isEqualTo("HighErrorRate");
    assertThat(n.checks()).isEmpty();
    assertThat(n.reason()).isEqualTo("alert HighErrorRate is firing");
  }

  @Test
  void aStepIsNotARollback() throws Exception {
    ReleaseStatus after = status(Phase.Progressing, 30, null);
    Decision.Note note = Decision.Note.normal(Reason.StepAdvanced, "step 3/10: v1 70%, v2 30%");
    Notification n =
        ReleaseNotices.notification(
            subject(),
            turn(after, List.of(note), null, Optional.empty(), false),
            null,
            NOW,
            Kind.STEP,
            note);
    assertThat(n.weight()).isEqualTo(30);
    assertThat(n.step()).isEqualTo(3);
    assertThat(n.reason()).isNull();
    assertThat(n.checks()).isEmpty();
  }

  @Test
  void aStalledReceiverAndAStalledSecretReadNeverHoldUpTheDecisions() throws Exception {
    // one server that answers everything after 3 s: the Kubernetes API the Canary's Secret is read
    // from, and the daemon-wide CloudEvents receiver
    WireMockServer stalled = new WireMockServer(options().dynamicPort().containerThreads(64));
    stalled.start();
    stalled.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(3_000)));
    NotificationsConfig config =
        new SmallRyeConfigBuilder()
            .withMapping(NotificationsConfig.class)
            .withSources(
                new PropertiesConfigSource(
                    Map.of(
                        "sluice.notifications.cloudevents.url", stalled.baseUrl() + "/events",
                        "sluice.notifications.kinds", "step,rolledback",
                        "sluice.notifications.rate-limit.burst", "100",
                        "sluice.notifications.timeout-ms", "1000"),
                    "test",
                    400))
            .build()
            .getConfigMapping(NotificationsConfig.class);
    Notifications notifications = Notifications.of(config, new SimpleMeterRegistry());
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(stalled.baseUrl())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
    EventRecorder events = new EventRecorder(client, java.time.Clock.systemUTC(), "test");
    ReleaseNotices notices =
        new ReleaseNotices(notifications, client, events, java.time.Clock.systemUTC());
    Subject s =
        new Subject(read(with(l -> receiver(l, "slack", "hooks", "url", "step", "rolledback"))));
    try {
      ReleaseStatus after = status(Phase.Progressing, 30, null);
      Decision.Note note = Decision.Note.normal(Reason.StepAdvanced, "step 3/10: v1 70%, v2 30%");
      DecisionLoop.Turn step = turn(after, List.of(note), null, Optional.empty(), false);

      long began = System.nanoTime();
      for (int i = 0; i < 30; i++) {
        notices.announce(s, step, null, notices.now());
      }
      Duration took = Duration.ofNanos(System.nanoTime() - began);

      // 60 notifications queued (the daemon's receiver and the Canary's, 30 each) in far less
      // than one stalled answer; a decision after them is not held up either
      assertThat(took).isLessThan(Duration.ofMillis(1_000));
      // and they were being sent: the stalled server sees the Secret reads and the events
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(stalled.findAll(postRequestedFor(urlPathEqualTo("/events"))))
                    .isNotEmpty();
                assertThat(
                        stalled.findAll(
                            getRequestedFor(
                                urlPathEqualTo(
                                    "/api/v1/namespaces/" + s.namespace + "/secrets/hooks"))))
                    .isNotEmpty();
              });
    } finally {
      notifications.close();
      events.close();
      client.close();
      stalled.stop();
    }
  }

  // ---- spec.notifications --------------------------------------------------------------

  private static ObjectNode example() throws Exception {
    return (ObjectNode) YAML.readTree(new File("deploy/examples/helloworld/canary.yaml"));
  }

  private static ObjectNode with(Consumer<ArrayNode> entries) throws Exception {
    ObjectNode canary = example();
    entries.accept(((ObjectNode) canary.get("spec")).putArray("notifications"));
    return canary;
  }

  private static Canary read(JsonNode canary) {
    return SERIALIZATION.convertValue(canary, Canary.class);
  }

  private static List<String> schemaErrors(JsonNode canary) throws Exception {
    return CrdSchemas.errors(
        YAML.readTree(new File("deploy/crds/canaries.sluice.dev-v1.yml")), canary);
  }

  private static void receiver(
      ArrayNode l, String type, String secret, String key, String... kinds) {
    ObjectNode n = l.addObject().put("type", type);
    n.putObject("secretRef").put("name", secret).put("key", key);
    if (kinds.length > 0) {
      ArrayNode k = n.putArray("kinds");
      for (String kind : kinds) {
        k.add(kind);
      }
    }
  }

  @Test
  void validReceiversAreAdmitted() throws Exception {
    ObjectNode canary =
        with(
            l -> {
              receiver(l, "slack", "hooks", "slack-url");
              receiver(l, "teams", "hooks", "teams.url", "rolledback", "failed");
              receiver(l, "cloudevents", "events", "URL_1", "started", "step", "promoted");
            });
    assertThat(schemaErrors(canary)).isEmpty();
    assertThat(SpecReader.read(read(canary)).problems()).isEmpty();
  }

  @Test
  void anUnknownTypeOrKindOrAMissingSecretIsRefusedByTheSchemaAndTheDaemon() throws Exception {
    ObjectNode canary =
        with(
            l -> {
              receiver(l, "discord", "hooks", "url");
              receiver(l, "slack", "Not_A_Name", "url", "deployed");
              l.addObject().put("type", "teams");
              receiver(l, "cloudevents", "hooks", "a/b");
            });
    assertThat(schemaErrors(canary)).isNotEmpty();
    assertThat(SpecReader.read(read(canary)).problems())
        .containsExactlyInAnyOrder(
            "notifications[0].type \"discord\" is not a receiver type: one of slack, teams,"
                + " cloudevents",
            "notifications[1].secretRef.name must name a Secret",
            "notifications[1].kinds: \"deployed\" is not a kind: one of started, paused, resumed,"
                + " step, rolledback, promoted, failed",
            "notifications[2].secretRef is missing: the Secret and key of the webhook URL",
            "notifications[3].secretRef.key must name a key of the Secret");
  }
}
