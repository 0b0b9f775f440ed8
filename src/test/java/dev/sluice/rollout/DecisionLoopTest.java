package dev.sluice.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The loop every reconcile runs, and what of a decision is recorded, without any I/O: a cluster in
 * memory whose writes can conflict or fail on demand.
 */
class DecisionLoopTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** A cluster in memory: v1 stable at 100%, v2 ready, subset v1 only. */
  private static final class Memory implements DecisionLoop.Cluster {
    List<Destination> route = List.of(new Destination("v1", 100));
    final List<String> subsets = new ArrayList<>(List.of("v1"));
    int conflictsLeft;
    boolean fail;
    int readAgain;
    final List<ReleaseStatus> recorded = new ArrayList<>();
    final List<ReleaseStatus> remembered = new ArrayList<>();
    final List<ReleaseStatus> failedWrites = new ArrayList<>();
    final List<Effect> carried = new ArrayList<>();
    boolean analysisShownFailing;

    @Override
    public World world() {
      return new World(
          "default",
          RouteObservation.ok(route),
          subsets.stream()
              .collect(
                  java.util.stream.Collectors.toMap(
                      s -> s,
                      s -> java.util.Map.of("version", s),
                      (a, b) -> a,
                      java.util.LinkedHashMap::new)),
          List.of(
              new DeploymentView("v1", "helloworld-v1", 2, 2, NOW.minus(Duration.ofDays(1))),
              new DeploymentView("v2", "helloworld-v2", 2, 2, NOW)),
          List.of());
    }

    @Override
    public boolean carryOut(Effect effect) {
      if (fail) {
        throw new DecisionLoop.EffectFailed("the API server answered 500", null);
      }
      if (conflictsLeft > 0) {
        conflictsLeft--;
        return false;
      }
      carried.add(effect);
      if (effect instanceof Effect.SetRoute set) {
        route = set.destinations();
      } else if (effect instanceof Effect.AddSubset add) {
        subsets.add(add.version());
      } else if (effect instanceof Effect.RemoveSubset remove) {
        subsets.remove(remove.version());
      } else {
        throw new AssertionError("no Deployment is retired here: " + effect);
      }
      return true;
    }

    @Override
    public void readAgain() {
      readAgain++;
    }

    @Override
    public boolean analysisShownFailing() {
      return analysisShownFailing;
    }

    @Override
    public boolean record(ReleaseStatus status, boolean evaluated) {
      recorded.add(status);
      return true;
    }

    @Override
    public void remember(ReleaseStatus status) {
      remembered.add(status);
    }

    @Override
    public void recordFailedWrite(Decision d, ReleaseStatus status, String error) {
      failedWrites.add(status);
    }
  }

  private static ReleaseStatus stable() {
    ReleaseStatus.Builder b = ReleaseStatus.initial().toBuilder();
    b.stableVersion = "v1";
    return b.build();
  }

  /** The status right after a release of v2 started: nothing written for it yet. */
  private static ReleaseStatus initializing(Memory m) {
    return Rollout.decide(
            SimulatedCluster.spec(), stable(), m.world(), Optional.empty(), Optional.empty(), NOW)
        .status();
  }

  private static DecisionLoop.Result run(Memory m, ReleaseStatus from, Optional<Signal> signal) {
    return DecisionLoop.run(SimulatedCluster.spec(), from, signal, Optional.empty(), () -> NOW, m);
  }

  @Test
  void aReleaseIsPreparedUntilItsFirstStepThenSettles() {
    Memory m = new Memory();
    DecisionLoop.Result r = run(m, stable(), Optional.empty());

    assertThat(r.ending()).isEqualTo(DecisionLoop.Ending.SETTLED);
    assertThat(r.status().phase()).isEqualTo(Phase.Progressing);
    assertThat(r.status().weight()).isEqualTo(10);
    // the subset, the canary at 0, then the first step's status before its route
    assertThat(m.carried)
        .containsExactly(
            new Effect.AddSubset("v2", "v1"),
            new Effect.SetRoute(List.of(new Destination("v1", 100), new Destination("v2", 0))),
            new Effect.SetRoute(List.of(new Destination("v1", 90), new Destination("v2", 10))));
    assertThat(m.recorded.get(m.recorded.size() - 1)).isEqualTo(r.status());
    assertThat(r.wakeAt()).isPresent();
  }

  @Test
  void aConflictReadsAgainAndDecidesAgainWithTheSameSignal() {
    Memory m = new Memory();
    run(m, stable(), Optional.empty());
    m.conflictsLeft = 2;
    ReleaseStatus progressing = m.recorded.get(m.recorded.size() - 1);

    DecisionLoop.Result r =
        run(m, progressing, Optional.of(new Signal.Manual(Command.ABORT, "alice")));

    assertThat(m.readAgain).isEqualTo(2);
    assertThat(r.ending()).isEqualTo(DecisionLoop.Ending.SETTLED);
    assertThat(r.status().phase()).isEqualTo(Phase.RolledBack);
    assertThat(r.status().rollbackReason()).isEqualTo("aborted by alice");
    assertThat(m.route).containsExactly(new Destination("v1", 100));
    assertThat(m.subsets).containsExactly("v1"); // and the canary's subset left afterwards
  }

  @Test
  void tooManyConflictsEndTheRunWithNothingRecorded() {
    Memory m = new Memory();
    m.conflictsLeft = DecisionLoop.MAX_CONFLICTS + 1;
    ReleaseStatus initializing = initializing(m);

    DecisionLoop.Result r = run(m, initializing, Optional.empty());

    assertThat(r.ending()).isEqualTo(DecisionLoop.Ending.CONFLICTS);
    assertThat(m.readAgain).isEqualTo(DecisionLoop.MAX_CONFLICTS);
    assertThat(m.recorded).isEmpty();
    assertThat(m.carried).isEmpty();
    assertThat(r.status()).isEqualTo(initializing);
  }

  @Test
  void aRollbackWhoseWriteFailsIsRecordedAsRollingBackAndNothingElse() {
    Memory m = new Memory();
    run(m, stable(), Optional.empty());
    ReleaseStatus progressing = m.recorded.get(m.recorded.size() - 1);
    m.fail = true;

    DecisionLoop.Result r =
        run(m, progressing, Optional.of(new Signal.AlertFiring("HighErrorRate", "app=x")));

    assertThat(r.ending()).isEqualTo(DecisionLoop.Ending.WRITE_FAILED);
    assertThat(m.failedWrites)
        .singleElement()
        .satisfies(
            st -> {
              assertThat(st.phase()).isEqualTo(Phase.RollingBack);
              assertThat(st.blocker().reason()).isEqualTo(Reason.RollbackWriteFailed);
              assertThat(st.blocker().message()).contains("the API server answered 500");
            });
  }

  @Test
  void aFailedWriteOutsideARollbackRecordsNothing() {
    Memory m = new Memory();
    m.fail = true;
    DecisionLoop.Result r = run(m, initializing(m), Optional.empty());
    assertThat(r.ending()).isEqualTo(DecisionLoop.Ending.WRITE_FAILED);
    assertThat(m.failedWrites).isEmpty();
    assertThat(m.recorded).isEmpty();
  }

  @Test
  void aChangeFromOutsideIsReadAgainBeforeItRollsBack() {
    Memory m = new Memory();
    run(m, stable(), Optional.empty());
    ReleaseStatus progressing = m.recorded.get(m.recorded.size() - 1);
    m.route = List.of(new Destination("v1", 100)); // the canary taken out by someone else

    DecisionLoop.Result r = run(m, progressing, Optional.empty());

    assertThat(m.readAgain).isEqualTo(1);
    assertThat(r.status().phase()).isEqualTo(Phase.RolledBack);
  }

  // ---- what is worth a write ----

  private static ReleaseStatus evaluatedAt(ReleaseStatus st, Instant at) {
    ReleaseStatus.Builder b = st.toBuilder();
    b.lastEvaluationAt = at;
    return b.build();
  }

  @Test
  void aPassMidBakeThatChangesOnlyItsTimeIsNotWorthAWrite() {
    ReleaseStatus before = stable();
    ReleaseStatus after = evaluatedAt(before, NOW);
    assertThat(Recording.material(before, after, Optional.of(Gate.PASS), false)).isFalse();
    assertThat(Recording.material(before, after, Optional.empty(), false)).isFalse();
  }

  @Test
  void aVerdictOtherThanAPassOrAPassAfterAFailingOneIsWorthAWrite() {
    ReleaseStatus before = stable();
    ReleaseStatus after = evaluatedAt(before, NOW);
    assertThat(Recording.material(before, after, Optional.of(Gate.INCONCLUSIVE), false)).isTrue();
    assertThat(Recording.material(before, after, Optional.of(Gate.ERROR), false)).isTrue();
    assertThat(Recording.material(before, after, Optional.of(Gate.PASS), true)).isTrue();
  }

  @Test
  void anyOtherChangeIsWorthAWrite() {
    ReleaseStatus before = stable();
    ReleaseStatus.Builder b = before.toBuilder();
    b.inconclusiveStreak = 1;
    assertThat(Recording.material(before, b.build(), Optional.empty(), false)).isTrue();
  }
}
