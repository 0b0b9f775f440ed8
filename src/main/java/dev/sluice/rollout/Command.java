package dev.sluice.rollout;

/** A manual control that needs no spec edit. */
public enum Command {
  /** Hold the current weight (checks keep running; a failure still rolls back). */
  PAUSE,
  /** Continue a paused release. */
  RESUME,
  /** Skip the remaining steps and finalize; gates are no longer consulted. */
  PROMOTE,
  /** Roll back now. */
  ABORT,
  /** Start again a release that was rolled back. */
  RETRY
}
