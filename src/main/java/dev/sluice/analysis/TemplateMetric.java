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
 */
public record TemplateMetric(
    String name,
    String query,
    String window,
    String min,
    String max,
    Traffic traffic,
    boolean dryRun) {

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
}
