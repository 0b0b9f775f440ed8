package dev.sluice.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Sluice daemon's {@code /q/metrics}, read as Prometheus reads it: series to value. */
public final class DaemonMetrics {
  private DaemonMetrics() {}

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Every sample line ({@code name{labels}} to value); empty when the daemon does not answer. */
  public static Map<String, Double> scrape(URI daemon) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(daemon.resolve("/q/metrics"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? parse(r.body()) : new LinkedHashMap<>();
    } catch (IOException e) {
      return new LinkedHashMap<>(); // the daemon is gone: nothing to read
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new LinkedHashMap<>();
    }
  }

  /** The sample lines of a Prometheus text exposition ({@code name{labels}} to value). */
  public static Map<String, Double> parse(String exposition) {
    Map<String, Double> series = new LinkedHashMap<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      try {
        series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      } catch (RuntimeException e) {
        // not a sample line
      }
    }
    return series;
  }

  /** The sum of the series called {@code name} whose labels contain every one of {@code labels}. */
  public static double sum(Map<String, Double> series, String name, List<String> labels) {
    double total = 0;
    for (Map.Entry<String, Double> e : series.entrySet()) {
      String key = e.getKey();
      boolean named = key.equals(name) || key.startsWith(name + "{");
      if (named && labels.stream().allMatch(key::contains)) {
        total += e.getValue();
      }
    }
    return total;
  }

  /** The value of the series called {@code name} (no labels); NaN when there is none. */
  public static double value(Map<String, Double> series, String name) {
    return series.getOrDefault(name, Double.NaN);
  }

  private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

  /**
   * A histogram of the daemon (a timer with buckets, such as {@code
   * sluice_check_reaction_seconds}): how many observations, their sum, the largest in Micrometer's
   * recent window ({@code _max}), and the cumulative count per bucket bound ({@code le}, +Inf
   * last).
   */
  public record Histogram(double count, double sum, double max, TreeMap<Double, Double> buckets) {

    /** The histogram {@code name} in a scrape; all zero when the daemon did not answer. */
    public static Histogram of(Map<String, Double> series, String name) {
      TreeMap<Double, Double> buckets = new TreeMap<>();
      for (Map.Entry<String, Double> e : series.entrySet()) {
        if (e.getKey().startsWith(name + "_bucket{")) {
          Matcher le = LE.matcher(e.getKey());
          if (le.find()) {
            double bound =
                le.group(1).equals("+Inf")
                    ? Double.POSITIVE_INFINITY
                    : Double.parseDouble(le.group(1));
            buckets.merge(bound, e.getValue(), Double::sum);
          }
        }
      }
      double max = value(series, name + "_max");
      return new Histogram(
          DaemonMetrics.sum(series, name + "_count", List.of()),
          DaemonMetrics.sum(series, name + "_sum", List.of()),
          Double.isNaN(max) ? 0 : max,
          buckets);
    }

    /** What was observed since {@code before} (its {@code max} is this one's: a window's). */
    public Histogram since(Histogram before) {
      TreeMap<Double, Double> b = new TreeMap<>();
      buckets.forEach((le, n) -> b.put(le, n - before.buckets.getOrDefault(le, 0.0)));
      return new Histogram(count - before.count, sum - before.sum, max, b);
    }

    /**
     * The {@code q}-quantile, as Prometheus' {@code histogram_quantile} estimates it: linear within
     * the bucket that holds it (the first bucket from 0), up to {@code max} rather than the
     * bucket's bound when the largest observation is in that bucket. With a single observation,
     * that observation ({@code sum}), exactly. NaN when there is none.
     */
    public double quantile(double q) {
      if (count <= 0) {
        return Double.NaN;
      }
      if (count == 1) {
        return sum;
      }
      double rank = q * count;
      double lower = 0;
      double below = 0;
      for (Map.Entry<Double, Double> e : buckets.entrySet()) {
        double upper = e.getKey();
        double cumulative = e.getValue();
        if (cumulative >= rank && cumulative > below) {
          if (Double.isInfinite(upper)) {
            return max > 0 ? max : lower; // above the last bound: only the max says how far
          }
          // the largest observation, when it is in this bucket, bounds it better than its bound
          double top = max > lower && max < upper ? max : upper;
          return lower + (top - lower) * (rank - below) / (cumulative - below);
        }
        lower = upper;
        below = cumulative;
      }
      return max;
    }

    /** Whether {@link #quantile} gives observed values (one observation), not bucket estimates. */
    public boolean exact() {
      return count == 1;
    }
  }
}
