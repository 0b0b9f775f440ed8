package dev.sluice.analysis.compare;

import java.util.Locale;

/** Which way a difference between canary and stable is bad. */
public enum Direction {
  /** The canary's values being higher is bad (errors, latency). */
  INCREASE,
  /** The canary's values being lower is bad (throughput, success ratio). */
  DECREASE,
  /** Any difference is bad. */
  EITHER;

  /** The name as written in a template: {@code increase}, {@code decrease}, {@code either}. */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The direction written as {@code text}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Direction parse(String text) {
    for (Direction d : values()) {
      if (d.text().equals(text)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "direction must be increase, decrease or either, not \"" + text + "\"");
  }

  /** Whether a canary higher than stable is bad. */
  boolean higherIsBad() {
    return this != DECREASE;
  }

  /** Whether a canary lower than stable is bad. */
  boolean lowerIsBad() {
    return this != INCREASE;
  }
}
