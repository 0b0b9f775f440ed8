package dev.sluice.analysis;

import dev.sluice.analysis.compare.ScoredMetric;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The judged result of one check at one moment.
 *
 * @param check the check's id ({@code template/name})
 * @param outcome pass, fail, inconclusive or error
 * @param value the measured value, when there was one
 * @param query the PromQL that was run
 * @param message why this outcome, in words a person can act on
 * @param at when it was measured
 * @param dryRun whether it was a dry-run check's: shown, but not counted toward the gate's verdict
 * @param compared for a scored check, each compared metric's judged comparison (medians, p-value,
 *     effect size, decision); empty for a plain check
 */
public record Measurement(
    String check,
    Outcome outcome,
    OptionalDouble value,
    String query,
    String message,
    Instant at,
    boolean dryRun,
    List<ScoredMetric> compared) {

  public Measurement {
    compared = compared == null ? List.of() : List.copyOf(compared);
  }

  /** A measurement of a plain check, dry-run or not. */
  public Measurement(
      String check,
      Outcome outcome,
      OptionalDouble value,
      String query,
      String message,
      Instant at,
      boolean dryRun) {
    this(check, outcome, value, query, message, at, dryRun, List.of());
  }

  /** A measurement of a check that counts toward the verdict (not dry-run). */
  public Measurement(
      String check,
      Outcome outcome,
      OptionalDouble value,
      String query,
      String message,
      Instant at) {
    this(check, outcome, value, query, message, at, false);
  }

  /** This measurement, marked as a dry-run check's. */
  public Measurement asDryRun() {
    return dryRun
        ? this
        : new Measurement(check, outcome, value, query, message, at, true, compared);
  }
}
