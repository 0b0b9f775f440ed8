package dev.sluice.analysis.compare;

import java.util.Locale;

/**
 * What becomes of a NaN point (a step with nothing to compute from, such as 0/0) before judging.
 */
public enum NanStrategy {
  /** Drop the point: it does not count toward the sample or its minimum size. */
  REMOVE,
  /** Count the point as 0 (for a ratio whose numerator and denominator are both 0: no errors). */
  ZERO;

  /** The name as written in a template: {@code remove} or {@code zero}. */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The strategy written as {@code text}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static NanStrategy parse(String text) {
    for (NanStrategy s : values()) {
      if (s.text().equals(text)) {
        return s;
      }
    }
    throw new IllegalArgumentException("nanStrategy must be remove or zero, not \"" + text + "\"");
  }
}
