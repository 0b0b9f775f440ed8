package dev.sluice.analysis;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The verdict of one evaluation of a gate: the worst outcome of its measurements, and the
 * measurement that decided it.
 *
 * <p><b>No checks configured.</b> A Canary may reference no template at all; its gate then has
 * nothing to judge. That is reported explicitly rather than hidden in an empty list: the verdict is
 * {@link Outcome#PASS} (the release advances on bake time alone, as the Canary asked), {@link
 * #noChecks()} is true, {@link #decidedBy()} is empty and the summary says so, so the status and
 * events never present it as "all checks passed".
 *
 * <p><b>Dry-run checks.</b> A dry-run measurement ({@link Measurement#dryRun()}) is kept in {@link
 * #measurements()} and reported in the summary (e.g. {@code (dry-run: error-rate/error-ratio would
 * fail: value 0.2 is above max 0.05)}), but never counts: the outcome and {@link #decidedBy()} come
 * from the other measurements only. A gate whose every check is dry-run passes on bake time alone,
 * like a gate with no checks, and its summary says so ({@link #onlyDryRun()}).
 *
 * @param outcome the worst outcome of the counted (not dry-run) measurements (pass &lt;
 *     inconclusive &lt; error &lt; fail)
 * @param decidedBy the first counted measurement with that outcome, in the order given; empty when
 *     there were no checks or only dry-run ones
 * @param measurements every measurement of the evaluation
 * @param summary one line for status and events
 */
public record GateVerdict(
    Outcome outcome,
    Optional<Measurement> decidedBy,
    List<Measurement> measurements,
    String summary) {

  public GateVerdict {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(decidedBy, "decidedBy");
    measurements = List.copyOf(measurements);
    Objects.requireNonNull(summary, "summary");
  }

  /** The summary of a gate with no checks. */
  public static final String NO_CHECKS =
      "no checks configured: nothing to judge, the gate passes on bake time alone";

  /**
   * Combines the measurements of one evaluation: the worst outcome of those that count (not
   * dry-run) wins.
   */
  public static GateVerdict of(List<Measurement> all) {
    Objects.requireNonNull(all, "measurements");
    if (all.isEmpty()) {
      return new GateVerdict(Outcome.PASS, Optional.empty(), List.of(), NO_CHECKS);
    }
    String dryRun = DryRunNote.of(all);
    List<Measurement> measurements = all.stream().filter(m -> !m.dryRun()).toList();
    if (measurements.isEmpty()) {
      String only =
          all.size() == 1
              ? "pass: the one check is dry-run and does not count"
              : "pass: all " + all.size() + " checks are dry-run and none counts";
      return new GateVerdict(
          Outcome.PASS,
          Optional.empty(),
          all,
          only + ", the gate passes on bake time alone" + dryRun);
    }
    Measurement decisive = measurements.get(0);
    for (Measurement m : measurements) {
      if (m.outcome().ordinal() > decisive.outcome().ordinal()) {
        decisive = m;
      }
    }
    Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
    measurements.forEach(m -> counts.merge(m.outcome(), 1L, Long::sum));
    String tally =
        counts.entrySet().stream()
            .map(e -> e.getValue() + " " + e.getKey().name().toLowerCase())
            .collect(Collectors.joining(", "));
    String checks = measurements.size() + (measurements.size() == 1 ? " check" : " checks");
    String summary =
        decisive.outcome() == Outcome.PASS
            ? "pass: " + (measurements.size() == 1 ? "the one check" : "all " + checks) + " passed"
            : decisive.outcome().name().toLowerCase()
                + ": "
                + decisive.message()
                + " ("
                + checks
                + ": "
                + tally
                + ")";
    return new GateVerdict(decisive.outcome(), Optional.of(decisive), all, summary + dryRun);
  }

  /** Whether the gate had checks and every one of them was dry-run (see the class comment). */
  public boolean onlyDryRun() {
    return !measurements.isEmpty() && measurements.stream().allMatch(Measurement::dryRun);
  }

  /** Whether the gate had no checks at all (see the class comment). */
  public boolean noChecks() {
    return measurements.isEmpty();
  }
}
