package dev.sluice.analysis;

import dev.sluice.analysis.QueryResult.Failure;
import dev.sluice.analysis.QueryResult.Sample;
import dev.sluice.analysis.QueryResult.Samples;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns what Prometheus answered for a check's {@link Check#promql()} into a {@link Measurement}.
 * Pure: it sees numbers, never a data source, and the clock is passed in.
 *
 * <p>Rules, in order:
 *
 * <ol>
 *   <li>a {@link Failure} is {@link Outcome#ERROR}, with the provider's reason;
 *   <li>with a traffic guard, no traffic series, a NaN traffic, or fewer requests than the minimum
 *       is {@link Outcome#INCONCLUSIVE} whatever the value: a value over too little traffic is
 *       noise, so it can neither pass nor fail (several traffic series are added up);
 *   <li>no value series is {@link Outcome#INCONCLUSIVE} ("no data");
 *   <li>each value series is judged on its own, the worst wins: NaN is {@link
 *       Outcome#INCONCLUSIVE}; a value below min or above max is {@link Outcome#FAIL} ({@code +Inf}
 *       and {@code -Inf} compare as numbers: a p99 in the {@code +Inf} bucket breaks any max);
 *       otherwise {@link Outcome#PASS}.
 * </ol>
 */
public final class Judge {
  private Judge() {}

  /**
   * Judges one check. A dry-run check is judged by the same rules; its measurement is marked
   * dry-run.
   *
   * @param check the rendered check
   * @param result the answer to {@code check.promql()}
   * @param now when the query was run
   */
  public static Measurement judge(Check check, QueryResult result, Instant now) {
    Measurement m = measure(check, result, now);
    return check.dryRun() ? m.asDryRun() : m;
  }

  private static Measurement measure(Check check, QueryResult result, Instant now) {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(now, "now");
    String id = check.id();
    String promql = check.promql();
    if (result instanceof Failure failure) {
      return new Measurement(
          id,
          Outcome.ERROR,
          OptionalDouble.empty(),
          promql,
          id + ": could not get data from Prometheus: " + failure.reason(),
          now);
    }
    List<Sample> samples = ((Samples) result).samples();

    List<Sample> values = samples;
    String trafficNote = "";
    if (check.hasTrafficGuard()) {
      values = new ArrayList<>();
      List<Sample> traffic = new ArrayList<>();
      for (Sample s : samples) {
        String part = s.labels().get(Check.PART_LABEL);
        if (Check.PART_VALUE.equals(part)) {
          values.add(s);
        } else if (Check.PART_TRAFFIC.equals(part)) {
          traffic.add(s);
        } else {
          // Only a result of some other query can look like this: a wiring bug, never pass it.
          return new Measurement(
              id,
              Outcome.ERROR,
              OptionalDouble.empty(),
              promql,
              id
                  + ": series "
                  + labels(s.labels())
                  + " has no "
                  + Check.PART_LABEL
                  + " label; the answer is not to the check's combined query",
              now);
        }
      }
      String minimum = Values.format(check.minTraffic());
      if (traffic.isEmpty()) {
        return inconclusive(
            check,
            now,
            "no traffic data (the traffic query returned no series); at least "
                + minimum
                + " requests are needed to judge"
                + notJudged(values));
      }
      double requests = traffic.stream().mapToDouble(Sample::value).sum();
      if (Double.isNaN(requests)) {
        return inconclusive(
            check,
            now,
            "traffic is NaN; at least " + minimum + " requests are needed" + notJudged(values));
      }
      if (requests < check.minTraffic()) {
        return inconclusive(
            check,
            now,
            Values.formatAgainst(requests, check.minTraffic())
                + " requests < "
                + minimum
                + " minimum, too little traffic to judge"
                + notJudged(values));
      }
      trafficNote = " (" + Values.formatAgainst(requests, check.minTraffic()) + " requests)";
    }

    if (values.isEmpty()) {
      return inconclusive(check, now, "no data (the query returned no series)" + trafficNote);
    }

    List<Verdict> verdicts = values.stream().map(s -> verdict(check, s)).toList();
    Verdict worst = verdicts.get(0);
    for (Verdict v : verdicts) {
      if (v.outcome.ordinal() > worst.outcome.ordinal()) {
        worst = v;
      }
    }
    String message;
    if (verdicts.size() == 1) {
      message = id + ": " + worst.text + trafficNote;
    } else {
      Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
      verdicts.forEach(v -> counts.merge(v.outcome, 1L, Long::sum));
      message =
          id
              + ": "
              + verdicts.size()
              + " series judged each, worst wins ("
              + counts.entrySet().stream()
                  .map(e -> e.getValue() + " " + e.getKey().name().toLowerCase())
                  .collect(Collectors.joining(", "))
              + "); worst "
              + labels(worst.sample.labels())
              + ": "
              + worst.text
              + trafficNote;
    }
    double v = worst.sample.value();
    return new Measurement(
        id,
        worst.outcome,
        Double.isNaN(v) ? OptionalDouble.empty() : OptionalDouble.of(v),
        promql,
        message,
        now);
  }

  private record Verdict(Sample sample, Outcome outcome, String text) {}

  private static Verdict verdict(Check check, Sample s) {
    double v = s.value();
    if (Double.isNaN(v)) {
      return new Verdict(
          s,
          Outcome.INCONCLUSIVE,
          "value is NaN (nothing to compute it from, e.g. 0/0 with no requests in the window)");
    }
    String value =
        "value "
            + Values.formatAgainst(
                v, check.min().orElse(Double.NaN), check.max().orElse(Double.NaN));
    if (check.min().isPresent() && v < check.min().getAsDouble()) {
      return new Verdict(
          s, Outcome.FAIL, value + " is below min " + Values.format(check.min().getAsDouble()));
    }
    if (check.max().isPresent() && v > check.max().getAsDouble()) {
      return new Verdict(
          s, Outcome.FAIL, value + " is above max " + Values.format(check.max().getAsDouble()));
    }
    return new Verdict(s, Outcome.PASS, value + " meets " + rule(check));
  }

  private static String rule(Check check) {
    List<String> parts = new ArrayList<>();
    check.min().ifPresent(min -> parts.add("min " + Values.format(min)));
    check.max().ifPresent(max -> parts.add("max " + Values.format(max)));
    return String.join(" and ", parts);
  }

  private static Measurement inconclusive(Check check, Instant now, String why) {
    return new Measurement(
        check.id(),
        Outcome.INCONCLUSIVE,
        OptionalDouble.empty(),
        check.promql(),
        check.id() + ": " + why,
        now);
  }

  /** For an inconclusive traffic guard: the value(s) that were there but not judged. */
  private static String notJudged(List<Sample> values) {
    if (values.isEmpty()) {
      return "";
    }
    if (values.size() == 1) {
      return " (value " + Values.formatAgainst(values.get(0).value()) + " not judged)";
    }
    return " (" + values.size() + " value series not judged)";
  }

  /** Labels for people, without the part label Sluice added itself. */
  private static String labels(Map<String, String> labels) {
    return new TreeMap<>(labels)
        .entrySet().stream()
            .filter(e -> !e.getKey().equals(Check.PART_LABEL))
            .map(e -> e.getKey() + "=" + TemplateRenderer.quote(e.getValue()))
            .collect(Collectors.joining(", ", "{", "}"));
  }
}
