package dev.sluice.analysis;

/**
 * The outcome of one measurement, ordered from best to worst: when several are combined, the worst
 * wins (see docs/architecture.md, "Check outcomes").
 */
public enum Outcome {
  /** The value meets the rule, with enough traffic behind it. */
  PASS,
  /** No series, NaN, or fewer requests than the check's minimum: hold the weight. */
  INCONCLUSIVE,
  /** The data source could not answer usefully (after retries): hold, fail safe at the limit. */
  ERROR,
  /** The value breaks the rule. */
  FAIL;

  /** The worse of this outcome and {@code other}. */
  public Outcome worst(Outcome other) {
    return other.ordinal() > ordinal() ? other : this;
  }
}
