package dev.sluice.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The stages before the weight steps (mirroring, matching requests), session affinity and
 * blue/green, in the pure state machine: what each step writes, how long it is held, and that a
 * rollback or a promotion removes everything Sluice added in the same write.
 */
class StagesTest {
  private static final List<Map<String, Object>> INSIDERS =
      List.of(Map.of("headers", Map.of("x-canary", Map.of("exact", "insider"))));
  private static final Function<Instant, Evaluation> FAILING =
      at -> new Evaluation(Gate.FAIL, "error-rate 0.4 > 0.01", at);

  private static SimulatedCluster cluster(List<Integer> plan, Strategy strategy) {
    ReleaseSpec base = SimulatedCluster.spec(List.of(100));
    ReleaseSpec spec =
        new ReleaseSpec(
            plan,
            base.interval(),
            base.evaluationInterval(),
            base.failureThreshold(),
            base.inconclusiveLimit(),
            base.errorLimit(),
            base.progressDeadline(),
            base.retirement(),
            true,
            null,
            base.retirementDelay(),
            base.versionSelector(),
            strategy);
    SimulatedCluster c = new SimulatedCluster(spec);
    c.reconcile(); // adopts v1
    c.deploy("v2", 2, 2, c.now);
    return c;
  }

  private static Strategy abTest(int iterations) {
    return new Strategy(null, new Strategy.MatchStage(INSIDERS, iterations), null, false, 1);
  }

  private static Strategy mirror(int percent, int iterations) {
    return new Strategy(new Strategy.MirrorStage(percent, iterations), null, null, false, 1);
  }

  private static Strategy affinity() {
    return new Strategy(
        null, null, new Strategy.SessionAffinity("sluice-session", Duration.ofHours(1)), false, 1);
  }

  private static Strategy blueGreen(int preview, int afterSwitch) {
    return new Strategy(null, new Strategy.MatchStage(INSIDERS, preview), null, true, afterSwitch);
  }

  private static int weightOf(List<Destination> route, String subset) {
    return route.stream()
        .filter(d -> d.subset().equals(subset))
        .mapToInt(Destination::weight)
        .findFirst()
        .orElse(-1);
  }

  private static List<String> purposes(RouteExtras x) {
    return x.owned().stream().map(RouteAdditions.Route::purpose).toList();
  }

  /** The write that ended the release: nothing of Sluice's is left in it. */
  private static void assertLastWriteCleans(SimulatedCluster c, String version) {
    SimulatedCluster.Written last = c.writes.get(c.writes.size() - 1);
    assertThat(last.destinations()).containsExactly(new Destination(version, 100));
    assertThat(last.extras().owned()).isEmpty();
    assertThat(last.extras().mirror()).isNull();
    assertThat(last.extras().cookies()).isEmpty();
  }

  @Test
  void anAbStageSendsOnlyMatchingRequestsToTheCanaryThenTheWeightsMove() {
    SimulatedCluster c = cluster(List.of(50, 100), abTest(3));
    Instant start = c.now;
    c.runFor(Duration.ofMinutes(8));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    SimulatedCluster.Written join = c.writes.get(0);
    assertThat(join.destinations()).containsExactly(d("v1", 100), d("v2", 0));
    assertThat(join.extras().owned()).isEmpty();
    SimulatedCluster.Written stage = c.writes.get(1);
    assertThat(stage.destinations()).containsExactly(d("v1", 100), d("v2", 0));
    assertThat(stage.extras().owned())
        .containsExactly(new RouteAdditions.Route("match", INSIDERS, "v2"));
    // the stage is held three intervals, then its route goes in the write of the first weight
    SimulatedCluster.Written firstWeight = c.writes.get(2);
    assertThat(Duration.between(stage.at(), firstWeight.at())).isEqualTo(Duration.ofMinutes(3));
    assertThat(firstWeight.destinations()).containsExactly(d("v1", 50), d("v2", 50));
    assertThat(firstWeight.extras().owned()).isEmpty();
    assertThat(c.writes.get(3).destinations()).containsExactly(d("v1", 0), d("v2", 100));
    assertLastWriteCleans(c, "v2");
    assertThat(c.events.stream().map(Decision.Note::message))
        .anyMatch(m -> m.startsWith("step 1/3: requests matching") && m.contains("go to v2"));
    // three intervals of A/B, then one per weight
    assertThat(Duration.between(start, c.status.finishedAt())).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void withNoWeightStepsTheAbStageEndsInThePromotionInOneWrite() {
    SimulatedCluster c = cluster(List.of(), abTest(2));
    c.runFor(Duration.ofMinutes(4));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    assertThat(c.writes).hasSize(3); // join, the match route, promotion
    assertThat(c.writes.get(1).extras().owned()).hasSize(1);
    assertLastWriteCleans(c, "v2");
  }

  @Test
  void aFailingCanaryInTheAbStageIsRolledBackAndItsRouteRemovedInOneWrite() {
    SimulatedCluster c = cluster(List.of(50, 100), abTest(5));
    c.runFor(Duration.ofSeconds(20)); // joined, match route written, no evaluation yet
    assertThat(purposes(c.extras)).containsExactly("match");
    int writes = c.writes.size();
    c.checks = FAILING;
    c.runFor(Duration.ofSeconds(30));

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.writes).hasSize(writes + 1);
    assertLastWriteCleans(c, "v1");
  }

  @Test
  void theMirrorStageCopiesRequestsWhileUsersAreAnsweredByTheStableVersionOnly() {
    SimulatedCluster c = cluster(List.of(100), mirror(50, 2));
    c.runFor(Duration.ofSeconds(30));

    SimulatedCluster.Written stage = c.writes.get(1);
    assertThat(stage.destinations()).containsExactly(d("v1", 100), d("v2", 0));
    assertThat(stage.extras().mirror()).isEqualTo(new RouteAdditions.Mirror("v2", 50));
    c.runFor(Duration.ofMinutes(4));
    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    // every version of the route that mirrors gives the canary no user's request
    c.writes.stream()
        .filter(w -> w.extras().mirror() != null)
        .forEach(w -> assertThat(weightOf(w.destinations(), "v2")).isZero());
    assertThat(c.writes.get(2).extras().mirror()).isNull(); // the weight step removed it
    assertLastWriteCleans(c, "v2");
  }

  @Test
  void aCanaryFailingOnMirroredTrafficIsRolledBackAndTheMirrorRemovedInOneWrite() {
    SimulatedCluster c = cluster(List.of(10, 100), mirror(100, 3));
    c.runFor(Duration.ofSeconds(5));
    assertThat(c.extras.mirror()).isNotNull();
    int writes = c.writes.size();
    c.checks = FAILING;
    c.runFor(Duration.ofSeconds(20));

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.writes).hasSize(writes + 1);
    assertLastWriteCleans(c, "v1");
    assertThat(c.writes.stream().allMatch(w -> weightOf(w.destinations(), "v2") <= 0)).isTrue();
  }

  @Test
  void aRouteThatAlreadyMirrorsIsNeverReplacedTheReleaseWaitsWithTheReason() {
    SimulatedCluster c = cluster(List.of(100), mirror(100, 1));
    c.extras =
        new RouteExtras(
            List.of(), new RouteAdditions.Mirror("shadow", 100), false, List.of(), Map.of(), null);
    c.runFor(Duration.ofSeconds(30));

    assertThat(c.status.phase()).isEqualTo(Phase.Initializing);
    assertThat(c.status.blocker().reason()).isEqualTo(Reason.StrategyConflict);
    assertThat(c.status.blocker().message()).contains("already mirrors to shadow");
    assertThat(c.writes).isEmpty();
    c.runFor(Duration.ofMinutes(11)); // the progress deadline rolls it back, the mirror kept
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.extras.mirror()).isEqualTo(new RouteAdditions.Mirror("shadow", 100));
  }

  @Test
  void aMirrorWrittenByAnotherDuringTheStageRollsBackAndIsLeftAlone() {
    SimulatedCluster c = cluster(List.of(100), mirror(100, 3));
    c.runFor(Duration.ofSeconds(5));
    c.extras =
        new RouteExtras(
            List.of(), new RouteAdditions.Mirror("shadow", 10), false, List.of(), Map.of(), null);
    c.runFor(Duration.ofSeconds(1));

    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.status.rollbackReason()).contains("mirror was changed outside the release");
    assertThat(c.extras.mirror()).isEqualTo(new RouteAdditions.Mirror("shadow", 10));
  }

  @Test
  void sessionAffinityAddsStickyRoutesAndCookiesDuringTheStepsOnly() {
    SimulatedCluster c = cluster(List.of(20, 60, 100), affinity());
    c.runFor(Duration.ofMinutes(5));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    List<SimulatedCluster.Written> steps =
        c.writes.stream().filter(w -> weightOf(w.destinations(), "v2") > 0).toList();
    SimulatedCluster.Written first = steps.get(0);
    assertThat(purposes(first.extras())).containsExactly("sticky-canary", "sticky-stable");
    assertThat(first.extras().owned().get(0).subset()).isEqualTo("v2");
    assertThat(first.extras().owned().get(1).subset()).isEqualTo("v1");
    String canaryCookie = first.extras().cookies().get("v2");
    String stableCookie = first.extras().cookies().get("v1");
    assertThat(canaryCookie)
        .startsWith("sluice-session=sluice-v2-")
        .endsWith("; Max-Age=3600; Path=/");
    assertThat(stableCookie).startsWith("sluice-session=sluice-v1-");
    // the sticky route matches the cookie its version's answers set
    String regex =
        ((Map<?, ?>)
                ((Map<?, ?>)
                        ((Map<?, ?>) first.extras().owned().get(0).match().get(0)).get("headers"))
                    .get("cookie"))
            .get("regex")
            .toString();
    String value = canaryCookie.substring(0, canaryCookie.indexOf(';'));
    assertThat(java.util.regex.Pattern.matches(regex, "a=b; " + value)).isTrue();
    assertThat(java.util.regex.Pattern.matches(regex, value + "; c=d")).isTrue();
    assertThat(
            java.util.regex.Pattern.matches(
                regex, stableCookie.substring(0, stableCookie.indexOf(';'))))
        .isFalse();
    // every step keeps the same cookies, so a session stays with its version
    assertThat(steps.subList(0, steps.size() - 1))
        .allSatisfy(w -> assertThat(w.extras().cookies().get("v2")).isEqualTo(canaryCookie));
    assertLastWriteCleans(c, "v2");
  }

  @Test
  void blueGreenPreviewsThenSwitchesInOneWriteAndIsJudgedAfterTheSwitch() {
    SimulatedCluster c = cluster(List.of(100), blueGreen(2, 3));
    c.runFor(Duration.ofSeconds(30));
    assertThat(c.writes.get(1).destinations()).containsExactly(d("v1", 100), d("v2", 0));
    assertThat(purposes(c.writes.get(1).extras())).containsExactly("match");
    c.runFor(Duration.ofMinutes(2));

    SimulatedCluster.Written switched = c.writes.get(2);
    assertThat(switched.destinations()).containsExactly(d("v1", 0), d("v2", 100));
    assertThat(switched.extras().owned()).isEmpty();
    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
    assertThat(c.events.stream().map(Decision.Note::message))
        .anyMatch(m -> m.startsWith("step 2/2: switch: v1 0%, v2 100%"));
    // a check failing after the switch puts every user back on v1 in one write
    int writes = c.writes.size();
    c.checks = FAILING;
    c.runFor(Duration.ofMinutes(2));
    assertThat(c.status.phase()).isEqualTo(Phase.RolledBack);
    assertThat(c.writes).hasSize(writes + 1);
    assertLastWriteCleans(c, "v1");
  }

  @Test
  void blueGreenJudgesTheSwitchForItsIterationsBeforePromoting() {
    SimulatedCluster c = cluster(List.of(100), blueGreen(1, 3));
    c.runFor(Duration.ofMinutes(10));

    assertThat(c.status.phase()).isEqualTo(Phase.Succeeded);
    Instant switched = c.writes.get(2).at();
    Instant promoted = c.writes.get(3).at();
    assertThat(Duration.between(switched, promoted)).isEqualTo(Duration.ofMinutes(3));
  }

  @Test
  void aStageOnATcpRouteOrAMatchThatCannotBeCombinedWaitsWithTheReason() {
    SimulatedCluster tcp = cluster(List.of(100), mirror(100, 1));
    tcp.routeKind = "tcp";
    tcp.runFor(Duration.ofSeconds(10));
    assertThat(tcp.status.blocker().reason()).isEqualTo(Reason.StrategyConflict);
    assertThat(tcp.status.blocker().message()).contains("tcp route").contains("need an http route");

    SimulatedCluster api = cluster(List.of(100), abTest(1));
    List<Map<String, Object>> own =
        List.of(Map.of("headers", Map.of("x-canary", Map.of("exact", "never"))));
    api.extras = new RouteExtras(own, null, false, List.of(), Map.of(), null);
    api.runFor(Duration.ofSeconds(10));
    assertThat(api.status.blocker().reason()).isEqualTo(Reason.StrategyConflict);
    assertThat(api.status.blocker().message()).contains("headers.x-canary");
    assertThat(api.writes).isEmpty();
  }

  @Test
  void theStagesRouteCombinesWithTheManagedRoutesOwnMatch() {
    SimulatedCluster c = cluster(List.of(100), abTest(1));
    List<Map<String, Object>> api = List.of(Map.of("uri", Map.of("prefix", "/api")));
    c.extras = new RouteExtras(api, null, false, List.of(), Map.of(), null);
    c.runFor(Duration.ofSeconds(10));

    assertThat(c.extras.owned().get(0).match())
        .containsExactly(
            Map.of(
                "uri", Map.of("prefix", "/api"),
                "headers", Map.of("x-canary", Map.of("exact", "insider"))));
  }

  @Test
  void aStageRouteRemovedByAnotherWriterIsWrittenAgain() {
    SimulatedCluster c = cluster(List.of(100), abTest(5));
    c.runFor(Duration.ofSeconds(10));
    assertThat(c.extras.owned()).hasSize(1);
    c.extras = RouteExtras.NONE;
    c.runFor(Duration.ofSeconds(10));

    assertThat(c.status.phase()).isEqualTo(Phase.Progressing);
    assertThat(c.extras.owned()).hasSize(1);
  }

  private static Destination d(String subset, int weight) {
    return new Destination(subset, weight);
  }
}
