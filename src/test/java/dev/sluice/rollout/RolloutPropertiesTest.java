package dev.sluice.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of the state machine over generated releases: random plans, check outcomes, manual
 * commands, alerts and outside interference. Each seed is one release; a failing seed is printed by
 * JUnit and replays exactly.
 */
class RolloutPropertiesTest {

  static Stream<Long> seeds() {
    return LongStream.range(0, 400).boxed();
  }

  private static List<Integer> randomPlan(Random r) {
    if (r.nextBoolean()) {
      List<Integer> steps = new ArrayList<>();
      int w = 0;
      while (w < 100 && steps.size() < 8) {
        w += 1 + r.nextInt(40);
        if (w <= 100) steps.add(w);
      }
      if (steps.isEmpty()) steps.add(100);
      return steps;
    }
    return StepPlan.of(1 + r.nextInt(100), 1 + r.nextInt(100), null);
  }

  /** Weights only half the time; otherwise some of the stages, session affinity or blue/green. */
  private static Strategy randomStrategy(Random r) {
    if (r.nextBoolean()) {
      return Strategy.NONE;
    }
    Strategy.MirrorStage mirror =
        r.nextBoolean() ? new Strategy.MirrorStage(1 + r.nextInt(100), 1 + r.nextInt(3)) : null;
    Strategy.MatchStage match =
        r.nextBoolean()
            ? new Strategy.MatchStage(
                List.of(Map.of("headers", Map.of("x-canary", Map.of("exact", "yes")))),
                1 + r.nextInt(3))
            : null;
    if (r.nextInt(4) == 0) {
      return new Strategy(mirror, match == null ? PREVIEW : match, null, true, 1 + r.nextInt(3));
    }
    Strategy.SessionAffinity affinity =
        r.nextBoolean() ? new Strategy.SessionAffinity("s", Duration.ofMinutes(5)) : null;
    return new Strategy(mirror, match, affinity, false, 1);
  }

  private static final Strategy.MatchStage PREVIEW =
      new Strategy.MatchStage(
          List.of(Map.of("headers", Map.of("x-sluice-preview", Map.of("exact", "true")))), 2);

  private static Gate randomGate(Random r, double failRate) {
    double x = r.nextDouble();
    if (x < failRate) return Gate.FAIL;
    if (x < failRate + 0.1) return Gate.INCONCLUSIVE;
    if (x < failRate + 0.2) return Gate.ERROR;
    return Gate.PASS;
  }

  private static SimulatedCluster randomRelease(long seed) {
    Random r = new Random(seed);
    Strategy strategy = randomStrategy(r);
    List<Integer> plan = randomPlan(r);
    if (strategy.blueGreen()) {
      plan = List.of(100);
    } else if ((strategy.mirror() != null || strategy.match() != null) && r.nextInt(3) == 0) {
      plan = List.of(); // promoted after the stages
    }
    ReleaseSpec spec =
        new ReleaseSpec(
            plan,
            Duration.ofSeconds(10 + r.nextInt(60)),
            Duration.ofSeconds(5 + r.nextInt(20)),
            1 + r.nextInt(2),
            1 + r.nextInt(4),
            1 + r.nextInt(4),
            Duration.ofSeconds(30 + r.nextInt(600)),
            RetirementPolicy.values()[r.nextInt(3)],
            true,
            null,
            Duration.ZERO,
            LabelSelector.ALL,
            strategy,
            randomHooks(r));
    SimulatedCluster c = new SimulatedCluster(spec);
    double failRate = r.nextDouble() * 0.1;
    c.checks = at -> new Evaluation(randomGate(r, failRate), "generated", at);
    // webhooks answer 2xx mostly, fail sometimes, and now and then take a while to answer
    c.hookAnswers =
        (call, at) -> {
          double x = r.nextDouble();
          return x < 0.1 ? Optional.empty() : Optional.of(x > 0.1 + failRate * 2);
        };
    c.reconcile();
    c.deploy("v2", 1 + r.nextInt(3), 3, c.now);
    for (int i = 0; i < 200 && !c.status.phase().settled() || i == 0; i++) {
      c.now = c.now.plusSeconds(1 + r.nextInt(20));
      Optional<Signal> signal = Optional.empty();
      double x = r.nextDouble();
      if (x < 0.03) {
        signal = Optional.of(new Signal.Manual(Command.values()[r.nextInt(5)], "test"));
      } else if (x < 0.04) {
        signal = Optional.of(new Signal.AlertFiring("HighErrorRate", "app=helloworld"));
      } else if (x < 0.05 && c.route.size() == 2) {
        c.route = List.of(new Destination("v1", 100), new Destination("v2", 0)); // outside reset
      } else if (x < 0.06) {
        c.extras = RouteExtras.NONE; // another writer removes what Sluice added
      }
      c.reconcile(signal);
      c.answerHooks();
    }
    return c;
  }

  /** No webhooks half the time; else some of the six types, one or two of a kind. */
  private static List<Hook> randomHooks(Random r) {
    List<Hook> hooks = new java.util.ArrayList<>();
    if (r.nextBoolean()) {
      return hooks;
    }
    for (Hook.Type type : Hook.Type.values()) {
      int n = r.nextInt(4) == 0 ? 2 : r.nextInt(2);
      for (int i = 0; i < n; i++) {
        hooks.add(new Hook(type.specName() + "-" + i, type));
      }
    }
    return hooks;
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void everyRouteWrittenHasWeightsIn0To100SummingTo100(long seed) {
    SimulatedCluster c = randomRelease(seed);
    for (List<Destination> route : c.routeHistory) {
      assertThat(route).allSatisfy(d -> assertThat(d.weight()).isBetween(0, 100));
      assertThat(route.stream().mapToInt(Destination::weight).sum()).isEqualTo(100);
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void theCanaryWeightNeverRisesWithoutAPassingEvaluationOrAPromotion(long seed) {
    SimulatedCluster c = randomRelease(seed);
    for (DecisionLoop.Turn t : c.traces) {
      ReleaseStatus before = t.before();
      ReleaseStatus after = t.decision().status();
      boolean promoted =
          t.signal()
              .filter(s -> s instanceof Signal.Manual m && m.command() == Command.PROMOTE)
              .isPresent();
      if (before.phase() == Phase.Progressing && after.step() > before.step() && !promoted) {
        assertThat(t.evaluation())
            .hasValueSatisfying(e -> assertThat(e.gate()).isEqualTo(Gate.PASS));
        assertThat(after.step()).isEqualTo(before.step() + 1); // never skips a step
      }
      if (before.phase() == Phase.Progressing && after.phase() == Phase.Finalizing && !promoted) {
        if (t.evaluation().isPresent()) {
          assertThat(t.evaluation().get().gate()).isEqualTo(Gate.PASS);
        } else {
          // the last step passed earlier and waited for confirm-promotion, which answered 2xx now
          assertThat(before.blocker().reason()).isEqualTo(Reason.AwaitingConfirmation);
          assertThat(t.signal())
              .hasValueSatisfying(
                  sig ->
                      assertThat(
                              sig instanceof Signal.HookAnswered a
                                  && a.passed()
                                  && a.call().type() == Hook.Type.CONFIRM_PROMOTION)
                          .isTrue());
        }
        assertThat(before.step()).isEqualTo(c.spec.steps().size() - 1);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void aFailureAtTheThresholdAlwaysEndsAt100PercentStableInOneWrite(long seed) {
    SimulatedCluster c = randomRelease(seed);
    for (DecisionLoop.Turn t : c.traces) {
      if (t.decision().rollback().isPresent()) {
        assertThat(t.decision().status().phase()).isEqualTo(Phase.RolledBack);
        assertThat(t.decision().effects())
            .allSatisfy(
                a -> {
                  Effect.SetRoute set = (Effect.SetRoute) a;
                  assertThat(set.destinations()).containsExactly(new Destination("v1", 100));
                  assertThat(set.additions().none()).isTrue(); // removes all Sluice added
                })
            .hasSizeLessThanOrEqualTo(1);
      }
      boolean failAtThreshold =
          t.evaluation().filter(e -> e.gate() == Gate.FAIL).isPresent()
              && t.before().failures() + 1 >= c.spec.failureThreshold()
              && (t.before().phase() == Phase.Progressing || t.before().phase() == Phase.Paused)
              && t.signal().isEmpty();
      if (failAtThreshold && t.before().stepStartedAt() != null) {
        assertThat(t.decision().rollback()).contains(RollbackCause.CHECK);
      }
    }
    if (c.status.phase() == Phase.RolledBack) {
      assertThat(c.route).containsExactly(new Destination("v1", 100));
      assertNothingAdded(c);
    }
  }

  private static void assertNothingAdded(SimulatedCluster c) {
    assertThat(c.extras.owned()).isEmpty();
    assertThat(c.extras.mirror()).isNull();
    assertThat(c.extras.cookies()).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void aMirrorToTheCanaryOnlyWhileUsersGetNoneOfItAndRoutesOnlyToItsTwoVersions(long seed) {
    SimulatedCluster c = randomRelease(seed);
    for (SimulatedCluster.Written w : c.writes) {
      if (w.extras().mirror() != null) {
        assertThat(w.destinations()).contains(new Destination("v2", 0));
      }
      assertThat(w.extras().owned())
          .allSatisfy(route -> assertThat(route.subset()).isIn("v1", "v2"));
      if (w.destinations().size() == 1) {
        assertThat(w.extras().owned()).isEmpty(); // the rollback and the promotion clean up
        assertThat(w.extras().cookies()).isEmpty();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void theCanaryGetsTrafficOnlyOnceEveryConfirmRolloutAndPreRolloutWebhookPassed(long seed) {
    SimulatedCluster c = randomRelease(seed);
    for (DecisionLoop.Turn t : c.traces) {
      ReleaseStatus after = t.decision().status();
      if (t.before().phase() == Phase.Initializing && after.phase() == Phase.Progressing) {
        for (Hook h : c.spec.hooks()) {
          if (h.type() == Hook.Type.CONFIRM_ROLLOUT || h.type() == Hook.Type.PRE_ROLLOUT) {
            assertThat(after.hooks())
                .as("%s before the first step", h.name())
                .anySatisfy(
                    rec -> {
                      assertThat(rec.name()).isEqualTo(h.name());
                      assertThat(rec.passed()).isTrue();
                    });
          }
        }
      }
      if (t.before().phase() == Phase.Progressing
          && after.phase() == Phase.Finalizing
          && t.signal().filter(sig -> sig instanceof Signal.Manual).isEmpty()) {
        for (Hook h : c.spec.hooks(Hook.Type.CONFIRM_PROMOTION)) {
          assertThat(after.hooks())
              .as("%s before the promotion", h.name())
              .anySatisfy(rec -> assertThat(rec.name().equals(h.name()) && rec.passed()).isTrue());
        }
      }
      // no webhook is asked about another release than the one running
      for (HookCall call : t.decision().calls()) {
        assertThat(call.release()).isEqualTo(t.before().releaseStartedAt());
      }
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void everyReleaseEndsPromotedOrRolledBack(long seed) {
    SimulatedCluster c = randomRelease(seed);
    // with passing checks and webhooks from here on, nothing stays in between for ever
    c.checks = at -> new Evaluation(Gate.PASS, "ok", at);
    c.hookAnswers = (call, at) -> Optional.of(true);
    c.runFor(Duration.ofHours(3));
    assertThat(c.status.phase()).isIn(Phase.Succeeded, Phase.RolledBack);
    if (c.status.phase() == Phase.Succeeded) {
      assertThat(c.route).containsExactly(new Destination("v2", 100));
      assertThat(c.subsets).doesNotContain("v1");
      assertNothingAdded(c);
    }
  }
}
