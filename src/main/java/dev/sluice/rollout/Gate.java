package dev.sluice.rollout;

/** The verdict of one evaluation of all checks: the worst outcome among them. */
public enum Gate {
  PASS,
  INCONCLUSIVE,
  ERROR,
  FAIL
}
