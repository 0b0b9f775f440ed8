package dev.sluice.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * The part of a gate's summary that tells what its dry-run checks would have done, e.g. {@code
 * (dry-run: error-rate/error-ratio would fail: value 0.2 is above max 0.05)}. Checks that would
 * pass are only counted; the others are named with their reason.
 */
final class DryRunNote {
  private DryRunNote() {}

  /** The note, with a leading space, or {@code ""} when no measurement is dry-run. */
  static String of(List<Measurement> measurements) {
    List<String> notes = new ArrayList<>();
    int passing = 0;
    for (Measurement m : measurements) {
      if (!m.dryRun()) {
        continue;
      }
      if (m.outcome() == Outcome.PASS) {
        passing++;
      } else {
        notes.add(m.check() + " would " + verb(m.outcome()) + ": " + reason(m));
      }
    }
    if (notes.isEmpty() && passing == 0) {
      return "";
    }
    if (passing > 0) {
      String checks = passing == 1 ? " check" : " checks";
      notes.add(passing + (notes.isEmpty() ? "" : " more") + checks + " would pass");
    }
    return " (dry-run: " + String.join("; ", notes) + ")";
  }

  private static String verb(Outcome outcome) {
    return switch (outcome) {
      case FAIL -> "fail";
      case ERROR -> "be an error";
      case INCONCLUSIVE -> "be inconclusive";
      case PASS -> "pass";
    };
  }

  /** The measurement's message without the check's id in front, which the note already gives. */
  private static String reason(Measurement m) {
    String prefix = m.check() + ": ";
    String message = m.message() == null ? "" : m.message();
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }
}
