package dev.sluice.rollout;

import java.time.Instant;

/**
 * A webhook call the state machine asks for. The controller makes it off the reconcile path and
 * hands the answer back as {@link Signal.HookAnswered}; a call already under way is not made twice.
 *
 * @param name the webhook's name
 * @param type its type
 * @param step the step it is for ({@code -1} outside the steps)
 * @param release when the release it belongs to started: an answer for another release is ignored
 */
public record HookCall(String name, Hook.Type type, int step, Instant release) {

  /** The answer to this call. */
  public Signal.HookAnswered answered(boolean passed, String message, Instant at) {
    return new Signal.HookAnswered(this, passed, message, at);
  }
}
