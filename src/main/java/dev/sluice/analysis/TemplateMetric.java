package dev.sluice.analysis;

/**
 * One metric of a template, as written: every field is still text with {@code {{ variables }}} in
 * it. {@link TemplateRenderer} turns it into a {@link Check}.
 *
 * @param name the metric's name inside its template
 * @param query PromQL returning the value to judge
 * @param window the range the query looks back over, available as {@code {{ window }}}; {@code
 *     null} means {@value TemplateRenderer#DEFAULT_WINDOW}
 * @param min the smallest passing value (number or variable), or {@code null}
 * @param max the largest passing value (number or variable), or {@code null}
 * @param traffic the minimum-traffic guard, or {@code null} for none
 * @param dryRun whether the metric's check is dry-run: measured and shown, never counted toward the
 *     gate's verdict
 * @param compare for a compared metric (canary against stable, see {@link Compare}) its settings,
 *     and then {@code query}, {@code window}, {@code min}, {@code max} and {@code traffic} are
 *     {@code null}; {@code null} for a plain check
 */
public record TemplateMetric(
    String name,
    String query,
    String window,
    String min,
    String max,
    Traffic traffic,
    boolean dryRun,
    Compare compare) {

  /** A plain metric (not compared). */
  public TemplateMetric(
      String name,
      String query,
      String window,
      String min,
      String max,
      Traffic traffic,
      boolean dryRun) {
    this(name, query, window, min, max, traffic, dryRun, null);
  }

  /** A compared metric. */
  public static TemplateMetric compared(String name, Compare compare, boolean dryRun) {
    return new TemplateMetric(name, null, null, null, null, null, dryRun, compare);
  }

  /** A metric whose check counts toward the verdict (not dry-run). */
  public TemplateMetric(
      String name, String query, String window, String min, String max, Traffic traffic) {
    this(name, query, window, min, max, traffic, false);
  }

  /**
   * The minimum-traffic guard: when {@code query} counts fewer than {@code min} requests, the value
   * is not judged and the check is inconclusive.
   *
   * @param query PromQL counting the requests behind the value over the window
   * @param min the fewest requests that make the value meaningful (number or variable)
   */
  public record Traffic(String query, String min) {}

  /**
   * A compared metric: {@code query} is rendered twice, with {@code {{ version }}} the canary's and
   * the stable version's, and run as a range query over the same window; the two samples are
   * compared by the statistical judge ({@code analysis.compare}). Every field is text, variables
   * allowed; {@code null} means the default.
   *
   * @param query PromQL giving one series, with {@code {{ version }}} in it
   * @param window how far back the samples go (default {@value
   *     TemplateRenderer#DEFAULT_COMPARE_WINDOW})
   * @param resolution the step between points (default {@value
   *     TemplateRenderer#DEFAULT_RESOLUTION})
   * @param confidence the test's confidence level, in (0, 1) (default 0.95)
   * @param minEffect the smallest ratio of medians that counts, at least 1 (default 1)
   * @param direction {@code increase}, {@code decrease} or {@code either} is bad (default increase)
   * @param nanStrategy {@code remove} or {@code zero} (default remove)
   * @param outliers {@code none} or {@code iqr} (default none)
   * @param minPoints the fewest points per side (default 10)
   * @param critical {@code true} when its failure fails the evaluation whatever the score
   * @param group the scoring group it counts in (default: the metric's name)
   */
  public record Compare(
      String query,
      String window,
      String resolution,
      String confidence,
      String minEffect,
      String direction,
      String nanStrategy,
      String outliers,
      String minPoints,
      boolean critical,
      String group) {}
}
