package dev.sluice.analysis.compare;

import java.util.Locale;

/** The statistical judge's decision on one compared metric, or on a whole scorecard. */
public enum Decision {
  /** No significant difference in the bad direction at least as large as the minimum effect. */
  PASS,
  /** Too little data to judge, or a difference whose size cannot be told: never a pass. */
  INCONCLUSIVE,
  /** A significant difference in the bad direction, at least as large as the minimum effect. */
  FAIL;

  /** The lower-case name, as shown in status and messages. */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }
}
