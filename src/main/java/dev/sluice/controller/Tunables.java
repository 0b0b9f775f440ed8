package dev.sluice.controller;

import dev.sluice.rollout.DecisionLoop;
import java.time.Duration;

/**
 * The controller's fixed tunables, in one place: retry delays, loop limits and cache sizes that are
 * not settings (a user has no reason to change them; the settings are in {@code ControllerConfig}
 * and {@code LeaderElectionConfig}). The decision loop's own limits are {@link
 * DecisionLoop#MAX_DECISIONS} and {@link DecisionLoop#MAX_CONFLICTS}.
 */
final class Tunables {
  private Tunables() {}

  /**
   * After a failed write, or too many conflicts in one reconcile: the next reconcile comes then.
   */
  static final Duration RETRY_AFTER_FAILED_WRITE = Duration.ofSeconds(2);

  /** After a reconcile that ended in an unexpected exception. */
  static final Duration RETRY_AFTER_ERROR = Duration.ofSeconds(5);

  /** Conflicts in a row a status write accepts (reading the Canary again each time). */
  static final int STATUS_WRITE_CONFLICTS = 3;

  /** Conflicts in a row the claim of a {@code sluice.dev/action} annotation accepts. */
  static final int ANNOTATION_CLAIM_CONFLICTS = 4;

  /** The first wait, and the longest, between attempts to start watching the Kubernetes API. */
  static final Duration START_BACKOFF_FIRST = Duration.ofSeconds(1);

  static final Duration START_BACKOFF_MAX = Duration.ofSeconds(30);

  /** How long a stopping work queue waits for the reconciles under way. */
  static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);

  /** Objects whose analysis (routes, subsets, references, rendered checks) is remembered. */
  static final int MEMO_CAPACITY = 20_000;

  /** Threads that wait on Prometheus for the checks' queries. */
  static final int QUERY_THREADS = 16;

  /** This daemon's own recent status writes remembered per Canary (see {@link OwnWrites}). */
  static final int OWN_WRITES_KEPT = 64;
}
