package dev.sluice.analysis;

/**
 * A template cannot be rendered with the arguments given: a missing or undeclared argument, a value
 * that is not a safe label value, a placeholder naming nothing, a bad window or pass rule. The
 * message names the template, the metric (when the problem is in one) and the problem, so it can go
 * straight into a status condition or an event.
 *
 * <p>Unchecked: a bad template is a configuration error the caller reports, not something it can
 * recover from by retrying.
 */
public class InvalidTemplateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String template;
  private final String metric;
  private final String problem;

  /**
   * @param template the template's name
   * @param metric the metric's name, or {@code null} when the problem is the template's as a whole
   * @param problem what is wrong, in words a person can act on
   */
  public InvalidTemplateException(String template, String metric, String problem) {
    super(format(template, metric, problem));
    this.template = template;
    this.metric = metric;
    this.problem = problem;
  }

  private static String format(String template, String metric, String problem) {
    return "analysis template \""
        + template
        + "\""
        + (metric == null ? "" : ", metric \"" + metric + "\"")
        + ": "
        + problem;
  }

  /** The template's name. */
  public String template() {
    return template;
  }

  /** The metric's name, or {@code null} when the problem concerns the whole template. */
  public String metric() {
    return metric;
  }

  /** The problem alone, without the template and metric names. */
  public String problem() {
    return problem;
  }
}
