package dev.sluice.sandbox;

import static dev.sluice.sandbox.MeshConfigTest.PODS;
import static dev.sluice.sandbox.MeshConfigTest.config;
import static dev.sluice.sandbox.MeshConfigTest.kind;
import static dev.sluice.sandbox.MeshConfigTest.read;
import static dev.sluice.sandbox.MeshConfigTest.withV2Subset;
import static dev.sluice.sandbox.ReleaseStages.Stage.BEFORE_WEIGHTS;
import static dev.sluice.sandbox.ReleaseStages.Stage.ENDED;
import static dev.sluice.sandbox.ReleaseStages.Stage.WEIGHTS_MOVING;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Whole releases replayed without HTTP: simulated sessions (cookie jar, group header) routed by the
 * mesh's rules through each version of the VirtualService Sluice writes ({@link SluiceRoutes}),
 * their answers' Set-Cookie taken back; then the stages and the session counts the report prints.
 */
class SessionReportTest {
  private static final String NS = "sandbox-test";
  private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
  private static final Sessions.Group INSIDERS =
      new Sessions.Group("insiders", "x-canary", "insider", 0.2);
  private static final Sessions.Group TESTERS =
      new Sessions.Group("preview testers", "x-sluice-preview", "true", 0.1);

  /** A release: sessions sending {@code perVersion} requests through each version in turn. */
  private static final class Replay {
    final List<GenericKubernetesResource> docs;
    final List<ReleaseStages.Version> versions = new ArrayList<>();
    final Sessions sessions;
    final Random random = new Random(18);
    int n;

    Replay(Sessions.Group... groups) throws IOException {
      docs = withV2Subset(read("sandbox/helloworld.yaml"));
      sessions = new Sessions(new Sessions.Profile(10, 6, List.of(groups)));
    }

    GenericKubernetesResource seed() {
      return kind(docs, "VirtualService").get(0);
    }

    Replay then(GenericKubernetesResource vs, int perVersion) {
      n++;
      vs.getMetadata().setResourceVersion(Integer.toString(n));
      Instant at = T0.plusSeconds(n * 10L);
      versions.add(
          new ReleaseStages.Version(
              "helloworld@" + n,
              at,
              ScenarioRun.routeWeights(vs, "default"),
              ReleaseStages.sluiceParts(vs, "default")));
      MeshConfig mesh = config(docs, vs, PODS);
      for (int i = 0; i < perVersion; i++) {
        Sessions.Session s = sessions.next();
        Map<String, String> headers = s.headers("/hello", at);
        Map<String, List<String>> request = new java.util.HashMap<>();
        headers.forEach((k, v) -> request.put(k, List.of(v)));
        MeshConfig.Forward f =
            (MeshConfig.Forward)
                mesh.route(
                    "helloworld",
                    new MeshConfig.Request("GET", "/hello", "helloworld", request),
                    random::nextDouble);
        Map<String, List<String>> answer = HeaderOperations.applyAll(f.responseHeaders(), Map.of());
        s.received(
            answer.getOrDefault("set-cookie", List.of()),
            new Sessions.Answer(at, f.version(), 200, f.route(), f.routedBy()),
            at);
      }
      return this;
    }

    ReleaseStages stages() {
      return new ReleaseStages("v2", versions);
    }

    SessionReport report() {
      return new SessionReport(sessions.all(), stages());
    }
  }

  private static final String TOKEN = "5eed1234";

  @Test
  void underSessionAffinityNoSessionSeesBothVersionsWhileTheWeightsMove() throws IOException {
    Replay r = new Replay();
    GenericKubernetesResource seed = r.seed();
    r.then(seed, 100).then(SluiceRoutes.weights(seed, 100, 0), 100);
    for (int w : new int[] {10, 30, 50, 80}) {
      r.then(
          SluiceRoutes.sticky(seed, NS, "helloworld", "sluice-session", TOKEN, 3600, 100 - w, w),
          300);
    }
    r.then(SluiceRoutes.only(seed, "v2"), 100);

    SessionReport report = r.report();
    assertThat(report.answeredTwiceOrMoreWhileWeightsMoved()).isGreaterThan(100);
    assertThat(report.sawBothVersionsWhileWeightsMoved()).isZero();
    Map<String, Long> kinds = report.canaryAnswersByRouteKind();
    assertThat(kinds.get("sticky")).isPositive();
    assertThat(kinds.get("weighted")).isPositive();
    assertThat(kinds.get("match")).isZero();
    // the promotion ends the window: everyone on v2 then, whatever their cookie
    assertThat(report.answers(Sessions.USERS, ENDED, "v1")).isZero();
    assertThat(report.answers(Sessions.USERS, ENDED, "v2")).isEqualTo(100);
    assertThat(r.stages().first(WEIGHTS_MOVING).weights()).containsEntry("v2", 10);
    assertThat(r.stages().first(WEIGHTS_MOVING).sluice())
        .containsExactly("sticky-canary → v2", "sticky-stable → v1", "Set-Cookie");
  }

  @Test
  void withoutAffinityManySessionsSeeBothVersions() throws IOException {
    Replay r = new Replay();
    GenericKubernetesResource seed = r.seed();
    r.then(seed, 100).then(SluiceRoutes.weights(seed, 100, 0), 100);
    for (int w : new int[] {10, 30, 50, 80}) {
      r.then(SluiceRoutes.weights(seed, 100 - w, w), 300);
    }
    r.then(SluiceRoutes.weights(seed, 0, 100), 100).then(SluiceRoutes.only(seed, "v2"), 100);

    SessionReport report = r.report();
    assertThat(report.sawBothVersionsWhileWeightsMoved())
        .isGreaterThan(report.answeredTwiceOrMoreWhileWeightsMoved() / 4);
    // the 100% step sends everyone to v2 with nothing of Sluice's: the window's end
    assertThat(r.stages().first(ENDED).weights()).containsEntry("v1", 0).containsEntry("v2", 100);
    assertThat(report.canaryAnswersByRouteKind().get("sticky")).isZero();
  }

  @Test
  void theAbStageSendsOnlyInsidersToTheCanaryUntilThePromotion() throws IOException {
    Replay r = new Replay(INSIDERS);
    GenericKubernetesResource seed = r.seed();
    r.then(seed, 100)
        .then(SluiceRoutes.weights(seed, 100, 0), 100)
        .then(
            SluiceRoutes.match(
                seed, NS, "helloworld", SluiceRoutes.headerExact("x-canary", "insider")),
            500)
        .then(SluiceRoutes.only(seed, "v2"), 100);

    SessionReport report = r.report();
    assertThat(report.sessionsByGroup().get("insiders"))
        .isEqualTo(report.sessionsByGroup().values().stream().mapToLong(Long::longValue).sum() / 5);
    assertThat(report.answers(Sessions.USERS, BEFORE_WEIGHTS, "v2")).isZero();
    assertThat(report.answers("insiders", BEFORE_WEIGHTS, "v2")).isPositive();
    assertThat(report.canaryAnswersByRouteKind())
        .containsEntry("weighted", 0L)
        .containsEntry("sticky", 0L);
    assertThat(report.canaryAnswersByRouteKind().get("match"))
        .isEqualTo(report.answers("insiders", BEFORE_WEIGHTS, "v2"));
    assertThat(r.stages().first(WEIGHTS_MOVING)).isNull();
    assertThat(report.answers(Sessions.USERS, ENDED, "v2")).isPositive();
  }

  @Test
  void blueGreenKeepsUsersOnV1UntilTheSwitchThenSendsThemAllToV2() throws IOException {
    Replay r = new Replay(TESTERS);
    GenericKubernetesResource seed = r.seed();
    r.then(seed, 100)
        .then(SluiceRoutes.weights(seed, 100, 0), 100)
        .then(
            SluiceRoutes.match(
                seed, NS, "helloworld", SluiceRoutes.headerExact("x-sluice-preview", "true")),
            400)
        .then(SluiceRoutes.weights(seed, 0, 100), 300)
        .then(SluiceRoutes.only(seed, "v2"), 100);

    ReleaseStages stages = r.stages();
    assertThat(stages.anyPartialWeight()).isFalse();
    assertThat(stages.first(ENDED).routedBy()).isEqualTo("helloworld@4"); // the switch
    SessionReport report = r.report();
    assertThat(report.answers(Sessions.USERS, BEFORE_WEIGHTS, "v2")).isZero();
    assertThat(report.answers("preview testers", BEFORE_WEIGHTS, "v2")).isPositive();
    assertThat(report.answers(Sessions.USERS, ENDED, "v1")).isZero();
    assertThat(report.answers(Sessions.USERS, ENDED, "v2")).isPositive();
  }

  @Test
  void aRollbackDuringTheMirrorStageEndsTheReleaseAndNoUserWasAnsweredByTheCanary()
      throws IOException {
    Replay r = new Replay();
    GenericKubernetesResource seed = r.seed();
    r.then(seed, 100)
        .then(SluiceRoutes.weights(seed, 100, 0), 100)
        .then(SluiceRoutes.mirror(seed, 100), 300)
        .then(SluiceRoutes.only(seed, "v1"), 100);

    ReleaseStages stages = r.stages();
    assertThat(stages.of("helloworld@3")).isEqualTo(BEFORE_WEIGHTS);
    assertThat(stages.versions().get(2).sluice()).containsExactly("mirror 100% → v2");
    assertThat(stages.of("helloworld@4")).isEqualTo(ENDED);
    assertThat(stages.first(WEIGHTS_MOVING)).isNull();
    SessionReport report = r.report();
    assertThat(report.answers().get(Sessions.USERS).values())
        .allSatisfy(byVersion -> assertThat(byVersion).containsOnlyKeys("v1"));
    assertThat(stages.of("helloworld@99")).isNull();
  }
}
