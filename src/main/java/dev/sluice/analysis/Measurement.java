package dev.sluice.analysis;

import java.time.Instant;
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
 */
public record Measurement(
    String check,
    Outcome outcome,
    OptionalDouble value,
    String query,
    String message,
    Instant at,
    boolean dryRun) {

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
    return dryRun ? this : new Measurement(check, outcome, value, query, message, at, true);
  }
}
