package dev.sluice.rollout;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the state machine decided: the next status, the side effects to carry out first (in order),
 * the events to record, and when to look again.
 *
 * @param status the status to record once the effects succeeded
 * @param effects side effects, in order
 * @param events what to tell people (Kubernetes events)
 * @param wakeAt when to decide again without any change in the world, if ever
 * @param refusal why a manual command was refused, if it was
 * @param rollback the cause, when this decision rolls a release back
 * @param calls webhook calls to make once the decision is recorded (off the reconcile path)
 */
public record Decision(
    ReleaseStatus status,
    List<Effect> effects,
    List<Note> events,
    Optional<Instant> wakeAt,
    Optional<String> refusal,
    Optional<RollbackCause> rollback,
    List<HookCall> calls) {

  public Decision {
    effects = List.copyOf(effects);
    events = List.copyOf(events);
    calls = List.copyOf(calls);
  }

  /** A Kubernetes event to record. */
  public record Note(boolean warning, Reason reason, String message) {
    public static Note normal(Reason reason, String message) {
      return new Note(false, reason, message);
    }

    public static Note warning(Reason reason, String message) {
      return new Note(true, reason, message);
    }
  }
}
