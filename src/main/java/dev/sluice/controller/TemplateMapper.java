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
        spec.metrics == null
            ? List.of()
            : spec.metrics.stream().map(TemplateMapper::metric).toList();
    return new Template(name, args, metrics);
  }

  private static TemplateMetric metric(AnalysisTemplateSpec.Metric m) {
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
}
