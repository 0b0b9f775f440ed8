package dev.sluice.analysis;

import dev.sluice.analysis.compare.CompareSpec;
import java.util.OptionalDouble;

/**
 * One rendered check, ready to run: the PromQL with every variable substituted and validated, the
 * pass rule and the optional minimum-traffic guard.
 *
 * @param template the template the check comes from
 * @param name the metric's name inside its template
 * @param query the rendered PromQL whose value is judged
 * @param min the smallest passing value, if any
 * @param max the largest passing value, if any
 * @param trafficQuery rendered PromQL counting the requests behind the value, or {@code null}
 * @param minTraffic the fewest requests that make the value meaningful (with {@code trafficQuery})
 * @param dryRun whether the check is measured and shown but never counts toward the gate's verdict
 *     (see {@link GateVerdict})
 * @param compare for a template's scored check (its compared metrics, canary against stable), what
 *     to run and how to score it; then {@code query} only shows the canary's queries, and {@code
 *     min}, {@code max} and the traffic guard are empty. {@code null} for a plain check
 */
public record Check(
    String template,
    String name,
    String query,
    OptionalDouble min,
    OptionalDouble max,
    String trafficQuery,
    double minTraffic,
    boolean dryRun,
    CompareSpec compare) {

  /** A plain check (not compared). */
  public Check(
      String template,
      String name,
      String query,
      OptionalDouble min,
      OptionalDouble max,
      String trafficQuery,
      double minTraffic,
      boolean dryRun) {
    this(template, name, query, min, max, trafficQuery, minTraffic, dryRun, null);
  }

  /**
   * A template's scored check: named {@code <template>/}{@value #SCORE_NAME}, its value the score.
   */
  public static Check scored(
      String template, String shownQuery, CompareSpec compare, boolean dryRun) {
    return new Check(
        template,
        SCORE_NAME,
        shownQuery,
        OptionalDouble.empty(),
        OptionalDouble.empty(),
        null,
        0,
        dryRun,
        compare);
  }

  /** The name of a template's scored check, the one check its compared metrics make together. */
  public static final String SCORE_NAME = "score";

  /** Whether this is a template's scored check of compared metrics. */
  public boolean isCompared() {
    return compare != null;
  }

  /** A check that counts toward the gate's verdict (not dry-run). */
  public Check(
      String template,
      String name,
      String query,
      OptionalDouble min,
      OptionalDouble max,
      String trafficQuery,
      double minTraffic) {
    this(template, name, query, min, max, trafficQuery, minTraffic, false);
  }

  /** This check, measured and shown but never counted toward the verdict. */
  public Check asDryRun() {
    return dryRun
        ? this
        : new Check(template, name, query, min, max, trafficQuery, minTraffic, true, compare);
  }

  /** {@code template/name}: how the check is named in status, events and metrics. */
  public String id() {
    return template + "/" + name;
  }

  /** Whether the check has a minimum-traffic guard. */
  public boolean hasTrafficGuard() {
    return trafficQuery != null;
  }

  /** The label that tells the two parts of a guarded check's {@link #promql()} apart. */
  public static final String PART_LABEL = "sluice_part";

  /** {@link #PART_LABEL}'s value on the series of the value query. */
  public static final String PART_VALUE = "value";

  /** {@link #PART_LABEL}'s value on the series of the traffic query. */
  public static final String PART_TRAFFIC = "traffic";

  /**
   * The one PromQL to run for this check at each evaluation. Without a traffic guard it is {@link
   * #query()} itself. With one, both queries go in a single request, so the value and the traffic
   * behind it are read at the same instant from the same data:
   *
   * <pre>
   * label_replace((VALUE), "sluice_part", "value", "", "")
   *   or label_replace((TRAFFIC), "sluice_part", "traffic", "", "")
   * </pre>
   *
   * <p>{@code label_replace} with an empty source label and an empty regex matches every series and
   * adds the part label, so no series of one part can share a label set with one of the other and
   * {@code or} keeps them all. {@link Judge} splits the answer by that label.
   */
  public String promql() {
    if (!hasTrafficGuard()) {
      return query;
    }
    return part(query, PART_VALUE) + " or " + part(trafficQuery, PART_TRAFFIC);
  }

  private static String part(String q, String part) {
    // A PromQL comment ('#' to the end of the line) on the query's last line would swallow the
    // closing parenthesis: end such a query with a newline first. ('#' inside a string literal
    // makes this add a harmless newline.)
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
}
