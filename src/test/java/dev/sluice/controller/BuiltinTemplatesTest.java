package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.sluice.analysis.Builtins;
import dev.sluice.analysis.Check;
import dev.sluice.analysis.InvalidTemplateException;
import dev.sluice.analysis.Template;
import dev.sluice.analysis.TemplateArg;
import dev.sluice.analysis.TemplateRenderer;
import dev.sluice.analysis.compare.ComparedMetric;
import dev.sluice.analysis.compare.Direction;
import dev.sluice.model.AnalysisTemplate;
import dev.sluice.model.Canary;
import dev.sluice.model.CanarySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every file in {@code analysis-templates/} ships, parses, maps and renders with its defaults. */
class BuiltinTemplatesTest {

  static final Path DIR = Path.of("analysis-templates");
  static final Map<String, String> BUILTINS =
      Builtins.of("shop", "cart", "v2", "v1", "cart-canary");

  static List<String> files() {
    return BuiltinTemplates.FILES;
  }

  /** The compared templates: canary against stable, by the statistical judge. */
  static List<String> comparedFiles() {
    return BuiltinTemplates.FILES.stream().filter(f -> f.endsWith("-compare.yaml")).toList();
  }

  /**
   * The templates that judge Istio's standard metrics against a threshold (all but alerts-firing
   * and the compared ones).
   */
  static List<String> istioFiles() {
    return BuiltinTemplates.FILES.stream()
        .filter(f -> !f.equals("alerts-firing.yaml") && !comparedFiles().contains(f))
        .toList();
  }

  @ParameterizedTest
  @MethodSource("comparedFiles")
  void eachComparedTemplateRendersIntoOneScoredCheckOnBothVersionsDestinationMetrics(String file) {
    Template template = TemplateMapper.toTemplate(BuiltinTemplates.load(file));
    assertThat(template.args()).noneMatch(TemplateArg::isRequired);

    List<Check> checks = TemplateRenderer.render(template, Map.of(), BUILTINS);

    assertThat(checks).singleElement().satisfies(c -> assertThat(c.isCompared()).isTrue());
    Check check = checks.get(0);
    assertThat(check.id()).isEqualTo(template.name() + "/score");
    assertThat(check.compare().metrics()).isNotEmpty();
    for (ComparedMetric m : check.compare().metrics()) {
      assertThat(m.window()).isEqualTo(java.time.Duration.ofMinutes(5));
      assertThat(m.resolution()).isEqualTo(java.time.Duration.ofSeconds(15));
      assertThat(m.settings().minPoints()).isEqualTo(10);
      assertThat(m.settings().direction()).isEqualTo(Direction.INCREASE);
      for (String[] q :
          List.of(
              new String[] {m.canaryQuery(), "v2", "v1"},
              new String[] {m.stableQuery(), "v1", "v2"})) {
        assertThat(q[0])
            .contains(
                "reporter=\"destination\"",
                "destination_workload_namespace=\"shop\"",
                "destination_app=\"cart\"",
                "destination_version=\"" + q[1] + "\"",
                "[1m]")
            .doesNotContain("destination_version=\"" + q[2] + "\"", "{{", "}}");
      }
      assertThat(m.canaryQuery().replace("\"v2\"", "\"v1\"")).isEqualTo(m.stableQuery());
    }
  }

  @Test
  void latencyCompareFailsTenPercentSlowerAndTakesItsArguments() {
    Template template = TemplateMapper.toTemplate(BuiltinTemplates.load("latency-compare.yaml"));
    ComparedMetric m =
        TemplateRenderer.render(template, Map.of(), BUILTINS).get(0).compare().metrics().get(0);
    assertThat(m.settings().minEffect()).isEqualTo(1.1);
    assertThat(m.canaryQuery()).startsWith("histogram_quantile(0.9,");
    ComparedMetric tuned =
        TemplateRenderer.render(
                template,
                Map.of("quantile", "0.99", "lookback", "10m", "step", "30s", "minEffect", "1.25"),
                BUILTINS)
            .get(0)
            .compare()
            .metrics()
            .get(0);
    assertThat(tuned.canaryQuery()).startsWith("histogram_quantile(0.99,");
    assertThat(tuned.window()).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(tuned.resolution()).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(tuned.settings().minEffect()).isEqualTo(1.25);
    assertThatThrownBy(() -> TemplateRenderer.render(template, Map.of("step", "10m"), BUILTINS))
        .hasMessageContaining("longer than compare.window");
    assertThatThrownBy(
            () -> TemplateRenderer.render(template, Map.of("minPoints", "100"), BUILTINS))
        .hasMessageContaining("could never be judged");
  }

  /**
   * Each Istio template's default traffic guard: requests for the HTTP ones, closed connections for
   * the TCP ones. A new template must be added here.
   */
  static final Map<String, Double> DEFAULT_MIN_TRAFFIC =
      Map.of(
          "error-rate", 20.0,
          "error-rate-vs-stable", 20.0,
          "latency-p99", 20.0,
          "tcp-connection-failures", 10.0,
          "tcp-connection-failures-vs-stable", 10.0,
          "tcp-traffic", 1024.0);

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
    assertThat(DEFAULT_MIN_TRAFFIC).containsKey(template.name());

    List<Check> checks = TemplateRenderer.render(template, Map.of(), BUILTINS);

    assertThat(checks).isNotEmpty();
    for (Check check : checks) {
      assertThat(check.hasTrafficGuard()).isTrue();
      assertThat(check.minTraffic()).isEqualTo(DEFAULT_MIN_TRAFFIC.get(template.name()));
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
        .containsOnlyKeys(
            "error-rate",
            "error-rate-vs-stable",
            "latency-p99",
            "alerts-firing",
            "tcp-connection-failures",
            "tcp-connection-failures-vs-stable",
            "tcp-traffic",
            "error-rate-compare",
            "latency-compare");
  }

  // ---- the TCP templates -----------------------------------------------------------------

  static final String CANARY_CLOSED =
      "istio_tcp_connections_closed_total{reporter=\"destination\","
          + "destination_workload_namespace=\"shop\",destination_app=\"cart\","
          + "destination_version=\"v2\"";

  /** A connection failed when Envoy set a flag on it: neither "-" (none) nor empty/absent. */
  static final String FAILED = ",response_flags!=\"-\",response_flags!=\"\"}[1m]";

  @Test
  void tcpConnectionFailuresDividesTheCanarysFlaggedClosedConnectionsByAllItsClosedOnes() {
    Check check = renderBuiltin("tcp-connection-failures", Map.of());

    assertThat(check.id()).isEqualTo("tcp-connection-failures/failed-connection-ratio");
    assertThat(check.max()).hasValue(0.01);
    assertThat(check.min()).isEmpty();
    assertThat(check.minTraffic()).isEqualTo(10);
    String[] parts = check.query().split("\n\\s*/\n");
    assertThat(parts).as("numerator / denominator").hasSize(2);
    // the numerator: the flagged ones, and 0 (not "no data") when none failed
    assertThat(parts[0])
        .contains("sum(rate(" + CANARY_CLOSED + FAILED + "))")
        .containsPattern("\\)\\s*or vector\\(0\\)\\s*\\)\\s*$");
    // the denominator and the guard: every closed connection, whatever its flags
    assertThat(parts[1].strip()).isEqualTo("sum(rate(" + CANARY_CLOSED + "}[1m]))");
    assertThat(check.trafficQuery().strip()).isEqualTo("sum(increase(" + CANARY_CLOSED + "}[1m]))");
    assertThat(check.query() + check.trafficQuery())
        .doesNotContain("connections_opened", "response_flags=\"", "response_flags=~");
  }

  @Test
  void tcpConnectionFailuresTakesTheCanarysThresholds() {
    Check check =
        renderBuiltin(
            "tcp-connection-failures", Map.of("maxRatio", "0.05", "minConnections", "50"));

    assertThat(check.max()).hasValue(0.05);
    assertThat(check.minTraffic()).isEqualTo(50);
  }

  @ParameterizedTest(name = "{0}={1} is refused")
  @MethodSource("badTcpArguments")
  void tcpConnectionFailuresRefusesArgumentsThatAreNotPlainNumbersOrAreUndeclared(
      String arg, String value, String why) {
    assertThatThrownBy(() -> renderBuiltin("tcp-connection-failures", Map.of(arg, value)))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageStartingWith("analysis template \"tcp-connection-failures\"")
        .hasMessageContaining(why);
  }

  static Stream<Arguments> badTcpArguments() {
    return Stream.of(
        Arguments.of("maxRatio", "0.01\"} or vector(1) #", "label value"),
        Arguments.of("maxRatio", "NaN", "number"),
        Arguments.of("minConnections", "ten", "number"),
        Arguments.of("minConnections", "", "label value"),
        // the HTTP templates' guard argument is not this one's: a typo must not fall back
        Arguments.of("minRequests", "10", "minRequests"));
  }

  @Test
  void tcpConnectionFailuresVsStableSubtractsStablesShareCountedTheSameWay() {
    Check check = renderBuiltin("tcp-connection-failures-vs-stable", Map.of());
    Check alone = renderBuiltin("tcp-connection-failures", Map.of());
    String stableClosed = CANARY_CLOSED.replace("\"v2\"", "\"v1\"");

    assertThat(check.id())
        .isEqualTo("tcp-connection-failures-vs-stable/failed-connection-ratio-above-stable");
    assertThat(check.max()).hasValue(0.01);
    assertThat(check.minTraffic()).isEqualTo(10);
    // the guard is on the canary's closed connections, exactly as tcp-connection-failures'
    assertThat(check.trafficQuery()).isEqualTo(alone.trafficQuery());
    assertThat(check.query())
        .contains(
            "sum(rate(" + CANARY_CLOSED + FAILED + "))",
            "sum(rate(" + CANARY_CLOSED + "}[1m]))",
            "sum(rate(" + stableClosed + FAILED + "))",
            // a stable without closed connections counts as a share of 0, not as NaN
            "(sum(rate(" + stableClosed + "}[1m])) > 0)")
        .containsPattern("\\)\\s*or vector\\(0\\)\\s*\\)\\s*$");
    assertThat(
            renderBuiltin("tcp-connection-failures-vs-stable", Map.of("tolerance", "0.05")).max())
        .hasValue(0.05);
    assertThatThrownBy(
            () -> renderBuiltin("tcp-connection-failures-vs-stable", Map.of("maxRatio", "0.05")))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageContaining("maxRatio");
  }

  @Test
  void tcpTrafficIsAGuardOnTheBytesTheCanaryReceivedItsValueCannotFail() {
    Check check = renderBuiltin("tcp-traffic", Map.of());

    assertThat(check.id()).isEqualTo("tcp-traffic/received-bytes");
    String received =
        "sum(increase(istio_tcp_received_bytes_total{reporter=\"destination\","
            + "destination_workload_namespace=\"shop\",destination_app=\"cart\","
            + "destination_version=\"v2\"}[1m]))";
    // too few bytes is the guard's inconclusive; the value (the same count) only has to be >= 0
    assertThat(check.trafficQuery().strip()).isEqualTo(received);
    assertThat(check.minTraffic()).isEqualTo(1024);
    assertThat(check.query().strip()).isEqualTo(received);
    assertThat(check.min()).hasValue(0);
    assertThat(check.max()).isEmpty();

    assertThat(renderBuiltin("tcp-traffic", Map.of("minBytes", "1e6")).minTraffic())
        .isEqualTo(1_000_000);
    assertThatThrownBy(() -> renderBuiltin("tcp-traffic", Map.of("minBytes", "1KiB")))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageContaining("not a finite number");
    assertThatThrownBy(() -> renderBuiltin("tcp-traffic", Map.of("minConnections", "10")))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageContaining("minConnections");
  }

  @Test
  void theReadmesTcpCanaryNamesBuiltInsWithDeclaredArgumentsThatRender() throws IOException {
    String readme = Files.readString(DIR.resolve("README.md"));
    String example =
        Stream.of(readme.split("```"))
            .filter(block -> block.startsWith("yaml") && block.contains("name: tcp-traffic"))
            .findFirst()
            .orElseThrow()
            .substring("yaml".length());
    CanarySpec.AnalysisSpec analysis =
        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(example, Canary.class)
            .getSpec()
            .analysis;

    assertThat(analysis.templates)
        .extracting(ref -> ref.name)
        .containsExactly("tcp-connection-failures", "tcp-traffic");
    for (CanarySpec.TemplateRef ref : analysis.templates) {
      Map<String, String> args = new java.util.HashMap<>();
      ref.args.forEach(a -> args.put(a.name, a.value));
      assertThat(renderBuiltin(ref.name, args).hasTrafficGuard()).isTrue();
    }
  }

  static Check renderBuiltin(String name, Map<String, String> args) {
    List<Check> checks =
        TemplateRenderer.render(BuiltinTemplates.templates().get(name), args, BUILTINS);
    assertThat(checks).hasSize(1);
    return checks.get(0);
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

  @Test
  void theReadmesComparedTemplateExampleIsValidAndRendersIntoOneWeightedScoredCheck()
      throws IOException {
    String readme = Files.readString(DIR.resolve("README.md"));
    String example =
        Stream.of(readme.split("```"))
            .filter(block -> block.startsWith("yaml") && block.contains("name: checkout-compare"))
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
    List<Check> checks = TemplateRenderer.render(template, Map.of(), BUILTINS);
    assertThat(checks).extracting(Check::id).containsExactly("checkout-compare/score");
    var spec = checks.get(0).compare();
    assertThat(spec.scoring().weights())
        .containsEntry("latency", 40.0)
        .containsEntry("errors", 60.0);
    assertThat(spec.metrics())
        .extracting(ComparedMetric::group)
        .containsExactly("latency", "errors");
    assertThat(spec.metrics().get(0).window()).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(spec.metrics().get(0).settings().minPoints()).isEqualTo(15);
    assertThat(spec.metrics().get(1).critical()).isTrue();
    assertThat(spec.metrics().get(1).stableQuery()).contains("destination_version=\"v1\"");
  }
}
