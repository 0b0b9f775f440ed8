package dev.sluice.rollout;

/** Why a release was rolled back, as counted by {@code sluice_rollbacks_total{reason}}. */
public enum RollbackCause {
  /** A check failed (at the failure threshold). */
  CHECK,
  /** A Prometheus alert for the service fired. */
  ALERT,
  /** A person aborted the release. */
  MANUAL,
  /** The inconclusive or error limit, or the progress deadline, was reached. */
  LIMIT,
  /** A webhook asked for it: a rollback webhook answered 2xx, or a pre-rollout one failed. */
  WEBHOOK,
  /** The world changed under the release: route reset, canary gone or not ready. */
  EXTERNAL
}
