package dev.sluice.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of release candidates and retirement over generated meshes: side Deployments with
 * version labels created before, with and after the stable one, other routes of every kind and in
 * other VirtualServices coming and going, pre-existing subsets with good, empty or wrong labels,
 * versionSelectors, readiness. Each seed is one history; a failing seed is printed by JUnit and
 * replays exactly. {@link SimulatedCluster} itself fails a run that removes a referenced subset or
 * retires a Deployment something serves.
 */
class MeshPropertiesTest {

  static Stream<Long> seeds() {
    return LongStream.range(0, 300).boxed();
  }

  private static final List<String> VERSIONS = List.of("v2", "v3", "debug", "shadow", "canary");

  private static Reference randomReference(Random r, String subset) {
    String vs =
        switch (r.nextInt(3)) {
          case 0 -> "default/helloworld";
          case 1 -> "istio-ingress/helloworld-gateway";
          default -> "default/helloworld-qa";
        };
    String kind = List.of("http", "tls", "tcp").get(r.nextInt(3));
    boolean mirror = kind.equals("http") && r.nextInt(4) == 0;
    return new Reference(vs, kind, 2 + r.nextInt(3), null, mirror, "helloworld.default", subset);
  }

  private static SimulatedCluster randomHistory(long seed) {
    Random r = new Random(seed);
    LabelSelector selector =
        r.nextBoolean()
            ? LabelSelector.ALL
            : new LabelSelector(
                Map.of(),
                List.of(
                    new LabelSelector.Requirement(
                        "track", LabelSelector.Operator.NotIn, Set.of("side"))));
    String target = r.nextInt(5) == 0 ? VERSIONS.get(r.nextInt(VERSIONS.size())) : null;
    SimulatedCluster c =
        new SimulatedCluster(
            SimulatedCluster.spec(List.of(20, 50, 100), target).withVersionSelector(selector));
    c.checks = at -> new Evaluation(r.nextInt(20) == 0 ? Gate.FAIL : Gate.PASS, "generated", at);
    if (r.nextBoolean()) {
      c.reconcile();
    }
    for (int i = 0; i < 120; i++) {
      c.now = c.now.plusSeconds(1 + r.nextInt(30));
      int x = r.nextInt(20);
      String version = VERSIONS.get(r.nextInt(VERSIONS.size()));
      if (x == 0 && !c.deployments.containsKey(version)) {
        boolean side = r.nextBoolean();
        c.extraDeployments.removeIf(d -> d.version().equals(version));
        c.deployments.put(
            version,
            new DeploymentView(
                version,
                "helloworld-" + version,
                1 + r.nextInt(2),
                r.nextInt(3),
                c.now.plusSeconds(r.nextInt(600) - 300L),
                side
                    ? Map.of("app", "helloworld", "version", version, "track", "side")
                    : Map.of("app", "helloworld", "version", version),
                Map.of("app", "helloworld", "version", version)));
      } else if (x == 1) {
        c.otherRoutes.add(randomReference(r, version));
        c.subsets.add(version); // a route to a subset the user added
      } else if (x == 2 && !c.otherRoutes.isEmpty()) {
        c.otherRoutes.remove(r.nextInt(c.otherRoutes.size()));
      } else if (x == 3 && !c.subsets.contains(version)) {
        c.subsets.add(version);
        switch (r.nextInt(3)) {
          case 0 -> c.subsetLabels.put(version, Map.of());
          case 1 -> c.subsetLabels.put(version, Map.of("version", "v1"));
          default -> c.subsetLabels.remove(version);
        }
      } else if (x == 4) {
        DeploymentView d = c.deployments.get(version);
        if (d != null) {
          c.deployments.put(
              version,
              new DeploymentView(
                  d.version(),
                  d.name(),
                  d.replicas(),
                  d.replicas(),
                  d.createdAt(),
                  d.labels(),
                  d.podLabels()));
        }
      }
      c.reconcile();
    }
    return c;
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void aReleaseStartsOnlyForAVersionNothingElseServesAndTheSelectorSelects(long seed) {
    SimulatedCluster c = randomHistory(seed);
    for (DecisionLoop.Turn t : c.traces) {
      boolean started =
          t.decision().events().stream().anyMatch(e -> e.reason() == Reason.ReleaseStarted);
      boolean retried =
          t.signal()
              .filter(s -> s instanceof Signal.Manual m && m.command() == Command.RETRY)
              .isPresent();
      if (!started || retried) {
        continue;
      }
      String version = t.decision().status().canaryVersion();
      World w = t.world();
      DeploymentView d = w.deployment(version).orElseThrow();
      assertThat(c.spec.versionSelector().matches(d.labels()))
          .as("%s released though the versionSelector does not select it", version)
          .isTrue();
      assertThat(w.subsetProblem(version)).as("%s's subset", version).isEmpty();
      if (!version.equals(c.spec.targetVersion())) {
        assertThat(w.serving(d)).as("%s released while other routes serve it", version).isEmpty();
        assertThat(d.ready()).isTrue();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void everyDeploymentIsListedWithAReasonAndACandidateIsNeverServedElsewhere(long seed) {
    SimulatedCluster c = randomHistory(seed);
    for (DecisionLoop.Turn t : c.traces) {
      List<Candidate> candidates = t.decision().status().candidates();
      assertThat(candidates)
          .extracting(Candidate::deployment)
          .containsExactlyInAnyOrderElementsOf(
              t.world().deployments().stream().map(DeploymentView::name).toList());
      for (Candidate k : candidates) {
        assertThat(k.reason()).isNotBlank();
        if (k.candidate()) {
          DeploymentView d =
              t.world().deployments().stream()
                  .filter(x -> x.name().equals(k.deployment()))
                  .findFirst()
                  .orElseThrow();
          assertThat(t.world().serving(d)).isEmpty();
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void routesStayValidAndOnlyTheManagedRouteIsWritten(long seed) {
    SimulatedCluster c = randomHistory(seed);
    for (List<Destination> route : c.routeHistory) {
      assertThat(route.stream().mapToInt(Destination::weight).sum()).isEqualTo(100);
      assertThat(route).allSatisfy(d -> assertThat(d.weight()).isBetween(0, 100));
    }
    List<Effect> removals = new ArrayList<>(c.effectHistory);
    removals.removeIf(a -> !(a instanceof Effect.RemoveSubset));
    // never the stable version's subset
    for (Effect a : removals) {
      assertThat(((Effect.RemoveSubset) a).version()).isNotEqualTo(c.status.stableVersion());
    }
  }
}
