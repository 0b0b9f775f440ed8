package dev.sluice.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Webhooks in the pure state machine: when each type is called, what its answer does, and that a
 * rollback never waits for one. Spec: 60 s steps of 10% up to 30%, checks every 15 s, progress
 * deadline 5 min, failure threshold 1 (see {@link SimulatedCluster#spec}).
 */
class HooksTest {
  private static final List<Integer> PLAN = List.of(10, 20, 30);

  private static SimulatedCluster cluster(Hook... hooks) {
    SimulatedCluster c =
        new SimulatedCluster(SimulatedCluster.spec(PLAN).withHooks(List.of(hooks)));
    c.reconcile(); // adopts v1
    c.deploy("v2", 2, 2, c.now);
    return c;
  }

  private static Hook hook(String name, Hook.Type type) {
    return new Hook(name, type);
  }

  private static List<HookCall> calls(SimulatedCluster c, Hook.Type type) {
    return c.hookCalls.stream().filter(h -> h.type() == type).toList();
  }

  private static int maxCanaryWeight(SimulatedCluster c) {
    return c.routeHistory.stream()
        .flatMap(List::stream)
        .filter(d -> d.subset().equals("v2"))
        .mapToInt(Destination::weight)
        .max()
        .orElse(-1);
  }

  @Test
  void confirmRolloutHoldsTheReleaseBeforeAnyWriteAndPastTheProgressDeadlineUntilItAnswers2xx() {
    SimulatedCluster c = cluster(hook("approval", Hook.Type.CONFIRM_ROLLOUT));
    Instant open = c.now.plus(Duration.ofMinutes(12)); // well past the 5 min progress deadline
    c.hookAnswers = (call, at) -> Optional.of(!at.isBefore(open));
    c.runFor(Duration.ofMinutes(11));

    assertThat(c.status.phase()).isEqualTo(Phase.Initializing);
    assertThat(c.status.blocker().reason()).isEqualTo(Reason.AwaitingConfirmation);
    assertThat(c.status.blocker().message())
        .contains("confirm-rollout webhook approval (last answer: HTTP 500)");
    assertThat(c.writes).isEmpty(); // not even the subset's join at weight 0
    assertThat(c.effectHistory).noneMatch(e -> e instanceof Effect.SetRoute);
    // polled once per evaluation interval: at 0 s, 15 s, ... 660 s
    assertThat(calls(c, Hook.Type.CONFIRM_ROLLOUT)).hasSize(45);

    c.runFor(Duration.ofMinutes(6));
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.events).anyMatch(n -> n.reason() == Reason.Confirmed);
    // ... up to the 2xx at 720 s, then never again
    assertThat(calls(c, Hook.Type.CONFIRM_ROLLOUT)).hasSize(49);
  }

  @Test
  void aFailingPreRolloutWebhookRollsBackBeforeTheCanaryGetsAnyTraffic() {
    SimulatedCluster c = cluster(hook("smoke-tests", Hook.Type.PRE_ROLLOUT));
    c.hookAnswers = (call, at) -> Optional.of(false);
    c.runFor(Duration.ofMinutes(2));

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.status.rollbackReason())
        .isEqualTo("pre-rollout webhook smoke-tests failed: HTTP 500");
    assertThat(c.decisions).anyMatch(d -> d.rollback().equals(Optional.of(RollbackCause.WEBHOOK)));
    assertThat(maxCanaryWeight(c)).isLessThanOrEqualTo(0);
    assertThat(calls(c, Hook.Type.PRE_ROLLOUT)).hasSize(1);
  }

  @Test
  void aPassingPreRolloutWebhookIsCalledOnceWhenTheCanaryIsReadyAndTheReleaseGoesOn() {
    SimulatedCluster c = cluster(hook("smoke-tests", Hook.Type.PRE_ROLLOUT));
    c.deploy("v2", 2, 0, c.now); // not ready yet
    c.runFor(Duration.ofMinutes(1));
    assertThat(calls(c, Hook.Type.PRE_ROLLOUT)).isEmpty();
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofMinutes(5));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(calls(c, Hook.Type.PRE_ROLLOUT)).hasSize(1);
    assertThat(c.status.hooks()).singleElement().satisfies(r -> assertThat(r.passed()).isTrue());
  }

  @Test
  void aStepWebhookIsCalledOnceAtEachStep() {
    SimulatedCluster c = cluster(hook("load", Hook.Type.STEP));
    c.runFor(Duration.ofMinutes(5));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(calls(c, Hook.Type.STEP)).extracting(HookCall::step).containsExactly(0, 1, 2);
  }

  @Test
  void aFailingStepWebhookCountsAsAFailedCheck() {
    SimulatedCluster c = cluster(hook("load", Hook.Type.STEP));
    c.hookAnswers = (call, at) -> Optional.of(call.step() != 1);
    c.runFor(Duration.ofMinutes(5));

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.status.rollbackReason())
        .isEqualTo("check failed: step webhook load failed at step 2: HTTP 500");
    assertThat(c.decisions).anyMatch(d -> d.rollback().equals(Optional.of(RollbackCause.CHECK)));
    assertThat(c.route).containsExactly(new Destination("v1", 100));
  }

  @Test
  void belowTheFailureThresholdAFailedStepWebhookIsCalledAgainAndTheStepWaitsForIt() {
    ReleaseSpec spec =
        new ReleaseSpec(
                PLAN,
                Duration.ofSeconds(60),
                Duration.ofSeconds(15),
                3,
                3,
                3,
                Duration.ofMinutes(5),
                RetirementPolicy.DELETE,
                true,
                null)
            .withHooks(List.of(hook("load", Hook.Type.STEP)));
    SimulatedCluster c = new SimulatedCluster(spec);
    c.reconcile();
    c.deploy("v2", 2, 2, c.now);
    int[] answers = {0};
    c.hookAnswers = (call, at) -> Optional.of(call.step() != 0 || answers[0]++ > 0);
    c.runFor(Duration.ofMinutes(5));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(calls(c, Hook.Type.STEP)).extracting(HookCall::step).containsExactly(0, 0, 1, 2);
    assertThat(c.events).filteredOn(n -> n.reason() == Reason.CheckFailed).hasSize(1);
  }

  @Test
  void aStepWebhookThatNeverAnswersKeepsTheStepUntilTheProgressDeadlineRollsBack() {
    SimulatedCluster c = cluster(hook("load", Hook.Type.STEP));
    c.hookAnswers = (call, at) -> call.step() == 0 ? Optional.of(true) : Optional.empty();
    c.runFor(Duration.ofMinutes(10));

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.status.rollbackReason())
        .startsWith("step 2: step webhook load (not answered yet) did not answer 2xx");
    assertThat(maxCanaryWeight(c)).isEqualTo(20);
  }

  @Test
  void confirmPromotionHoldsTheLastStepWhileTheChecksGoOnThenPromotes() {
    SimulatedCluster c = cluster(hook("go-live", Hook.Type.CONFIRM_PROMOTION));
    Instant open = c.now.plus(Duration.ofMinutes(15));
    c.hookAnswers = (call, at) -> Optional.of(!at.isBefore(open));
    c.runFor(Duration.ofMinutes(14));

    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
    assertThat(c.status.weight()).isEqualTo(30);
    assertThat(c.status.blocker().reason()).isEqualTo(Reason.AwaitingConfirmation);
    assertThat(c.status.blocker().message()).contains("before v1 is retired");
    assertThat(c.deployments).containsKey("v1");

    c.runFor(Duration.ofMinutes(3));
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.status.stableVersion()).isEqualTo("v2");
  }

  @Test
  void aCheckThatFailsWhileAwaitingPromotionStillRollsBack() {
    SimulatedCluster c = cluster(hook("go-live", Hook.Type.CONFIRM_PROMOTION));
    c.hookAnswers = (call, at) -> Optional.of(false);
    c.runFor(Duration.ofMinutes(5));
    assertThat(c.status.blocker().reason()).isEqualTo(Reason.AwaitingConfirmation);
    c.checks = at -> new Evaluation(Gate.FAIL, "error-rate 0.2 > 0.01", at);
    c.runFor(Duration.ofSeconds(20));

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.route).containsExactly(new Destination("v1", 100));
  }

  @Test
  void aManualPromoteDoesNotWaitForConfirmPromotion() {
    SimulatedCluster c = cluster(hook("go-live", Hook.Type.CONFIRM_PROMOTION));
    c.hookAnswers = (call, at) -> Optional.of(false);
    c.runFor(Duration.ofMinutes(5));
    c.reconcile(Optional.of(new Signal.Manual(Command.PROMOTE, "alice")));
    c.runFor(Duration.ofMinutes(1));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
  }

  @Test
  void aRollbackWebhookIsPolledWhileTheReleaseRunsAndA2xxRollsBackAtOnce() {
    SimulatedCluster c = cluster(hook("incidents", Hook.Type.ROLLBACK));
    Instant incident = c.now.plus(Duration.ofSeconds(100));
    c.hookAnswers = (call, at) -> Optional.of(!at.isBefore(incident));
    c.runFor(Duration.ofMinutes(3));

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.status.rollbackReason())
        .isEqualTo("rollback webhook incidents asked for a rollback: HTTP 200");
    assertThat(c.status.finishedAt()).isBetween(incident, incident.plusSeconds(15));
    int polls = c.hookCalls.size();
    assertThat(polls).isBetween(7, 9);
    c.runFor(Duration.ofMinutes(5));
    assertThat(c.hookCalls).hasSize(polls); // not polled once the release ended
  }

  @Test
  void postRolloutIsCalledOnceAfterAPromotionAndOnceAfterARollback() {
    SimulatedCluster c = cluster(hook("report", Hook.Type.POST_ROLLOUT));
    c.runFor(Duration.ofMinutes(10));
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(calls(c, Hook.Type.POST_ROLLOUT)).hasSize(1);

    c.deploy("v3", 2, 2, c.now);
    c.checks = at -> new Evaluation(Gate.FAIL, "error-rate 0.2 > 0.01", at);
    c.runFor(Duration.ofMinutes(10));
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    List<HookCall> posts = calls(c, Hook.Type.POST_ROLLOUT);
    assertThat(posts).hasSize(2);
    assertThat(posts.get(1).release()).isEqualTo(c.status.releaseStartedAt());
  }

  @Test
  void anAnswerForAnEarlierReleaseIsIgnored() {
    SimulatedCluster c = cluster(hook("incidents", Hook.Type.ROLLBACK));
    c.hookAnswers = (call, at) -> Optional.of(false);
    c.runFor(Duration.ofSeconds(30));
    HookCall stale =
        new HookCall(
            "incidents", Hook.Type.ROLLBACK, -1, c.status.releaseStartedAt().minusSeconds(600));
    c.reconcile(Optional.of(stale.answered(true, "HTTP 200", c.now)));

    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
  }
}
