package dev.sluice.rollout;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decide, carry out, record; decide again with the world as the effects left it, until a decision
 * changes nothing. The one loop that drives the state machine: the reconciler runs it against the
 * API server, the tests' simulated cluster against memory.
 *
 * <p>Order within a decision: its effects are carried out before its status is recorded, so a crash
 * can lose at most an effect the recorded status already asks for, and the next run redoes it. A
 * signal and an evaluation are handed to the first decision only; if its effects meet a conflict,
 * the world is read again and the decision made again with them.
 */
public final class DecisionLoop {
  /** Decisions in one run at the most; a run that reaches it ends and is scheduled again. */
  public static final int MAX_DECISIONS = 24;

  /** Write conflicts in a row a run accepts before it gives up and is scheduled again. */
  public static final int MAX_CONFLICTS = 8;

  private DecisionLoop() {}

  /** What the loop needs from the cluster it runs against. */
  public interface Cluster {
    /** The world as it is now (as last read or written). */
    World world();

    /**
     * Carries out one effect.
     *
     * @return false when it met a write conflict (the object changed since it was read): nothing
     *     was written, and the world is to be read again
     * @throws EffectFailed when it failed otherwise
     */
    boolean carryOut(Effect effect);

    /** Reads the world again from its source of truth (after a conflict, or to confirm). */
    void readAgain();

    /**
     * Whether the stored analysis shows something a passing evaluation must correct: the Analysis
     * condition shows a verdict other than a pass, or a dry-run check's outcome has changed since.
     */
    boolean analysisShownFailing();

    /**
     * Records a status (the Canary's status write).
     *
     * @param evaluated whether it carries the evaluation handed to the loop
     * @return false when the Canary changed meanwhile: the run ends (a new one follows)
     */
    boolean record(ReleaseStatus status, boolean evaluated);

    /** Keeps a status that is not worth a write (a passing check mid-bake) in memory. */
    void remember(ReleaseStatus status);

    /** Records the status a failed write leaves (see {@link Recording#afterFailedWrite}). */
    void recordFailedWrite(Decision decision, ReleaseStatus status, String error);

    /** A decision was made (before its effects). */
    default void decided(Turn turn) {}

    /** A decision's effects were carried out (before its status is recorded). */
    default void carriedOut(Turn turn) {}

    /** A decision was carried out and recorded: tell people (events, metrics). */
    default void announce(Turn turn) {}
  }

  /** An effect that failed for another reason than a conflict. */
  public static final class EffectFailed extends RuntimeException {
    public EffectFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * One decision and what it was made from.
   *
   * @param first whether it is the first decision carried out in this run (the one that saw the
   *     signal and the evaluation)
   */
  public record Turn(
      ReleaseStatus before,
      Optional<Signal> signal,
      Optional<Evaluation> evaluation,
      World world,
      Decision decision,
      boolean first) {}

  /** How a run ended. */
  public enum Ending {
    /** A decision changed nothing: the release is where it should be until {@code wakeAt}. */
    SETTLED,
    /** Too many write conflicts in a row. */
    CONFLICTS,
    /** A write failed; the run is to be tried again shortly. */
    WRITE_FAILED,
    /** The Canary changed while its status was written; a new run follows. */
    CHANGED_MEANWHILE,
    /** {@link #MAX_DECISIONS} decisions were made without settling. */
    TOO_MANY_DECISIONS
  }

  /**
   * @param status the status as recorded after the run
   * @param last the last decision carried out, if any
   */
  public record Result(ReleaseStatus status, Optional<Decision> last, Ending ending) {
    /** When to run again without any change in the world, if ever. */
    public Optional<Instant> wakeAt() {
      return last.flatMap(Decision::wakeAt);
    }
  }

  /** Runs the state machine on {@code cluster} from {@code status} until it settles. */
  public static Result run(
      ReleaseSpec spec,
      ReleaseStatus status,
      Optional<Signal> signal,
      Optional<Evaluation> evaluation,
      Supplier<Instant> clock,
      Cluster cluster) {
    int conflicts = 0;
    boolean confirmed = false;
    boolean first = true;
    Decision last = null;
    for (int i = 0; i < MAX_DECISIONS; i++) {
      World world = cluster.world();
      Decision d = Rollout.decide(spec, status, world, signal, evaluation, clock.get());
      if (!confirmed && d.rollback().orElse(null) == RollbackCause.EXTERNAL) {
        // What is read can lag behind what was written (a subset or route just written): a
        // change from outside is confirmed on the source of truth before it rolls back.
        confirmed = true;
        cluster.readAgain();
        continue;
      }
      Turn turn = new Turn(status, signal, evaluation, world, d, first);
      cluster.decided(turn);
      try {
        boolean written = true;
        for (Effect effect : d.effects()) {
          if (!cluster.carryOut(effect)) {
            written = false;
            break;
          }
        }
        if (!written) {
          if (++conflicts > MAX_CONFLICTS) {
            return new Result(status, Optional.ofNullable(last), Ending.CONFLICTS);
          }
          cluster.readAgain();
          continue; // decide again: the signal and the evaluation are not yet recorded
        }
      } catch (EffectFailed e) {
        Recording.afterFailedWrite(d, e.getMessage())
            .ifPresent(st -> cluster.recordFailedWrite(d, st, e.getMessage()));
        return new Result(status, Optional.ofNullable(last), Ending.WRITE_FAILED);
      }
      cluster.carriedOut(turn);
      boolean changed = !d.status().equals(status);
      Optional<Gate> evaluated = evaluation.map(Evaluation::gate);
      if (changed
          && !Recording.material(status, d.status(), evaluated, cluster.analysisShownFailing())) {
        cluster.remember(d.status());
      } else if ((changed || evaluated.isPresent())
          && !cluster.record(d.status(), evaluated.isPresent())) {
        return new Result(status, Optional.ofNullable(last), Ending.CHANGED_MEANWHILE);
      }
      cluster.announce(turn);
      status = d.status();
      signal = Optional.empty();
      evaluation = Optional.empty();
      first = false;
      last = d;
      if (d.effects().isEmpty() && !changed) {
        return new Result(status, Optional.of(d), Ending.SETTLED);
      }
    }
    return new Result(status, Optional.ofNullable(last), Ending.TOO_MANY_DECISIONS);
  }
}
