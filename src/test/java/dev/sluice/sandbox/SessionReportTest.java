package dev.sluice.sandbox;

import static dev.sluice.sandbox.ReleaseStages.Stage.BEFORE_WEIGHTS;
import static dev.sluice.sandbox.ReleaseStages.Stage.ENDED;
import static dev.sluice.sandbox.ReleaseStages.Stage.WEIGHTS_MOVING;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whole releases replayed without HTTP: simulated sessions (cookie jar, group header) routed by the
 * mesh's rules through each version of the VirtualService Sluice writes ({@link SluiceRoutes}),
 * their answers' Set-Cookie taken back; then the stages and the session counts the report prints.
 */
class SessionReportTest {
  private static final String NS = "sandbox-test";
  private static final Sessions.Group INSIDERS =
      new Sessions.Group("insiders", "x-canary", "insider", 0.2);
  private static final Sessions.Group TESTERS =
      new Sessions.Group("preview testers", "x-sluice-preview", "true", 0.1);

  private static final String TOKEN = "5eed1234";

  @Test
  void underSessionAffinityNoSessionSeesBothVersionsWhileTheWeightsMove() throws IOException {
    ReleaseReplay r = new ReleaseReplay();
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
    ReleaseReplay r = new ReleaseReplay();
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
    ReleaseReplay r = new ReleaseReplay(INSIDERS);
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
    ReleaseReplay r = new ReleaseReplay(TESTERS);
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
    ReleaseReplay r = new ReleaseReplay();
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
