package dev.sluice.controller;

import dev.sluice.analysis.InvalidTemplateException;
import dev.sluice.analysis.Template;
import dev.sluice.analysis.TemplateArg;
import dev.sluice.analysis.TemplateMetric;
import dev.sluice.model.AnalysisTemplate;
import dev.sluice.model.AnalysisTemplateSpec;
import dev.sluice.model.Arg;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps the {@code AnalysisTemplate} resource onto the pure {@link Template} the analysis package
 * renders. Copies strings only; every rule is checked by the renderer.
 */
public final class TemplateMapper {
  private TemplateMapper() {}

  /**
   * @throws InvalidTemplateException when the resource has no name or no spec
   */
  public static Template toTemplate(AnalysisTemplate resource) {
    String name = resource.getMetadata() == null ? null : resource.getMetadata().getName();
    if (name == null || name.isBlank()) {
      throw new InvalidTemplateException(String.valueOf(name), null, "metadata.name is missing");
    }
    AnalysisTemplateSpec spec = resource.getSpec();
    if (spec == null) {
      throw new InvalidTemplateException(name, null, "spec is missing");
    }
    List<TemplateArg> args =
        spec.args == null
            ? List.of()
            : spec.args.stream().map(a -> new TemplateArg(a.name, a.value)).toList();
    List<TemplateMetric> metrics =
        spec.metrics == null ? List.of() : spec.metrics.stream().map(m -> metric(name, m)).toList();
    return new Template(name, args, metrics, scoring(name, spec.scoring));
  }

  private static Template.Scoring scoring(String template, AnalysisTemplateSpec.Scoring s) {
    if (s == null) {
      return null;
    }
    Map<String, String> weights = new LinkedHashMap<>();
    if (s.groups != null) {
      for (AnalysisTemplateSpec.GroupWeight g : s.groups) {
        if (weights.put(g.name, g.weight) != null) {
          throw new InvalidTemplateException(
              template, null, "group " + g.name + " is weighted twice in scoring.groups");
        }
      }
    }
    return new Template.Scoring(weights, s.pass, s.marginal);
  }

  private static TemplateMetric metric(String template, AnalysisTemplateSpec.Metric m) {
    if (m.compare != null) {
      AnalysisTemplateSpec.Compare c = m.compare;
      if (m.query != null || m.window != null || m.pass != null || m.traffic != null) {
        throw new InvalidTemplateException(
            template,
            m.name,
            "a compared metric has no query, window, pass or traffic of its own: its query, window"
                + " and settings go in compare");
      }
      return TemplateMetric.compared(m.name, compare(c), Boolean.TRUE.equals(m.dryRun));
    }
    String min = m.pass == null ? null : m.pass.min;
    String max = m.pass == null ? null : m.pass.max;
    TemplateMetric.Traffic traffic =
        m.traffic == null ? null : new TemplateMetric.Traffic(m.traffic.query, m.traffic.min);
    return new TemplateMetric(
        m.name, m.query, m.window, min, max, traffic, Boolean.TRUE.equals(m.dryRun));
  }

  /** A Canary's arguments for one template as a map, for {@code TemplateRenderer#render}. */
  public static Map<String, String> args(List<Arg> args) {
    Map<String, String> map = new LinkedHashMap<>();
    if (args != null) {
      for (Arg a : args) {
        map.put(a.name, a.value);
      }
    }
    return map;
  }

  private static TemplateMetric.Compare compare(AnalysisTemplateSpec.Compare c) {
    return new TemplateMetric.Compare(
        c.query,
        c.window,
        c.resolution,
        c.confidence,
        c.minEffect,
        c.direction,
        c.nanStrategy,
        c.outliers,
        c.minPoints,
        Boolean.TRUE.equals(c.critical),
        c.group);
  }
}
