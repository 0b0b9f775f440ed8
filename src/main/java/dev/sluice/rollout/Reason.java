package dev.sluice.rollout;

/**
 * Every reason Sluice gives in a Canary's conditions and Kubernetes events, for people to read and
 * to filter on ({@code kubectl get events --field-selector reason=RolledBack}). The name is the
 * reason as written; docs/status.md lists them all. (The {@code Progressing} condition's reason is
 * the {@link Phase}, the {@code Analysis} condition's the check outcome.)
 */
public enum Reason {
  // ---- the release's course (events) ----
  /** The version the managed route sends all traffic to was adopted as stable. */
  StableVersion,
  /** A release started (a new candidate, the targetVersion, or a retry). */
  ReleaseStarted,
  /** The canary moved to the next weight of the plan. */
  StepAdvanced,
  /** A check failed below the failure threshold. */
  CheckFailed,
  /** Every step passed (or a person promoted): the old version is being retired. */
  Promoting,
  /** The canary is the stable version now. */
  Promoted,
  /** The release is being rolled back: why. */
  RollingBack,
  /** The route is back at 100% stable. */
  RolledBack,
  /** A person paused the release. */
  Paused,
  /** A person resumed the release. */
  Resumed,
  /** An old version's retirement finished. */
  Retired,
  /** A webhook failed (non-2xx, timeout or transport error after the retries). */
  WebhookFailed,
  /** A confirm webhook answered 2xx: the release goes on. */
  Confirmed,
  /** A notification to one of the Canary's own receivers could not be delivered (and why). */
  NotificationFailed,

  // ---- why nothing can go on now (Ready=False, and an event) ----
  /** The managed route must not be written (e.g. match routes without a fallback route). */
  InvalidVirtualService,
  /** The VirtualService, or the named route in it, does not exist. */
  RouteNotFound,
  /** The DestinationRule does not exist. */
  DestinationRuleNotFound,
  /** The canary's Deployment is not ready yet. */
  WaitingForCanary,
  /** The targetVersion has no Deployment yet. */
  WaitingForTarget,
  /** The targetVersion's Deployment is not selected by the versionSelector. */
  TargetNotSelected,
  /** The subset named after the version does not select exactly that version's pods. */
  SubsetMismatch,
  /**
   * A stage cannot be carried out on a managed route without replacing something of the user's (a
   * mirror, a cookie, a match) or needs an http route; the release waits.
   */
  StrategyConflict,
  /** A confirm-rollout or confirm-promotion webhook has not answered 2xx yet; it is polled. */
  AwaitingConfirmation,
  /** A pre-rollout or step webhook was called and its answer is awaited. */
  AwaitingWebhook,
  /** The managed route splits traffic and no release is recorded: which version is stable? */
  AmbiguousStable,
  /** The rollback cannot be written (the route is gone); it is retried. */
  RollbackBlocked,
  /** The rollback's write failed; it is retried. */
  RollbackWriteFailed,
  /** The Canary's spec or one of its templates is invalid; nothing is done. */
  InvalidSpec,
  /** Another Canary owns the route or the app; nothing is done for this one. */
  Conflict,
  /** All is well (Ready=True). */
  Managed,

  // ---- the Retirement condition ----
  /** Something still routes to an old version; it is kept (also an event). */
  RetirementBlocked,
  /** An old version waits for the retirement delay before it goes. */
  RetirementPending,
  /** No old version waits for retirement (Retirement=True). */
  NothingToRetire,

  // ---- manual actions (events) ----
  /** A manual action did not apply to the release as it was. */
  CommandRefused,
  /** The sluice.dev/action annotation named no action. */
  UnknownAction
}
