package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.analysis.Builtins;
import dev.sluice.analysis.Check;
import dev.sluice.analysis.InvalidTemplateException;
import dev.sluice.analysis.Template;
import dev.sluice.analysis.TemplateArg;
import dev.sluice.analysis.TemplateMetric;
import dev.sluice.analysis.TemplateRenderer;
import dev.sluice.model.AnalysisTemplate;
import dev.sluice.model.Arg;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class TemplateMapperTest {

  static AnalysisTemplate fixture(String name) throws Exception {
    try (InputStream in = TemplateMapperTest.class.getResourceAsStream("/controller/" + name)) {
      return Serialization.unmarshal(in, AnalysisTemplate.class);
    }
  }

  @Test
  void mapsEveryFieldAsWritten() throws Exception {
    Template t = TemplateMapper.toTemplate(fixture("custom-template.yaml"));

    assertThat(t.name()).isEqualTo("checkout-success");
    assertThat(t.args())
        .containsExactly(
            TemplateArg.required("route"), TemplateArg.withDefault("minSuccess", "0.995"));
    assertThat(t.metrics()).hasSize(2);
    TemplateMetric success = t.metrics().get(0);
    assertThat(success.name()).isEqualTo("success-ratio");
    assertThat(success.window()).isNull();
    assertThat(success.min()).isEqualTo("{{ minSuccess }}");
    assertThat(success.max()).isNull();
    assertThat(success.traffic()).isNull();
    TemplateMetric queue = t.metrics().get(1);
    assertThat(queue.window()).isEqualTo("5m");
    assertThat(queue.traffic())
        .isEqualTo(
            new TemplateMetric.Traffic(
                "sum(increase(checkout_total{namespace=\"{{ namespace }}\"}[{{ window }}]))",
                "50"));
  }

  @Test
  void aMetricsDryRunIsMappedAndAbsentMeansNo() throws Exception {
    AnalysisTemplate resource = fixture("custom-template.yaml");
    resource.getSpec().metrics.get(1).dryRun = true;

    Template t = TemplateMapper.toTemplate(resource);

    assertThat(t.metrics()).extracting(TemplateMetric::dryRun).containsExactly(false, true);
  }

  @Test
  void aMappedTemplateRendersWithTheCanarysArguments() throws Exception {
    Template t = TemplateMapper.toTemplate(fixture("custom-template.yaml"));
    Map<String, String> args = TemplateMapper.args(List.of(new Arg("route", "pay")));

    List<Check> checks =
        TemplateRenderer.render(t, args, Builtins.of("shop", "checkout", "v2", "v1", "checkout"));

    assertThat(checks.get(0).query())
        .isEqualTo(
            "sum(rate(checkout_total{namespace=\"shop\",route=\"pay\",outcome=\"ok\"}[1m]))\n/\n"
                + "sum(rate(checkout_total{namespace=\"shop\",route=\"pay\"}[1m]))");
    assertThat(checks.get(0).min()).isEqualTo(OptionalDouble.of(0.995));
    assertThat(checks.get(1).trafficQuery())
        .isEqualTo("sum(increase(checkout_total{namespace=\"shop\"}[5m]))");
    assertThat(checks.get(1).minTraffic()).isEqualTo(50);
  }

  @Test
  void aMissingPassRuleIsReportedByTheRenderer() throws Exception {
    Template t = TemplateMapper.toTemplate(fixture("template-without-pass-rule.yaml"));
    assertThatThrownBy(
            () -> TemplateRenderer.render(t, Map.of(), Builtins.of("a", "b", "c", "d", "e")))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessage(
            "analysis template \"no-rule\", metric \"anything\": the pass rule needs pass.min,"
                + " pass.max or both");
  }

  @Test
  void aResourceWithoutSpecOrNameIsInvalid() {
    AnalysisTemplate noSpec = new AnalysisTemplate();
    noSpec.getMetadata().setName("empty");
    assertThatThrownBy(() -> TemplateMapper.toTemplate(noSpec))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageContaining("spec is missing");
    assertThatThrownBy(() -> TemplateMapper.toTemplate(new AnalysisTemplate()))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageContaining("metadata.name is missing");
  }
}
