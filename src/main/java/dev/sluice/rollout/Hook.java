package dev.sluice.rollout;

import java.util.Locale;

/**
 * A webhook of the Canary, as the state machine sees it: its name and when it is called. Where it
 * is sent and with what is the controller's business.
 */
public record Hook(String name, Type type) {

  /** When a webhook is called and what its answer does; docs/webhooks.md gives each one. */
  public enum Type {
    /** Before the canary gets a route: the release waits until every one answers 2xx (polled). */
    CONFIRM_ROLLOUT,
    /** Once the canary is ready, before its first step: a failed call rolls back. */
    PRE_ROLLOUT,
    /** At each step, before it can advance: a failed call counts as a failed check. */
    STEP,
    /** When every step passed, before the old version is retired: the release waits (polled). */
    CONFIRM_PROMOTION,
    /** After the release ended (promoted or rolled back): informational. */
    POST_ROLLOUT,
    /** Polled while the release runs: a 2xx answer rolls the release back at once. */
    ROLLBACK;

    /** The type as written in the spec, e.g. {@code confirm-rollout}. */
    public String specName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The type written as {@code name} in the spec, or null when there is none. */
    public static Type fromSpec(String name) {
      for (Type t : values()) {
        if (t.specName().equals(name)) {
          return t;
        }
      }
      return null;
    }

    /** Whether it is called again each interval until it answers 2xx (or, rollback: forever). */
    public boolean polled() {
      return this == CONFIRM_ROLLOUT || this == CONFIRM_PROMOTION || this == ROLLBACK;
    }
  }
}
