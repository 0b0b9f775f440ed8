package dev.sluice.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A Canary managing several routes (a gateway's VirtualService in istio-ingress and the mesh's in
 * the app's namespace): they move in lockstep, a crash between their writes is repaired, a missing
 * one stops a release before it starts and does not keep the others from rolling back.
 */
class LockstepRoutesTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
  private static final RouteRef MESH = new RouteRef("shop", "helloworld", null);
  private static final RouteRef GATEWAY = new RouteRef("istio-ingress", "public", "helloworld");
  private static final ReleaseSpec SPEC = SimulatedCluster.spec();

  private static RouteObservation ok(Destination... destinations) {
    return RouteObservation.ok(List.of(destinations), 0, "helloworld.shop.svc.cluster.local");
  }

  private static Destination d(String subset, int weight) {
    return new Destination(subset, weight);
  }

  private static World world(RouteObservation mesh, RouteObservation gateway) {
    return new World(
        "shop",
        List.of(new ManagedRoute(MESH, mesh), new ManagedRoute(GATEWAY, gateway)),
        Map.of("v1", Map.of("version", "v1"), "v2", Map.of("version", "v2")),
        List.of(
            new DeploymentView("v1", "helloworld-v1", 2, 2, T0.minusSeconds(3600)),
            new DeploymentView("v2", "helloworld-v2", 2, 2, T0.minusSeconds(60))),
        List.of());
  }

  private static ReleaseStatus progressing(int weight) {
    ReleaseStatus.Builder b = ReleaseStatus.initial().toBuilder();
    b.phase = Phase.Progressing;
    b.stableVersion = "v1";
    b.canaryVersion = "v2";
    b.step = weight / 10 - 1;
    b.weight = weight;
    b.releaseStartedAt = T0.minusSeconds(300);
    b.stepStartedAt = T0.minusSeconds(5);
    return b.build();
  }

  private static Decision decide(ReleaseStatus st, World world) {
    return Rollout.decide(SPEC, st, world, Optional.empty(), Optional.empty(), T0);
  }

  @Test
  void theStableVersionIsAdoptedOnlyWhenEveryRouteAgrees() {
    ReleaseStatus idle = ReleaseStatus.initial();
    assertThat(decide(idle, world(ok(d("v1", 100)), ok(d("v1", 100)))).status().stableVersion())
        .isEqualTo("v1");

    Decision disagree = decide(idle, world(ok(d("v1", 100)), ok(d("v0", 100))));
    assertThat(disagree.status().stableVersion()).isNull();
    assertThat(disagree.status().blocker().reason()).isEqualTo(Reason.AmbiguousStable);
    assertThat(disagree.status().blocker().message()).contains("[v1, v0]");
  }

  @Test
  void aMissingVirtualServiceStopsTheReleaseBeforeItStartsAndIsNamed() {
    ReleaseStatus.Builder b = ReleaseStatus.initial().toBuilder();
    b.phase = Phase.Idle;
    b.stableVersion = "v1";
    Decision d =
        decide(
            b.build(),
            world(ok(d("v1", 100)), RouteObservation.notFound("VirtualService not found")));
    assertThat(d.status().phase()).isEqualTo(Phase.Idle);
    assertThat(d.effects()).isEmpty();
    assertThat(d.status().blocker().reason()).isEqualTo(Reason.RouteNotFound);
    assertThat(d.status().blocker().message())
        .isEqualTo(
            "route helloworld of VirtualService istio-ingress/public: VirtualService not found");
  }

  @Test
  void aStepMovesEveryRouteAndACrashBetweenTheWritesIsRepaired() {
    // the status recorded 30%; the mesh route was written, the gateway's write was lost
    Decision d =
        decide(progressing(30), world(ok(d("v1", 70), d("v2", 30)), ok(d("v1", 80), d("v2", 20))));
    assertThat(d.effects()).containsExactly(new Effect.SetRoute(List.of(d("v1", 70), d("v2", 30))));
    assertThat(d.status().weight()).isEqualTo(30);

    Decision settled =
        decide(progressing(30), world(ok(d("v1", 70), d("v2", 30)), ok(d("v1", 70), d("v2", 30))));
    assertThat(settled.effects()).isEmpty();
  }

  @Test
  void aVirtualServiceGoneMidReleaseRollsBackTheOthers() {
    Decision d =
        decide(
            progressing(30),
            world(
                ok(d("v1", 70), d("v2", 30)),
                RouteObservation.notFound("VirtualService not found")));
    assertThat(d.rollback()).contains(RollbackCause.EXTERNAL);
    assertThat(d.effects()).containsExactly(new Effect.SetRoute(List.of(d("v1", 100))));
    assertThat(d.status().phase()).isEqualTo(Phase.RolledBack);
    assertThat(d.status().rollbackReason())
        .startsWith("route helloworld of VirtualService istio-ingress/public:");
    assertThat(d.events())
        .anySatisfy(
            e ->
                assertThat(e.message())
                    .contains(
                        "routes back to 100% v1 (gone, so carrying no traffic: route helloworld of VirtualService istio-ingress/public)"));
  }

  @Test
  void aRouteThatCannotBeWrittenKeepsTheRollbackOpenWhileTheOthersGoBack() {
    Decision d =
        decide(
            progressing(30),
            world(
                ok(d("v1", 70), d("v2", 30)),
                RouteObservation.invalid("the weights of http route 0 sum to 90, not 100")));
    assertThat(d.effects()).containsExactly(new Effect.SetRoute(List.of(d("v1", 100))));
    assertThat(d.status().phase()).isEqualTo(Phase.Failed);
    assertThat(d.status().blocker().reason()).isEqualTo(Reason.RollbackBlocked);
    assertThat(d.status().blocker().message())
        .contains("VirtualService istio-ingress/public")
        .contains("sum to 90");

    // fixed later: the next decision writes it and the rollback is done
    Decision later = decide(d.status(), world(ok(d("v1", 100)), ok(d("v1", 70), d("v2", 30))));
    assertThat(later.effects()).containsExactly(new Effect.SetRoute(List.of(d("v1", 100))));
    assertThat(later.status().phase()).isEqualTo(Phase.RolledBack);
  }

  @Test
  void aResetOfAnyOneRouteIsDrift() {
    Decision d = decide(progressing(30), world(ok(d("v1", 70), d("v2", 30)), ok(d("v1", 100))));
    assertThat(d.rollback()).contains(RollbackCause.EXTERNAL);
    assertThat(d.status().rollbackReason()).contains("VirtualService istio-ingress/public");
  }

  @Test
  void promotionTakesEveryRouteToTheNewVersionAndRetirementWaitsForAllOfThem() {
    ReleaseStatus.Builder b = progressing(100).toBuilder();
    b.phase = Phase.Finalizing;
    b.weight = 100;
    ReleaseStatus finalizing = b.build();
    Decision d = decide(finalizing, world(ok(d("v2", 100)), ok(d("v1", 0), d("v2", 100))));
    assertThat(d.effects()).containsExactly(new Effect.SetRoute(List.of(d("v2", 100))));

    // both at 100% v2 and the delay over: the subset of v1 goes
    ReleaseStatus.Builder later = finalizing.toBuilder();
    later.retiringSince = T0.minus(SPEC.retirementDelay()).minusSeconds(1);
    Decision retire = decide(later.build(), world(ok(d("v2", 100)), ok(d("v2", 100))));
    assertThat(retire.effects()).containsExactly(new Effect.RemoveSubset("v1"));
  }
}
