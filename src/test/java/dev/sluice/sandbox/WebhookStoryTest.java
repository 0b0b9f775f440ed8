package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the webhooks scenario must show, judged from a recorded history: the story as it should go
 * holds, and each thing that would make it a different story does not.
 */
class WebhookStoryTest {
  private static final Instant T0 = Instant.parse("2026-12-06T03:00:00Z");
  private static final Instant R1 = T0.plusSeconds(10);
  private static final Instant R2 = T0.plusSeconds(20);

  private WebhookReceiver receiver;
  private LoadGenerator load;

  @BeforeEach
  void start() {
    receiver = WebhookReceiver.start();
    // a load that really sent requests (to the receiver, which answers them 405)
    load = new LoadGenerator(receiver.url("/"), 200, 0).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (load.sent() < 3 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    load.stop(Duration.ofSeconds(2));
  }

  @AfterEach
  void stop() {
    load.close();
    receiver.close();
  }

  private static WebhookReceiver.Call call(
      Instant release, double at, String type, Integer step, int weight, int status) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", "helloworld");
    json.put(
        "webhook",
        Map.of("confirm-rollout", "approval", "pre-rollout", "smoke-tests")
            .getOrDefault(type, "load"));
    json.put("type", type);
    json.put("releaseStartedAt", release.toString());
    json.put("weight", weight);
    if (step != null) {
      json.put("step", step);
    }
    Instant t = release.plusMillis((long) (at * 1000));
    String path =
        "/sandbox-webhooks/"
            + Map.of("confirm-rollout", "gate", "pre-rollout", "tests").getOrDefault(type, "load");
    return new WebhookReceiver.Call(
        t,
        path,
        Map.of(),
        type.equals("step"),
        json.toString(),
        json,
        new WebhookReceiver.Answer(status, ""),
        t.plusMillis(5));
  }

  /** The history of a run that went as it should; {@code edit} changes one thing of it. */
  private Map<String, Object> report(Consumer<ScenarioRun> edit) {
    ScenarioRun run =
        new ScenarioRun(
            Scenario.WEBHOOKS,
            Options.defaults(Path.of(".")),
            null,
            null,
            null,
            null,
            receiver,
            System.out);
    WebhookStory w = run.webhooks;
    w.releases.addAll(List.of(R1.toString(), R2.toString()));
    w.gateOpened.put(R1.toString(), R1.plusSeconds(3));
    w.gateOpened.put(R2.toString(), R2.plusSeconds(2));
    w.calls.addAll(
        List.of(
            call(R1, 0.5, "confirm-rollout", null, 0, 403),
            call(R1, 1.5, "confirm-rollout", null, 0, 403),
            call(R1, 2.5, "confirm-rollout", null, 0, 403),
            call(R1, 3.5, "confirm-rollout", null, 0, 200),
            call(R1, 3.8, "pre-rollout", null, 0, 422),
            call(R2, 0.5, "confirm-rollout", null, 0, 403),
            call(R2, 2.5, "confirm-rollout", null, 0, 200),
            call(R2, 3.0, "pre-rollout", null, 0, 200),
            call(R2, 3.7, "step", 1, 10, 200),
            call(R2, 6.7, "step", 2, 20, 200)));
    run.moments.put("v2Applied", R1.minusMillis(500));
    run.moments.put("subset v2 added", R1.plusMillis(3600));
    run.moments.put("firstTrafficToV2", R2.plusMillis(3600));
    run.moments.put("end", R2.plusSeconds(40));
    run.phases.put("RolledBack", R1.plusMillis(4000));
    w.firstRolledBackSeen = R1.plusSeconds(6);
    w.firstRollbackReason = "pre-rollout webhook smoke-tests failed: HTTP 422: 3 of 40";
    w.retriedAt = R1.plusSeconds(8);
    run.meshVersions.add(point(T0.plusSeconds(1), Map.of("v1", 100)));
    run.meshVersions.add(point(R2.plusMillis(3500), Map.of("v1", 100, "v2", 0)));
    run.meshVersions.add(point(R2.plusMillis(3600), Map.of("v1", 90, "v2", 10)));
    w.loadStartedAt = R2.plusMillis(3800);
    w.checksWithoutLoad =
        List.of(measurement("error-rate/error-ratio"), measurement("latency-p99/p99-latency-ms"));
    run.load = load;
    edit.accept(run);
    return w.report();
  }

  private static ScenarioRun.RoutePoint point(Instant at, Map<String, Integer> weights) {
    return new ScenarioRun.RoutePoint(at, new LinkedHashMap<>(weights), List.of(), "helloworld@1");
  }

  private static Measurement measurement(String check) {
    return new Measurement(
        check, Outcome.INCONCLUSIVE, OptionalDouble.empty(), "q", check + ": no traffic data", T0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> section(Map<String, Object> r, String key) {
    return (Map<String, Object>) r.get(key);
  }

  @Test
  void theStoryAsItShouldGoHolds() {
    Map<String, Object> r = report(run -> {});
    assertThat(section(r, "release1")).containsEntry("held", true);
    assertThat(section(r, "release2")).containsEntry("held", true);
    assertThat(r).containsEntry("held", true);
    Map<String, Object> first = section(r, "release1");
    assertThat(first.get("gatePollsAnsweredClosed")).isEqualTo(3L);
    assertThat(first.get("gateOpenedSinceReleaseStartSeconds")).isEqualTo(3.0);
    assertThat(first.get("preRolloutFailedSinceReleaseStartSeconds")).isEqualTo(3.8);
    assertThat(first.get("routeAtThePreRolloutFailure")).isEqualTo(Map.of("v1", 100));
    assertThat(first.get("routeAt100PercentV1SinceSeconds")).isEqualTo(-9.0);
    assertThat(first.get("rolledBackPhaseSinceReleaseStartSeconds")).isEqualTo(4.0);
    Map<String, Object> second = section(r, "release2");
    assertThat(second.get("canaryFirstGotWeightSinceReleaseStartSeconds")).isEqualTo(3.6);
    assertThat(second.get("loadStartedAfterTheFirstStepCallMs")).isEqualTo(100.0);
    assertThat(second.get("stepsCalled")).isEqualTo(List.of(1, 2));
    assertThat(r.get("repeatedCalls")).isEqualTo(List.of());
    assertThat(section(r, "notifications"))
        .containsEntry("note", "notifications configured, none received");
    assertThat((List<?>) r.get("calls")).hasSize(10);
  }

  @Test
  void v2GivenWeightBeforeTheRetryBreaksRelease1() {
    Map<String, Object> r =
        report(
            run -> run.meshVersions.add(1, point(R1.plusSeconds(4), Map.of("v1", 90, "v2", 10))));
    assertThat(section(r, "release1")).containsEntry("held", false);
    assertThat(section(r, "release1")).containsEntry("v2HighestWeightInTheRelease", 10);
    assertThat(r).containsEntry("held", false);
  }

  @Test
  void aStepCallInRelease1OrARollbackBeforeTheFailureBreaksRelease1() {
    assertThat(
            section(
                report(run -> run.webhooks.calls.add(5, call(R1, 3.9, "step", 1, 10, 200))),
                "release1"))
        .containsEntry("held", false);
    assertThat(
            section(report(run -> run.phases.put("RolledBack", R1.plusMillis(3700))), "release1"))
        .containsEntry("held", false);
    assertThat(section(report(run -> run.webhooks.gateOpened.clear()), "release1"))
        .containsEntry("held", false);
  }

  @Test
  void loadBeforeTheStepHookOrChecksThatPassedWithoutItBreakRelease2() {
    assertThat(section(report(run -> run.webhooks.loadStartedAt = R2.plusMillis(3000)), "release2"))
        .containsEntry("held", false);
    assertThat(
            section(
                report(
                    run ->
                        run.webhooks.checksWithoutLoad =
                            List.of(
                                new Measurement(
                                    "error-rate/error-ratio",
                                    Outcome.PASS,
                                    OptionalDouble.of(0),
                                    "q",
                                    null,
                                    T0))),
                "release2"))
        .containsEntry("held", false);
    // the canary given weight before the gate opened
    assertThat(
            section(
                report(run -> run.moments.put("firstTrafficToV2", R2.plusMillis(1000))),
                "release2"))
        .containsEntry("held", false);
  }

  @Test
  void aTokenOnAnotherCallBreaksRelease2AndARepeatedPreRolloutIsShown() {
    Map<String, Object> r =
        report(
            run -> {
              List<WebhookReceiver.Call> calls = new ArrayList<>(run.webhooks.calls);
              WebhookReceiver.Call gate = calls.get(6);
              calls.set(
                  6,
                  new WebhookReceiver.Call(
                      gate.at(),
                      gate.path(),
                      gate.headers(),
                      true,
                      gate.body(),
                      gate.json(),
                      gate.answer(),
                      gate.answeredAt()));
              calls.add(5, call(R1, 3.81, "pre-rollout", null, 0, 422));
              run.webhooks.calls.clear();
              run.webhooks.calls.addAll(calls);
            });
    assertThat(section(r, "release2")).containsEntry("bearerTokenOnStepCallsOnly", false);
    assertThat(section(r, "release2")).containsEntry("held", false);
    assertThat(r.get("repeatedCalls"))
        .isEqualTo(List.of("release 1 pre-rollout smoke-tests called 2 times"));
    // a repeat alone does not break release 1's story
    assertThat(section(r, "release1")).containsEntry("held", true);
  }
}
