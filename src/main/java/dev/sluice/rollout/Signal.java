package dev.sluice.rollout;

/** Something from outside the Canary's spec that bears on its release. */
public sealed interface Signal {

  /** A person asked for {@code command}. */
  record Manual(Command command, String by) implements Signal {}

  /** A Prometheus alert matching this Canary fires. */
  record AlertFiring(String alertName, String labels) implements Signal {}
}
