package dev.sluice.rollout;

/** What happens to the old version's Deployment after promotion. */
public enum RetirementPolicy {
  DELETE,
  SCALE_TO_ZERO,
  KEEP
}
