package dev.sluice.rollout;

/** Something from outside the Canary's spec that bears on its release. */
public sealed interface Signal {

  /** A person asked for {@code command}. */
  record Manual(Command command, String by) implements Signal {}

  /** A Prometheus alert matching this Canary fires. */
  record AlertFiring(String alertName, String labels) implements Signal {}

  /**
   * A webhook answered (or its call failed after the retries).
   *
   * @param call the call it answers
   * @param passed whether it answered 2xx
   * @param message the status code and the start of the body, or why the call failed
   * @param at when the answer came
   */
  record HookAnswered(HookCall call, boolean passed, String message, java.time.Instant at)
      implements Signal {}
}
