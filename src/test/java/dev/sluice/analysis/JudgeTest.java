package dev.sluice.analysis;

import static dev.sluice.analysis.Outcome.ERROR;
import static dev.sluice.analysis.Outcome.FAIL;
import static dev.sluice.analysis.Outcome.INCONCLUSIVE;
import static dev.sluice.analysis.Outcome.PASS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.analysis.QueryResult.Failure;
import dev.sluice.analysis.QueryResult.Sample;
import dev.sluice.analysis.QueryResult.Samples;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The outcome table of docs/architecture.md, "Check outcomes", for one measurement. */
class JudgeTest {

  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final double INF = Double.POSITIVE_INFINITY;
  static final double NAN = Double.NaN;

  /** error-rate/ratio: max 0.01, no guard. */
  static final Check MAX =
      new Check(
          "error-rate", "ratio", "q", OptionalDouble.empty(), OptionalDouble.of(0.01), null, 0);

  /** success/ratio: min 0.99, no guard. */
  static final Check MIN =
      new Check("success", "ratio", "q", OptionalDouble.of(0.99), OptionalDouble.empty(), null, 0);

  /** range/x: min 1, max 2, no guard. */
  static final Check RANGE =
      new Check("range", "x", "q", OptionalDouble.of(1), OptionalDouble.of(2), null, 0);

  /** latency/p99: max 500, at least 20 requests. */
  static final Check GUARDED =
      new Check("latency", "p99", "v", OptionalDouble.empty(), OptionalDouble.of(500), "t", 20);

  static Samples values(double... values) {
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      samples.add(new Sample(values.length == 1 ? Map.of() : Map.of("pod", "p" + i), values[i]));
    }
    return new Samples(samples);
  }

  static Sample value(double v) {
    return new Sample(Map.of(Check.PART_LABEL, Check.PART_VALUE), v);
  }

  static Sample traffic(double v) {
    return new Sample(Map.of(Check.PART_LABEL, Check.PART_TRAFFIC), v);
  }

  static Samples guarded(Sample... samples) {
    return new Samples(List.of(samples));
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // outcome: error
        Arguments.of(
            "Prometheus unreachable",
            MAX,
            new Failure("connection refused"),
            ERROR,
            "could not get data from Prometheus: connection refused"),
        Arguments.of(
            "guarded, Prometheus rejected the query",
            GUARDED,
            new Failure("HTTP 400: parse error"),
            ERROR,
            "HTTP 400: parse error"),
        // outcome: inconclusive
        Arguments.of("no series", MAX, values(), INCONCLUSIVE, "error-rate/ratio: no data"),
        Arguments.of("NaN", MAX, values(NAN), INCONCLUSIVE, "value is NaN"),
        Arguments.of("NaN against min", MIN, values(NAN), INCONCLUSIVE, "value is NaN"),
        Arguments.of(
            "traffic below minimum, good value",
            GUARDED,
            guarded(value(100), traffic(12)),
            INCONCLUSIVE,
            "latency/p99: 12 requests < 20 minimum"),
        Arguments.of(
            "traffic below minimum, bad value: still not a fail",
            GUARDED,
            guarded(value(9000), traffic(12)),
            INCONCLUSIVE,
            "12 requests < 20 minimum, too little traffic to judge (value 9000 not judged)"),
        Arguments.of(
            "traffic series missing",
            GUARDED,
            guarded(value(100)),
            INCONCLUSIVE,
            "no traffic data"),
        Arguments.of(
            "nothing at all, guarded", GUARDED, guarded(), INCONCLUSIVE, "no traffic data"),
        Arguments.of(
            "traffic zero",
            GUARDED,
            guarded(value(NAN), traffic(0)),
            INCONCLUSIVE,
            "0 requests < 20 minimum"),
        Arguments.of(
            "traffic NaN",
            GUARDED,
            guarded(value(100), traffic(NAN)),
            INCONCLUSIVE,
            "traffic is NaN"),
        Arguments.of(
            "enough traffic, no value",
            GUARDED,
            guarded(traffic(300)),
            INCONCLUSIVE,
            "no data (the query returned no series) (300 requests)"),
        Arguments.of(
            "enough traffic, NaN value",
            GUARDED,
            guarded(value(NAN), traffic(300)),
            INCONCLUSIVE,
            "value is NaN"),
        Arguments.of(
            "fractional traffic just below",
            GUARDED,
            guarded(value(1), traffic(19.5)),
            INCONCLUSIVE,
            "19.5 requests < 20 minimum"),
        // outcome: fail
        Arguments.of(
            "above max", MAX, values(0.25), FAIL, "error-rate/ratio: value 0.25 is above max 0.01"),
        Arguments.of("below min", MIN, values(0.5), FAIL, "value 0.5 is below min 0.99"),
        Arguments.of(
            "just above max", MAX, values(0.0100001), FAIL, "value 0.0100001 is above max 0.01"),
        Arguments.of(
            "a hair above max is printed in full",
            MAX,
            values(0.010000001),
            FAIL,
            "value 0.010000001 is above max 0.01"),
        Arguments.of(
            "a hair below the traffic minimum is printed in full",
            GUARDED,
            guarded(value(1), traffic(19.9999999)),
            INCONCLUSIVE,
            "19.9999999 requests < 20 minimum"),
        Arguments.of(
            "rates are shortened",
            GUARDED,
            guarded(value(24.849999999999998), traffic(190.79798702559998)),
            PASS,
            "value 24.85 meets max 500 (190.798 requests)"),
        Arguments.of(
            "+Inf against max (p99 in the +Inf bucket)",
            GUARDED,
            guarded(value(INF), traffic(300)),
            FAIL,
            "value +Inf is above max 500 (300 requests)"),
        Arguments.of("-Inf against min", MIN, values(-INF), FAIL, "value -Inf is below min 0.99"),
        Arguments.of("below a range", RANGE, values(0.5), FAIL, "below min 1"),
        Arguments.of("above a range", RANGE, values(3), FAIL, "above max 2"),
        Arguments.of(
            "guarded, enough traffic, too slow",
            GUARDED,
            guarded(value(2485), traffic(1200)),
            FAIL,
            "latency/p99: value 2485 is above max 500 (1200 requests)"),
        // outcome: pass
        Arguments.of(
            "zero errors", MAX, values(0), PASS, "error-rate/ratio: value 0 meets max 0.01"),
        Arguments.of("at max (inclusive)", MAX, values(0.01), PASS, "value 0.01 meets max 0.01"),
        Arguments.of("at min (inclusive)", MIN, values(0.99), PASS, "meets min 0.99"),
        Arguments.of("+Inf against min only", MIN, values(INF), PASS, "value +Inf meets min 0.99"),
        Arguments.of("in a range", RANGE, values(1.5), PASS, "value 1.5 meets min 1 and max 2"),
        Arguments.of(
            "guarded, traffic exactly the minimum",
            GUARDED,
            guarded(traffic(20), value(120)),
            PASS,
            "value 120 meets max 500 (20 requests)"),
        Arguments.of(
            "guarded, traffic in two series is added up",
            GUARDED,
            guarded(value(120), traffic(12), traffic(12)),
            PASS,
            "(24 requests)"),
        // several value series: each judged, worst wins
        Arguments.of(
            "two series, one breaks the rule",
            MAX,
            values(0, 0.5),
            FAIL,
            "2 series judged each, worst wins (1 pass, 1 fail); worst {pod=\"p1\"}: value 0.5 is above max 0.01"),
        Arguments.of(
            "two series, one NaN",
            MAX,
            values(0, NAN),
            INCONCLUSIVE,
            "(1 pass, 1 inconclusive); worst {pod=\"p1\"}: value is NaN"),
        Arguments.of(
            "three series, NaN and fail",
            MAX,
            values(NAN, 0.5, 0),
            FAIL,
            "3 series judged each, worst wins (1 pass, 1 inconclusive, 1 fail)"),
        Arguments.of(
            "two series, both pass",
            MAX,
            values(0, 0.001),
            PASS,
            "2 series judged each, worst wins (2 pass); worst {pod=\"p0\"}: value 0 meets max 0.01"),
        // a guarded check's answer must come from its combined query
        Arguments.of(
            "guarded, series without part label",
            GUARDED,
            new Samples(List.of(new Sample(Map.of(), 1))),
            ERROR,
            "has no sluice_part label"));
  }

  @ParameterizedTest(name = "{0} -> {3}")
  @MethodSource("table")
  void outcomeTable(
      String name, Check check, QueryResult result, Outcome expected, String message) {
    Measurement m = Judge.judge(check, result, NOW);

    assertThat(m.outcome()).isEqualTo(expected);
    assertThat(m.message()).contains(message).startsWith(check.id() + ": ");
    assertThat(m.check()).isEqualTo(check.id());
    assertThat(m.query()).isEqualTo(check.promql());
    assertThat(m.at()).isEqualTo(NOW);
  }

  @Test
  void theMeasurementCarriesTheDecidingValue() {
    assertThat(Judge.judge(MAX, values(0.25), NOW).value()).isEqualTo(OptionalDouble.of(0.25));
    assertThat(Judge.judge(MAX, values(0, 0.5, 0.002), NOW).value())
        .isEqualTo(OptionalDouble.of(0.5));
    assertThat(Judge.judge(GUARDED, guarded(value(120), traffic(20)), NOW).value())
        .isEqualTo(OptionalDouble.of(120));
    assertThat(Judge.judge(MAX, values(NAN), NOW).value()).isEmpty();
    assertThat(Judge.judge(MAX, values(), NOW).value()).isEmpty();
    assertThat(Judge.judge(MAX, new Failure("x"), NOW).value()).isEmpty();
    assertThat(Judge.judge(GUARDED, guarded(value(9000), traffic(1)), NOW).value()).isEmpty();
  }

  @Test
  void theSeriesLabelsAreShownWithoutThePartLabel() {
    Measurement m =
        Judge.judge(
            GUARDED,
            guarded(
                new Sample(Map.of(Check.PART_LABEL, Check.PART_VALUE, "pod", "a"), 1),
                new Sample(Map.of(Check.PART_LABEL, Check.PART_VALUE, "pod", "b"), 900),
                traffic(100)),
            NOW);
    assertThat(m.outcome()).isEqualTo(FAIL);
    assertThat(m.message()).contains("worst {pod=\"b\"}").doesNotContain("sluice_part");
  }

  // ---- generated inputs -----------------------------------------------------------------

  static final double[] SPECIAL = {0, -0.0, 20, 19.999, 500, 500.0001, INF, -INF, NAN, 1e-300};

  static double randomDouble(Random r) {
    return r.nextInt(4) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (r.nextDouble() - 0.2) * 1000;
  }

  static Stream<Arguments> generated() {
    Random r = new Random(Long.getLong("sluice.test.seed", 7L));
    List<Arguments> cases = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      List<Sample> samples = new ArrayList<>();
      int nValues = r.nextInt(3);
      for (int v = 0; v < nValues; v++) {
        samples.add(
            new Sample(Map.of(Check.PART_LABEL, Check.PART_VALUE, "i", "" + v), randomDouble(r)));
      }
      if (r.nextInt(5) != 0) {
        samples.add(traffic(Math.abs(randomDouble(r))));
      }
      cases.add(Arguments.of(new Samples(samples)));
    }
    return cases.stream();
  }

  /** PASS exactly when there is enough traffic and every value is a number within the rule. */
  @ParameterizedTest
  @MethodSource("generated")
  void passOnlyWithEnoughTrafficAndEveryValueWithinTheRule(Samples result) {
    Measurement m = Judge.judge(GUARDED, result, NOW);

    List<Double> values = new ArrayList<>();
    double requests = 0;
    boolean anyTraffic = false;
    for (Sample s : result.samples()) {
      if (s.labels().get(Check.PART_LABEL).equals(Check.PART_TRAFFIC)) {
        requests += s.value();
        anyTraffic = true;
      } else {
        values.add(s.value());
      }
    }
    boolean enoughTraffic = anyTraffic && requests >= 20; // false for NaN
    boolean anyBreaks = values.stream().anyMatch(v -> v > 500);
    boolean allPass = !values.isEmpty() && values.stream().allMatch(v -> v <= 500); // NaN fails <=

    Outcome expected =
        !enoughTraffic ? INCONCLUSIVE : anyBreaks ? FAIL : allPass ? PASS : INCONCLUSIVE;
    assertThat(m.outcome()).as(m.message()).isEqualTo(expected);
    assertThat(m.outcome()).isNotEqualTo(ERROR);
  }
}
