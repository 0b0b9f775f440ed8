package dev.sluice.analysis;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An analysis template as plain data, independent of how it was stored (a namespaced {@code
 * AnalysisTemplate} or a built-in file): its declared arguments and its metrics.
 *
 * @param name the template's name; checks are named {@code <template>/<metric>}
 * @param args the arguments the template declares, with their defaults
 * @param metrics the metrics to check
 * @param scoring how the template's compared metrics are scored, or {@code null} for equal weights
 *     and the default thresholds (it is refused on a template without compared metrics)
 */
public record Template(
    String name, List<TemplateArg> args, List<TemplateMetric> metrics, Scoring scoring) {
  public Template {
    args = args == null ? List.of() : List.copyOf(args);
    metrics = metrics == null ? List.of() : List.copyOf(metrics);
  }

  /** A template without scoring settings. */
  public Template(String name, List<TemplateArg> args, List<TemplateMetric> metrics) {
    this(name, args, metrics, null);
  }

  /**
   * How compared metrics are scored, as written (text, variables allowed in the numbers).
   *
   * @param weights each group's weight; empty or {@code null} for equal weights
   * @param pass the lowest passing score, 0-100, or {@code null} for 95
   * @param marginal the lowest score that does not fail, or {@code null} for 75
   */
  public record Scoring(Map<String, String> weights, String pass, String marginal) {
    public Scoring {
      weights =
          weights == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }
  }
}
