package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.sluice.analysis.Builtins;
import dev.sluice.analysis.Check;
import dev.sluice.analysis.Template;
import dev.sluice.analysis.TemplateArg;
import dev.sluice.analysis.TemplateRenderer;
import dev.sluice.model.AnalysisTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every file in {@code analysis-templates/} ships, parses, maps and renders with its defaults. */
class BuiltinTemplatesTest {

  static final Path DIR = Path.of("analysis-templates");
  static final Map<String, String> BUILTINS =
      Builtins.of("shop", "cart", "v2", "v1", "cart-canary");

  static List<String> files() {
    return BuiltinTemplates.FILES;
  }

  /** The templates that judge Istio's request metrics (all but alerts-firing). */
  static List<String> istioFiles() {
    return BuiltinTemplates.FILES.stream().filter(f -> !f.equals("alerts-firing.yaml")).toList();
  }

  @Test
  void theFixedListIsExactlyTheDirectorysYamlFiles() throws IOException {
    try (Stream<Path> listing = Files.list(DIR)) {
      List<String> onDisk =
          listing
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml"))
              .sorted()
              .toList();
      assertThat(BuiltinTemplates.FILES).containsExactlyInAnyOrderElementsOf(onDisk);
    }
  }

  @ParameterizedTest
  @MethodSource("files")
  void eachFileIsOnTheClasspathAndNamedAfterItsFile(String file) {
    AnalysisTemplate resource = BuiltinTemplates.load(file);

    assertThat(resource.getMetadata().getName()).isEqualTo(file.replace(".yaml", ""));
    assertThat(resource.getMetadata().getNamespace()).as("kubectl apply puts it anywhere").isNull();
  }

  @ParameterizedTest
  @MethodSource("istioFiles")
  void eachTemplateRendersWithItsDefaultsAndSelectsTheCanaryOnDestinationMetrics(String file) {
    Template template = TemplateMapper.toTemplate(BuiltinTemplates.load(file));
    assertThat(template.args()).noneMatch(TemplateArg::isRequired);

    List<Check> checks = TemplateRenderer.render(template, Map.of(), BUILTINS);

    assertThat(checks).isNotEmpty();
    for (Check check : checks) {
      assertThat(check.hasTrafficGuard()).isTrue();
      assertThat(check.minTraffic()).isEqualTo(20);
      for (String query : List.of(check.query(), check.trafficQuery())) {
        assertThat(query)
            .contains(
                "reporter=\"destination\"",
                "destination_workload_namespace=\"shop\"",
                "destination_app=\"cart\"",
                "destination_version=\"v2\"",
                "[1m]")
            .doesNotContain("{{", "}}");
      }
    }
  }

  @Test
  void templatesAreKeyedByName() {
    assertThat(BuiltinTemplates.templates())
        .containsOnlyKeys("error-rate", "error-rate-vs-stable", "latency-p99", "alerts-firing");
  }

  @Test
  void alertsFiringCountsTheFiringAlertsAboutTheCanaryAndPassesOnNone() {
    Template template = TemplateMapper.toTemplate(BuiltinTemplates.load("alerts-firing.yaml"));
    assertThat(template.args()).isEmpty();

    List<Check> checks = TemplateRenderer.render(template, Map.of(), BUILTINS);

    assertThat(checks).hasSize(1);
    Check check = checks.get(0);
    assertThat(check.hasTrafficGuard()).isFalse();
    assertThat(check.max()).hasValue(0);
    assertThat(check.query())
        .contains(
            "ALERTS{alertstate=\"firing\",sluice_canary=\"shop/cart-canary\"}",
            "sluice_canary=\"\",namespace=\"shop\",app=\"cart\"}",
            "namespace=\"shop\",app=\"\",service=\"cart\"}")
        // no series (no alert at all) must be 0, a pass, not "no data"
        .endsWith("or vector(0)")
        .doesNotContain("{{", "}}");
  }

  // ---- the files are valid against the CRD's own schema (what kubectl apply would check) ----

  static Schema crdSchema() throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    Path crd = Path.of("target/classes/META-INF/fabric8/analysistemplates.sluice.dev-v1.yml");
    JsonNode openApi = yaml.readTree(crd.toFile()).at("/spec/versions/0/schema/openAPIV3Schema");
    assertThat(openApi.isMissingNode()).as("generated CRD at " + crd).isFalse();
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(openApi);
  }

  @ParameterizedTest
  @MethodSource("files")
  void eachFileIsValidAgainstTheGeneratedCrdSchema(String file) throws IOException {
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(DIR.resolve(file).toFile());
    List<Error> errors = crdSchema().validate(doc);
    assertThat(errors).extracting(Error::getMessage).isEmpty();
  }

  @Test
  void theSchemaCheckDoesRefuseABadFile() throws IOException {
    JsonNode doc =
        new ObjectMapper(new YAMLFactory())
            .readTree(
                BuiltinTemplatesTest.class.getResource(
                    "/controller/template-with-bad-window.yaml"));
    assertThat(crdSchema().validate(doc)).extracting(Error::getMessage).isNotEmpty();
  }

  @Test
  void theReadmesOwnTemplateExampleIsValidAndRenders() throws IOException {
    String readme = Files.readString(DIR.resolve("README.md"));
    String example =
        Stream.of(readme.split("```"))
            .filter(block -> block.startsWith("yaml") && block.contains("name: grpc-errors"))
            .findFirst()
            .orElseThrow()
            .substring("yaml".length());

    assertThat(crdSchema().validate(new ObjectMapper(new YAMLFactory()).readTree(example)))
        .extracting(Error::getMessage)
        .isEmpty();
    Template template =
        TemplateMapper.toTemplate(
            io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                example, AnalysisTemplate.class));
    List<Check> checks = TemplateRenderer.render(template, Map.of("service", "payments"), BUILTINS);
    assertThat(checks.get(0).query())
        .contains("destination_service_name=\"payments\"", "[2m]")
        .doesNotContain("{{");
  }
}
