package dev.sluice.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Whole releases through the pure state machine, in simulated time. */
class RolloutScenariosTest {

  private static List<Destination> route(String s1, int w1, String s2, int w2) {
    return List.of(new Destination(s1, w1), new Destination(s2, w2));
  }

  private static SimulatedCluster withCanary() {
    SimulatedCluster c = new SimulatedCluster(SimulatedCluster.spec());
    c.reconcile(); // adopts v1 as stable
    c.deploy("v2", 2, 2, c.now);
    return c;
  }

  @Test
  void healthyCanaryGoesUpTenAtATimeThenRetiresV1InTheGuidesOrder() {
    SimulatedCluster c = withCanary();
    c.runFor(Duration.ofMinutes(12));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.status.stableVersion()).isEqualTo("v2");
    List<Integer> canaryWeights =
        c.routeHistory.stream()
            .map(r -> r.stream().filter(d -> d.subset().equals("v2")).findFirst().get().weight())
            .toList();
    assertThat(canaryWeights).containsExactly(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 100);
    assertThat(c.routeHistory.get(c.routeHistory.size() - 1))
        .containsExactly(new Destination("v2", 100));
    // the guide's order: subset added first; at the end route, then subset, then Deployment
    assertThat(c.effectHistory.get(0)).isEqualTo(new Effect.AddSubset("v2", "v1"));
    List<Effect> tail = c.effectHistory.subList(c.effectHistory.size() - 3, c.effectHistory.size());
    assertThat(tail)
        .containsExactly(
            new Effect.SetRoute(List.of(new Destination("v2", 100))),
            new Effect.RemoveSubset("v1"),
            new Effect.RetireDeployment("v1", "helloworld-v1", RetirementPolicy.DELETE));
    assertThat(c.subsets).containsExactlyInAnyOrder("v2", "debug");
    assertThat(c.deployments).containsOnlyKeys("v2");
  }

  @Test
  void eachStepIsHeldForTheIntervalAndCheckedDuringTheBake() {
    SimulatedCluster c = withCanary();
    List<Instant> evaluations = new java.util.ArrayList<>();
    c.checks =
        at -> {
          evaluations.add(at);
          return new Evaluation(Gate.PASS, "ok", at);
        };
    c.runFor(Duration.ofSeconds(61));
    // step 1 started at t0; checks at +15, +30, +45, and the end of the bake at +60
    Instant t0 =
        c.decisions.stream()
            .filter(d -> d.status().step() == 0)
            .findFirst()
            .get()
            .status()
            .stepStartedAt();
    assertThat(evaluations)
        .containsExactly(
            t0.plusSeconds(15), t0.plusSeconds(30), t0.plusSeconds(45), t0.plusSeconds(60));
    assertThat(c.status.weight()).isEqualTo(20);
  }

  @Test
  void aFailingCheckAt30PercentRollsBackInOneWrite() {
    SimulatedCluster c = withCanary();
    c.runFor(Duration.ofSeconds(125)); // at 30% now
    assertThat(c.status.weight()).isEqualTo(30);
    int writesBefore = c.routeHistory.size();
    c.checks = at -> new Evaluation(Gate.FAIL, "error-rate/error-rate = 0.31 > 0.01", at);
    c.runFor(Duration.ofSeconds(15));

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.routeHistory.subList(writesBefore, c.routeHistory.size()))
        .containsExactly(List.of(new Destination("v1", 100)));
    assertThat(c.status.rollbackReason()).contains("error-rate/error-rate = 0.31 > 0.01");
    assertThat(c.events)
        .anySatisfy(
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.RolledBack);
              assertThat(e.message()).contains("0.31");
            });
    // the canary's subset leaves the DestinationRule; its Deployment stays for inspection
    assertThat(c.subsets).containsExactlyInAnyOrder("v1", "debug");
    assertThat(c.deployments).containsKeys("v1", "v2");
    // and a rolled-back version does not start again by itself
    c.runFor(Duration.ofMinutes(5));
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
  }

  @Test
  void twoRolledBackVersionsDoNotStartEachOtherAgain() {
    // found by CrashResumeIT: v2 rolled back, then v3 rolled back; v2 (still deployed, ready,
    // newer than stable) is not a new version, so neither comes back by itself
    SimulatedCluster c = withCanary();
    c.runFor(Duration.ofSeconds(65));
    c.checks = at -> new Evaluation(Gate.FAIL, "error-rate = 0.5 > 0.05", at);
    c.runFor(Duration.ofSeconds(30));
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.status.canaryVersion()).isEqualTo("v2");
    c.deploy("v3", 2, 2, c.now);
    c.runFor(Duration.ofSeconds(90));
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.status.canaryVersion()).isEqualTo("v3");
    long started = c.events.stream().filter(e -> e.reason() == Reason.ReleaseStarted).count();
    c.runFor(Duration.ofMinutes(5));
    assertThat(c.events.stream().filter(e -> e.reason() == Reason.ReleaseStarted).count())
        .as("releases started after v3's rollback")
        .isEqualTo(started);
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.status.canaryVersion()).isEqualTo("v3");
    // a version newer than both still starts
    c.checks = at -> new Evaluation(Gate.PASS, "ok", at);
    c.deploy("v4", 2, 2, c.now);
    c.runFor(Duration.ofSeconds(5));
    assertThat(c.status.canaryVersion()).isEqualTo("v4");
  }

  @Test
  void inconclusiveHoldsTheWeightThenRollsBackAtTheLimit() {
    SimulatedCluster c = withCanary();
    c.checks = at -> new Evaluation(Gate.INCONCLUSIVE, "no data", at);
    c.reconcile();
    c.now = c.now.plusSeconds(15);
    c.reconcile();
    c.now = c.now.plusSeconds(15);
    c.reconcile();
    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
    assertThat(c.status.inconclusiveStreak()).isEqualTo(2);
    assertThat(c.canaryWeight()).isEqualTo(10);
    c.now = c.now.plusSeconds(15);
    Decision d = c.reconcile();
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(d.rollback()).contains(RollbackCause.LIMIT);
    assertThat(c.status.rollbackReason()).contains("3 inconclusive evaluations in a row");
    assertThat(c.route).containsExactly(new Destination("v1", 100));
  }

  @Test
  void prometheusErrorsHoldThenRollBackAtTheErrorLimit() {
    SimulatedCluster c = withCanary();
    c.checks = at -> new Evaluation(Gate.ERROR, "Prometheus unreachable", at);
    c.runFor(Duration.ofSeconds(30));
    assertThat(c.status.errorStreak()).isEqualTo(2);
    assertThat(c.canaryWeight()).isEqualTo(10);
    c.runFor(Duration.ofSeconds(15));
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.status.rollbackReason()).contains("without data").contains("unreachable");
  }

  @Test
  void aPassBetweenErrorsResetsTheStreak() {
    SimulatedCluster c = withCanary();
    // evaluations at +15 +30 +45 +60: without the reset, the fourth would reach the limit of 3
    Gate[] script = {Gate.ERROR, Gate.PASS, Gate.ERROR, Gate.ERROR};
    int[] i = {0};
    c.checks = at -> new Evaluation(script[Math.min(i[0]++, script.length - 1)], "x", at);
    c.runFor(Duration.ofSeconds(61));
    assertThat(i[0]).isEqualTo(4);
    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
    assertThat(c.status.errorStreak()).isEqualTo(2);
    assertThat(c.canaryWeight()).isEqualTo(10); // the end of the bake was an error: held
  }

  @Test
  void inconclusiveAtTheEndOfTheBakeHoldsTheStepUntilAPass() {
    SimulatedCluster c = withCanary();
    c.checks =
        at ->
            new Evaluation(
                at.isBefore(c.status.stepStartedAt().plusSeconds(70))
                    ? Gate.INCONCLUSIVE
                    : Gate.PASS,
                "x",
                at);
    // evaluations at 15 30 45 -> 3 inconclusive would roll back with limit 3, so use limit 5
    SimulatedCluster lenient =
        new SimulatedCluster(
            new ReleaseSpec(
                StepPlan.of(10, 100, null),
                Duration.ofSeconds(60),
                Duration.ofSeconds(30),
                1,
                5,
                3,
                Duration.ofMinutes(5),
                RetirementPolicy.DELETE,
                true,
                null));
    lenient.reconcile();
    lenient.deploy("v2", 1, 1, lenient.now);
    lenient.checks =
        at ->
            new Evaluation(
                at.isBefore(lenient.status.stepStartedAt().plusSeconds(80))
                    ? Gate.INCONCLUSIVE
                    : Gate.PASS,
                "x",
                at);
    lenient.runFor(Duration.ofSeconds(60));
    assertThat(lenient.status.step()).isEqualTo(0); // end of bake was inconclusive: held
    lenient.runFor(Duration.ofSeconds(30));
    assertThat(lenient.status.step()).isEqualTo(1); // next pass advances
  }

  @Test
  void noFallbackRouteIsRefusedAndNeverWritten() {
    SimulatedCluster c = new SimulatedCluster(SimulatedCluster.spec());
    c.routeState = RouteObservation.State.INVALID;
    c.deploy("v2", 1, 1, c.now);
    Decision d = c.reconcile();
    assertThat(c.effectHistory).isEmpty();
    assertThat(c.status.blocker().reason()).isEqualTo(Reason.InvalidVirtualService);
    assertThat(d.events())
        .extracting(Decision.Note::reason)
        .containsExactly(Reason.InvalidVirtualService);
    // the same problem is not announced again on every reconcile
    assertThat(c.reconcile().events()).isEmpty();
  }

  @Test
  void aRestartedDaemonResumesAtTheRecordedStep() {
    SimulatedCluster c = withCanary();
    c.runFor(Duration.ofSeconds(185)); // 40%
    assertThat(c.status.weight()).isEqualTo(40);
    // "restart": a new driver with only the recorded status and the cluster as it is
    SimulatedCluster restarted = new SimulatedCluster(c.spec);
    restarted.status = c.status;
    restarted.route = c.route;
    restarted.subsets = c.subsets;
    restarted.deployments.putAll(c.deployments);
    restarted.now = c.now;
    restarted.runFor(Duration.ofMinutes(10));
    List<Integer> weights =
        restarted.routeHistory.stream()
            .map(
                r ->
                    r.stream()
                        .filter(d -> d.subset().equals("v2"))
                        .findFirst()
                        .map(Destination::weight)
                        .orElse(-1))
            .toList();
    assertThat(weights).containsExactly(50, 60, 70, 80, 90, 100, 100);
  }

  @Test
  void aLostRouteWriteIsRedoneFromTheStatus() {
    SimulatedCluster c = withCanary();
    c.runFor(Duration.ofSeconds(125));
    // the daemon recorded 30% but crashed before the route write: the route still says 20
    c.route = route("v1", 80, "v2", 20);
    c.reconcile();
    assertThat(c.route).isEqualTo(route("v1", 70, "v2", 30));
  }

  @Test
  void anotherWriterResettingTheWeightsIsOverruledButRemovingTheCanaryStopsTheRelease() {
    SimulatedCluster c = withCanary();
    c.runFor(Duration.ofSeconds(65));
    c.route = route("v1", 100, "v2", 0);
    c.reconcile();
    assertThat(c.route).isEqualTo(route("v1", 80, "v2", 20));
    c.route = List.of(new Destination("v1", 100));
    Decision d = c.reconcile();
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(d.rollback()).contains(RollbackCause.EXTERNAL);
    assertThat(c.status.rollbackReason()).contains("reset outside the release");
  }

  @Test
  void theManagedRouteGoneStopsTheReleaseUntilItCanBeWritten() {
    SimulatedCluster c = withCanary();
    c.runFor(Duration.ofSeconds(65));
    c.routeState = RouteObservation.State.NOT_FOUND;
    c.reconcile();
    assertThat(c.status.phase()).isEqualTo(Phase.Failed);
    assertThat(c.status.blocker().reason()).isEqualTo(Reason.RollbackBlocked);
    c.routeState = RouteObservation.State.OK;
    c.reconcile();
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.route).containsExactly(new Destination("v1", 100));
  }

  @Test
  void aCanaryThatStopsServingIsTakenOutOfTheRoute() {
    SimulatedCluster c = withCanary();
    c.runFor(Duration.ofSeconds(65));
    c.deploy("v2", 2, 0, c.now);
    c.reconcile();
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.route).containsExactly(new Destination("v1", 100));
  }

  @Test
  void aCanaryNeverReadyTimesOutAtTheProgressDeadline() {
    ReleaseSpec base = SimulatedCluster.spec();
    SimulatedCluster c = new SimulatedCluster(base.withTargetVersion("v2"));
    c.reconcile();
    c.deploy("v2", 2, 1, c.now); // named as target, but one of two replicas is not ready
    c.runFor(Duration.ofMinutes(4));
    assertThat(c.status.phase()).isEqualTo(Phase.Initializing);
    assertThat(c.status.blocker().reason()).isEqualTo(Reason.WaitingForCanary);
    c.runFor(Duration.ofMinutes(2));
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.status.rollbackReason()).contains("progress deadline");
  }

  @Test
  void explicitStepsAndMaxWeightBelow100EndWithOnePromotionWrite() {
    SimulatedCluster c = new SimulatedCluster(SimulatedCluster.spec(List.of(5, 25, 50)));
    c.reconcile();
    c.deploy("v2", 1, 1, c.now);
    c.runFor(Duration.ofMinutes(5));
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.routeHistory)
        .containsExactly(
            route("v1", 100, "v2", 0),
            route("v1", 95, "v2", 5),
            route("v1", 75, "v2", 25),
            route("v1", 50, "v2", 50),
            List.of(new Destination("v2", 100)));
  }

  @Test
  void aSubsetStillUsedByAnotherRouteHoldsRetirementUntilItIsFreeThenRetiresByItself() {
    SimulatedCluster c = withCanary();
    c.usedElsewhere.add("v1");
    c.runFor(Duration.ofMinutes(12));
    // the release ends; v1 stays, and the status and an event say what holds it
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.status.stableVersion()).isEqualTo("v2");
    assertThat(c.status.blocker()).isNull();
    assertThat(c.status.retiring())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.version()).isEqualTo("v1");
              assertThat(r.heldBy())
                  .isEqualTo("subset v1 is routed to by route `v1` of VirtualService helloworld");
            });
    assertThat(c.events)
        .filteredOn(e -> e.reason() == Reason.RetirementBlocked)
        .singleElement()
        .satisfies(
            e -> assertThat(e.message()).contains("route `v1` of VirtualService helloworld"));
    assertThat(c.subsets).contains("v1");
    assertThat(c.deployments).containsKey("v1");
    c.runFor(Duration.ofMinutes(5));
    assertThat(c.subsets).contains("v1");

    c.usedElsewhere.remove("v1");
    c.reconcile();
    assertThat(c.subsets).doesNotContain("v1");
    assertThat(c.deployments).doesNotContainKey("v1");
    assertThat(c.status.retiring()).isEmpty();
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.events).anySatisfy(e -> assertThat(e.reason()).isEqualTo(Reason.Retired));
  }

  @Test
  void aKeptOldVersionIsNotMistakenForANewOne() {
    SimulatedCluster c =
        new SimulatedCluster(
            new ReleaseSpec(
                StepPlan.of(50, 100, null),
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                1,
                3,
                3,
                Duration.ofMinutes(5),
                RetirementPolicy.KEEP,
                true,
                null));
    c.reconcile();
    c.deploy("v2", 1, 1, c.now);
    c.runFor(Duration.ofMinutes(1));
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.deployments).containsKeys("v1", "v2");
    c.runFor(Duration.ofMinutes(1));
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.status.stableVersion()).isEqualTo("v2");
  }

  @Test
  void targetVersionStartsTheReleaseWhenAutoStartIsOff() {
    ReleaseSpec base = SimulatedCluster.spec();
    ReleaseSpec gitops =
        new ReleaseSpec(
            base.plan(),
            base.interval(),
            base.evaluationInterval(),
            1,
            3,
            3,
            base.progressDeadline(),
            RetirementPolicy.DELETE,
            false,
            "v3");
    SimulatedCluster c = new SimulatedCluster(gitops);
    c.reconcile();
    c.deploy("v2", 1, 1, c.now);
    c.reconcile();
    assertThat(c.status.phase()).isEqualTo(Phase.Idle);
    assertThat(c.status.blocker().reason()).isEqualTo(Reason.WaitingForTarget);
    c.deploy("v3", 1, 1, c.now);
    c.reconcile();
    assertThat(c.status.canaryVersion()).isEqualTo("v3");
    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
  }

  @Test
  void manualCommandsApplyOnlyWhereTheyMakeSense() {
    SimulatedCluster c = withCanary();
    assertThat(c.reconcile(Optional.of(new Signal.Manual(Command.RESUME, "alice"))).refusal())
        .isPresent();
    c.runFor(Duration.ofSeconds(65)); // 20%
    c.reconcile(Optional.of(new Signal.Manual(Command.PAUSE, "alice")));
    assertThat(c.status.phase()).isEqualTo(Phase.Paused);
    c.runFor(Duration.ofMinutes(5));
    assertThat(c.status.weight()).isEqualTo(20); // held, and no deadline while paused
    c.reconcile(Optional.of(new Signal.Manual(Command.RESUME, "alice")));
    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
    c.reconcile(Optional.of(new Signal.Manual(Command.PROMOTE, "alice")));
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.route).containsExactly(new Destination("v2", 100));
    assertThat(c.reconcile(Optional.of(new Signal.Manual(Command.ABORT, "alice"))).refusal())
        .hasValueSatisfying(r -> assertThat(r).contains("Succeeded"));
  }

  @Test
  void abortThenRetryStartsTheSameVersionAgain() {
    SimulatedCluster c = withCanary();
    c.runFor(Duration.ofSeconds(65));
    Decision abort = c.reconcile(Optional.of(new Signal.Manual(Command.ABORT, "bob")));
    assertThat(abort.rollback()).contains(RollbackCause.MANUAL);
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    c.reconcile(Optional.of(new Signal.Manual(Command.RETRY, "bob")));
    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
    assertThat(c.status.canaryVersion()).isEqualTo("v2");
    assertThat(c.status.weight()).isEqualTo(10);
  }

  @Test
  void aFiringAlertRollsBackAtOnceAndIsIgnoredWhenNothingRuns() {
    SimulatedCluster c = new SimulatedCluster(SimulatedCluster.spec());
    c.reconcile();
    Decision idle =
        c.reconcile(Optional.of(new Signal.AlertFiring("HighErrorRate", "app=helloworld")));
    assertThat(idle.effects()).isEmpty();
    assertThat(idle.refusal()).isEmpty();
    c.deploy("v2", 1, 1, c.now);
    c.runFor(Duration.ofSeconds(65));
    Decision d =
        c.reconcile(Optional.of(new Signal.AlertFiring("HighErrorRate", "app=helloworld")));
    assertThat(d.rollback()).contains(RollbackCause.ALERT);
    assertThat(d.effects())
        .containsExactly(new Effect.SetRoute(List.of(new Destination("v1", 100))));
    assertThat(c.status.rollbackReason()).contains("HighErrorRate");
  }

  @Test
  void theOldVersionKeepsItsSubsetAndPodsForTheRetirementDelayAfterLeavingTheRoute() {
    ReleaseSpec base = SimulatedCluster.spec(List.of(50, 100));
    SimulatedCluster c = new SimulatedCluster(base.withRetirementDelay(Duration.ofSeconds(30)));
    c.reconcile();
    c.deploy("v2", 1, 1, c.now);
    c.runFor(Duration.ofSeconds(120));
    assertThat(c.route).containsExactly(new Destination("v2", 100));
    Instant left = c.status.retiringSince();
    assertThat(left).isNotNull();
    assertThat(c.status.phase()).isEqualTo(Phase.Finalizing);
    assertThat(c.subsets).contains("v1");
    assertThat(c.deployments).containsKey("v1");
    // the state machine asks to be woken when the delay is over, and only then retires
    c.runFor(Duration.between(c.now, left.plusSeconds(30)).minusMillis(1));
    assertThat(c.subsets).contains("v1");
    c.runFor(Duration.ofSeconds(1));
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.subsets).doesNotContain("v1");
    assertThat(c.deployments).doesNotContainKey("v1");
    assertThat(c.status.retiringSince()).isNull();
  }
}
