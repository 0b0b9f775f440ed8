package dev.sluice.rollout;

import static dev.sluice.rollout.SimulatedCluster.mirror;
import static dev.sluice.rollout.SimulatedCluster.route;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The layouts of real meshes, through the pure state machine: side Deployments labelled like
 * versions (Istio's guide gives its debug build {@code version: debug}), mirrors, TLS routes, a
 * gateway's VirtualService, pre-existing subsets and a versionSelector. Sluice must never take what
 * something else serves for a new version, and never retire what something still routes to.
 */
class MeshLayoutsTest {

  /** The guide's seed: v1 stable, the route {@code debug} to subset debug (version: debug). */
  private static SimulatedCluster guide() {
    SimulatedCluster c = new SimulatedCluster(SimulatedCluster.spec());
    c.reconcile(); // adopts v1 as stable
    return c;
  }

  private static long started(SimulatedCluster c) {
    return c.events.stream().filter(e -> e.reason() == Reason.ReleaseStarted).count();
  }

  private static Candidate candidate(SimulatedCluster c, String deployment) {
    return c.status.candidates().stream()
        .filter(x -> x.deployment().equals(deployment))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no candidate entry for " + deployment));
  }

  @Test
  void theGuidesDebugDeploymentCreatedAfterV1NeverStartsARelease() {
    SimulatedCluster c = guide();
    c.deploy("debug", 1, 1, c.now.plusSeconds(5));
    c.runFor(Duration.ofMinutes(15));

    assertThat(started(c)).isZero();
    assertThat(c.status.phase()).isEqualTo(Phase.Idle);
    assertThat(c.route).containsExactly(new Destination("v1", 100));
    assertThat(c.subsets).containsExactlyInAnyOrder("v1", "debug");
    assertThat(c.deployments).containsKeys("v1", "debug");
    Candidate debug = candidate(c, "helloworld-debug");
    assertThat(debug.candidate()).isFalse();
    assertThat(debug.reason())
        .isEqualTo("it is served by route `debug` of VirtualService helloworld");
    assertThat(candidate(c, "helloworld-v1").reason()).isEqualTo("it is the stable version");
  }

  @Test
  void theGuidesDebugDeploymentCreatedBeforeV1NeverStartsARelease() {
    SimulatedCluster c = new SimulatedCluster(SimulatedCluster.spec());
    c.deploy("debug", 1, 1, c.now.minus(Duration.ofDays(2)));
    c.runFor(Duration.ofMinutes(15));

    assertThat(started(c)).isZero();
    assertThat(c.route).containsExactly(new Destination("v1", 100));
    assertThat(candidate(c, "helloworld-debug").reason()).contains("route `debug`");
  }

  @Test
  void aRealNewVersionIsReleasedBesideTheDebugDeploymentWhichStaysUntouched() {
    SimulatedCluster c = guide();
    c.deploy("debug", 1, 1, c.now.plusSeconds(5));
    c.runFor(Duration.ofMinutes(1));
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofMinutes(15));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.status.stableVersion()).isEqualTo("v2");
    assertThat(started(c)).isEqualTo(1);
    assertThat(c.subsets).containsExactlyInAnyOrder("v2", "debug");
    assertThat(c.deployments).containsOnlyKeys("v2", "debug");
    assertThat(c.effectHistory)
        .noneMatch(a -> a.toString().contains("debug"))
        .as("the debug subset and Deployment are never acted on");
  }

  @Test
  void aDebugDeploymentCreatedDuringAReleaseIsLeftAloneAndStartsNothingAfterIt() {
    SimulatedCluster c = guide();
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofSeconds(200)); // v2 at 30% or so
    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
    c.deploy("debug", 1, 1, c.now);
    c.runFor(Duration.ofMinutes(30));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.status.stableVersion()).isEqualTo("v2");
    assertThat(started(c)).isEqualTo(1);
    assertThat(c.deployments).containsOnlyKeys("v2", "debug");
    assertThat(c.subsets).contains("debug");
  }

  @Test
  void aShadowDeploymentThatTheManagedRouteMirrorsIsNotACandidate() {
    SimulatedCluster c = guide();
    c.subsets.add("shadow");
    c.otherRoutes.add(mirror("shadow"));
    c.deploy("shadow", 1, 1, c.now.plusSeconds(1));
    c.runFor(Duration.ofMinutes(10));

    assertThat(started(c)).isZero();
    assertThat(candidate(c, "helloworld-shadow").reason())
        .isEqualTo("it is served by mirror of http route 1 of VirtualService helloworld");
  }

  @Test
  void aVersionPinnedForOneClientByAnotherVirtualServiceIsNotACandidate() {
    SimulatedCluster c = guide();
    c.subsets.add("v1-5");
    c.otherRoutes.add(route("partners/pinned", "http", "acme", "v1-5"));
    c.deploy("v1-5", 1, 1, c.now.plusSeconds(1));
    c.runFor(Duration.ofMinutes(10));

    assertThat(started(c)).isZero();
    assertThat(candidate(c, "helloworld-v1-5").reason())
        .isEqualTo("it is served by route `acme` of VirtualService partners/pinned");
  }

  @Test
  void aTlsRouteAndAGatewayStillRoutingToV1KeepItAfterPromotionUntilTheyLetGo() {
    SimulatedCluster c = guide();
    c.otherRoutes.add(route("default/helloworld", "tls", "tls-passthrough", "v1"));
    c.otherRoutes.add(route("istio-ingress/helloworld-gateway", "http", "public", "v1"));
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofMinutes(15));

    // the release itself ends promoted; v1 is kept, and the status says what holds it
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.route).containsExactly(new Destination("v2", 100));
    assertThat(c.subsets).contains("v1");
    assertThat(c.deployments).containsKey("v1");
    assertThat(c.status.retiring())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.heldBy())
                    .isEqualTo(
                        "subset v1 is routed to by tls route `tls-passthrough` of VirtualService"
                            + " helloworld; route `public` of VirtualService"
                            + " istio-ingress/helloworld-gateway"));
    assertThat(c.events).filteredOn(e -> e.reason() == Reason.RetirementBlocked).hasSize(1);
    // a v1 Deployment still routed is not a candidate either
    assertThat(candidate(c, "helloworld-v1").candidate()).isFalse();

    c.otherRoutes.remove(0); // the TLS route moves on
    c.runFor(Duration.ofMinutes(1));
    assertThat(c.subsets).contains("v1");
    assertThat(c.status.retiring().get(0).heldBy()).contains("helloworld-gateway");
    assertThat(c.events).filteredOn(e -> e.reason() == Reason.RetirementBlocked).hasSize(2);

    c.otherRoutes.clear(); // and the gateway too: retirement completes by itself
    c.runFor(Duration.ofMinutes(1));
    assertThat(c.subsets).doesNotContain("v1");
    assertThat(c.deployments).doesNotContainKey("v1");
    assertThat(c.status.retiring()).isEmpty();
    assertThat(c.events).anySatisfy(e -> assertThat(e.reason()).isEqualTo(Reason.Retired));
    assertThat(started(c)).isEqualTo(1);
  }

  @Test
  void anOldVersionBeingRetiredIsNeverReleasedAgainEvenWhenCreatedInTheSameSecond() {
    // creation times have a resolution of one second: v2 may look no newer than v1 (found by
    // MeshRulesTest: v1, freed by the gateway, was taken for a new version and released)
    SimulatedCluster c = guide();
    c.otherRoutes.add(route("istio-ingress/helloworld-gateway", "http", "public", "v1"));
    c.deploy("v2", 2, 2, c.deployments.get("v1").createdAt());
    c.runFor(Duration.ofMinutes(15));
    assertThat(c.status.stableVersion()).isEqualTo("v2");
    assertThat(candidate(c, "helloworld-v1").reason())
        .isEqualTo("it is an old version, being retired");

    c.otherRoutes.clear();
    c.runFor(Duration.ofMinutes(5));
    assertThat(started(c)).isEqualTo(1);
    assertThat(c.deployments).containsOnlyKeys("v2");
  }

  @Test
  void aFreedVersionWaitsTheRetirementDelayBeforeItGoes() {
    SimulatedCluster c =
        new SimulatedCluster(SimulatedCluster.spec(List.of(50, 100), Duration.ofSeconds(30)));
    c.reconcile();
    c.otherRoutes.add(route("istio-ingress/helloworld-gateway", "http", "public", "v1"));
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofMinutes(5));
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.status.retiring()).singleElement().matches(Retiring::held);

    c.otherRoutes.clear();
    Instant freed = c.now;
    c.reconcile();
    assertThat(c.subsets).contains("v1");
    assertThat(c.status.retiring().get(0).freeSince()).isEqualTo(freed);
    c.runFor(Duration.ofSeconds(29));
    assertThat(c.subsets).contains("v1");
    c.runFor(Duration.ofSeconds(2));
    assertThat(c.subsets).doesNotContain("v1");
    assertThat(c.deployments).doesNotContainKey("v1");
  }

  @Test
  void aDeploymentOfTheOldVersionThatAnotherSubsetSelectsIsKeptWhileRouted() {
    // the debug build labelled as v1 plus a track, selected by its own subset
    SimulatedCluster c = guide();
    c.subsetLabels.put("debug", Map.of("version", "v1", "track", "debug"));
    c.extraDeployments.add(
        new DeploymentView(
            "v1",
            "helloworld-debug",
            1,
            1,
            c.now,
            Map.of("app", "helloworld", "version", "v1", "track", "debug"),
            Map.of("app", "helloworld", "version", "v1", "track", "debug")));
    c.deploy("v2", 2, 2, c.now.plusSeconds(1));
    c.runFor(Duration.ofMinutes(15));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.subsets).containsExactlyInAnyOrder("v2", "debug");
    assertThat(c.deployments).doesNotContainKey("v1");
    assertThat(c.extraDeployments).extracting(DeploymentView::name).contains("helloworld-debug");
    assertThat(c.status.retiring())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.heldBy())
                    .isEqualTo(
                        "Deployment helloworld-debug is served by route `debug` of VirtualService"
                            + " helloworld"));
  }

  @Test
  void aVersionSelectorLeavesOtherDeploymentsAlone() {
    LabelSelector onlyReleases =
        new LabelSelector(
            Map.of(),
            List.of(
                new LabelSelector.Requirement(
                    "track", LabelSelector.Operator.NotIn, Set.of("loadtest"))));
    SimulatedCluster c =
        new SimulatedCluster(SimulatedCluster.spec().withVersionSelector(onlyReleases));
    c.reconcile();
    c.extraDeployments.add(
        new DeploymentView(
            "v9",
            "helloworld-loadtest",
            1,
            1,
            c.now,
            Map.of("app", "helloworld", "version", "v9", "track", "loadtest"),
            Map.of("app", "helloworld", "version", "v9")));
    c.runFor(Duration.ofMinutes(5));
    assertThat(started(c)).isZero();
    assertThat(candidate(c, "helloworld-loadtest").reason())
        .isEqualTo("the Canary's versionSelector does not select it");

    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofMinutes(15));
    assertThat(c.status.stableVersion()).isEqualTo("v2");
    assertThat(started(c)).isEqualTo(1);
  }

  @Test
  void aTargetVersionIsReleasedEvenWhenAQaRouteAlreadyServesIt() {
    SimulatedCluster c = new SimulatedCluster(SimulatedCluster.spec(null, "v2"));
    c.reconcile();
    c.subsets.add("v2");
    c.otherRoutes.add(route("default/helloworld", "http", "qa", "v2"));
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofMinutes(15));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.status.stableVersion()).isEqualTo("v2");
    // the QA route's subset stays, as does everything it routes to
    assertThat(c.subsets).contains("v2");
  }

  @Test
  void withoutTargetVersionAVersionAQaRouteServesDoesNotStartByItself() {
    SimulatedCluster c = guide();
    c.subsets.add("v2");
    c.otherRoutes.add(route("default/helloworld", "http", "qa", "v2"));
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofMinutes(5));

    assertThat(started(c)).isZero();
    assertThat(candidate(c, "helloworld-v2").reason()).contains("route `qa`");
  }

  @Test
  void aPreExistingSubsetWithoutLabelsIsRefused() {
    SimulatedCluster c = guide();
    c.subsets.add("v2");
    c.subsetLabels.put("v2", Map.of());
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofMinutes(5));

    assertThat(started(c)).isZero();
    assertThat(candidate(c, "helloworld-v2").reason())
        .isEqualTo(
            "subset v2 of the DestinationRule has no labels: it selects every version's pods");
  }

  @Test
  void aTargetVersionWhoseSubsetSelectsAnotherVersionIsRefusedAndNothingIsWritten() {
    SimulatedCluster c = new SimulatedCluster(SimulatedCluster.spec(null, "v2"));
    c.reconcile();
    c.subsets.add("v2");
    c.subsetLabels.put("v2", Map.of("version", "v1"));
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofMinutes(5));

    assertThat(started(c)).isZero();
    assertThat(c.routeHistory).isEmpty();
    assertThat(c.effectHistory).isEmpty();
    assertThat(c.status.blocker().reason()).isEqualTo(Reason.SubsetMismatch);
    assertThat(c.status.blocker().message())
        .isEqualTo(
            "subset v2 of the DestinationRule selects {version=v1}, which the pods of"
                + " helloworld-v2 do not carry");
    assertThat(c.subsetLabels.get("v2")).isEqualTo(Map.of("version", "v1"));
  }

  @Test
  void aSubsetThatStopsSelectingOnlyTheCanaryMidReleaseRollsBack() {
    SimulatedCluster c = guide();
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofSeconds(150));
    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
    c.subsetLabels.put("v2", Map.of()); // someone empties its labels
    c.reconcile();

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.route).containsExactly(new Destination("v1", 100));
    assertThat(c.status.rollbackReason()).contains("subset v2").contains("no labels");
  }

  @Test
  void aRolledBackCanarysSubsetThatAQaRouteStillUsesIsKeptAndNamed() {
    SimulatedCluster c = new SimulatedCluster(SimulatedCluster.spec(null, "v2"));
    c.reconcile();
    c.deploy("v2", 2, 2, c.now);
    c.runFor(Duration.ofSeconds(90));
    c.otherRoutes.add(route("default/helloworld", "http", "qa", "v2"));
    c.checks = at -> new Evaluation(Gate.FAIL, "error-rate = 0.4 > 0.01", at);
    c.runFor(Duration.ofMinutes(2));

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.subsets).contains("v2");
    assertThat(c.status.retiring())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.scope()).isEqualTo(Retiring.Scope.SUBSET);
              assertThat(r.heldBy()).contains("route `qa` of VirtualService helloworld");
            });
    c.otherRoutes.clear();
    c.runFor(Duration.ofMinutes(1));
    assertThat(c.subsets).doesNotContain("v2");
    assertThat(c.deployments).containsKey("v2"); // kept for inspection, as ever
  }
}
