package dev.sluice.analysis;

import java.util.List;

/**
 * An analysis template as plain data, independent of how it was stored (a namespaced {@code
 * AnalysisTemplate} or a built-in file): its declared arguments and its metrics.
 *
 * @param name the template's name; checks are named {@code <template>/<metric>}
 * @param args the arguments the template declares, with their defaults
 * @param metrics the metrics to check
 */
public record Template(String name, List<TemplateArg> args, List<TemplateMetric> metrics) {
  public Template {
    args = args == null ? List.of() : List.copyOf(args);
    metrics = metrics == null ? List.of() : List.copyOf(metrics);
  }
}
