package dev.sluice.rollout;

/** Where a Canary's release stands (docs/architecture.md, "Lifecycle"). */
public enum Phase {
  Idle,
  Initializing,
  Progressing,
  Paused,
  Finalizing,
  Succeeded,
  RollingBack,
  RolledBack,
  Failed;

  /** A release is under way: the route may give the canary traffic. */
  public boolean releasing() {
    return this == Initializing || this == Progressing || this == Paused;
  }

  /**
   * A release is under way, its end not yet recorded: it may hold traffic, be finishing its
   * promotion, or be rolling back.
   */
  public boolean underWay() {
    return releasing() || this == Finalizing || this == RollingBack || this == Failed;
  }

  /** Nothing is under way; a new release may start. */
  public boolean settled() {
    return this == Idle || this == Succeeded || this == RolledBack;
  }
}
