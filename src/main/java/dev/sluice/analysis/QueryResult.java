package dev.sluice.analysis;

import java.util.List;
import java.util.Map;

/**
 * What a metric provider answered for one query, as plain data: the judge sees numbers, never a
 * data source.
 */
public sealed interface QueryResult {

  /** One series of an instant vector (or a scalar, with no labels). */
  record Sample(Map<String, String> labels, double value) {
    public Sample {
      labels = Map.copyOf(labels);
    }
  }

  /** A successful answer: zero or more samples (an empty list is "no data"). */
  record Samples(List<Sample> samples) implements QueryResult {
    public Samples {
      samples = List.copyOf(samples);
    }
  }

  /**
   * One series of a range query's answer (a {@code matrix}): its labels and its values at each
   * step, oldest first. Steps where the series had no value are absent, not NaN.
   */
  record Series(Map<String, String> labels, List<Double> values) {
    public Series {
      labels = Map.copyOf(labels);
      values = List.copyOf(values);
    }

    /** The values as an array, for the statistics. */
    public double[] points() {
      return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
  }

  /** A successful answer to a range query: zero or more series. */
  record Matrix(List<Series> series) implements QueryResult {
    public Matrix {
      series = List.copyOf(series);
    }
  }

  /**
   * The provider could not produce data: unreachable, timed out, an HTTP error, a malformed answer
   * or a query Prometheus rejected. {@code reason} is for people.
   */
  record Failure(String reason) implements QueryResult {}
}
