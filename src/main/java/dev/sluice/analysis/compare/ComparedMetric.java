package dev.sluice.analysis.compare;

import java.time.Duration;
import java.util.Objects;

/**
 * One compared metric, rendered and ready to run: the two range queries and how to judge them.
 *
 * @param name the metric's name inside its template
 * @param canaryQuery the PromQL rendered for the canary's version
 * @param stableQuery the same PromQL rendered for the stable version
 * @param window how far back both samples go (the range query runs from now less this to now)
 * @param resolution the step between two points
 * @param settings how the samples are compared
 * @param critical whether its failure fails the evaluation whatever the score
 * @param group the scoring group it counts in
 */
public record ComparedMetric(
    String name,
    String canaryQuery,
    String stableQuery,
    Duration window,
    Duration resolution,
    CompareSettings settings,
    boolean critical,
    String group) {
  public ComparedMetric {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(canaryQuery, "canaryQuery");
    Objects.requireNonNull(stableQuery, "stableQuery");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(resolution, "resolution");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(group, "group");
    if (resolution.isZero() || resolution.isNegative() || resolution.compareTo(window) > 0) {
      throw new IllegalArgumentException(
          "resolution " + resolution + " must be positive and no longer than window " + window);
    }
  }

  /** The label that tells the canary's series from the stable version's in {@link #promql()}. */
  public static final String PART_LABEL = "sluice_part";

  /** {@link #PART_LABEL}'s value on the canary's series. */
  public static final String PART_CANARY = "canary";

  /** {@link #PART_LABEL}'s value on the stable version's series. */
  public static final String PART_STABLE = "stable";

  /**
   * The one range query to run for this metric: both versions' queries, each series marked with
   * {@link #PART_LABEL}, so that both samples come from one request over the same steps:
   *
   * <pre>
   * label_replace((CANARY), "sluice_part", "canary", "", "")
   *   or label_replace((STABLE), "sluice_part", "stable", "", "")
   * </pre>
   */
  public String promql() {
    return part(canaryQuery, PART_CANARY) + " or " + part(stableQuery, PART_STABLE);
  }

  private static String part(String q, String part) {
    // a '#' comment on the last line would swallow the closing parenthesis: end it with a newline
    String close = q.indexOf('#') >= 0 ? "\n)" : ")";
    return "label_replace(("
        + q
        + close
        + ", \""
        + PART_LABEL
        + "\", \""
        + part
        + "\", \"\", \"\")";
  }

  /** How many points a side has at most: one per step, both ends included. */
  public long maxPoints() {
    return window.toMillis() / resolution.toMillis() + 1;
  }
}
