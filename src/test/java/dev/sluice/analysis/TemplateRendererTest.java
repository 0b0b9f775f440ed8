package dev.sluice.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TemplateRendererTest {

  static final Map<String, String> BUILTINS = Builtins.of("shop", "cart", "v2", "v1", "cart");

  static final String SELECTOR =
      "x{ns=\"{{ namespace }}\",app=\"{{app}}\",v=\"{{  canaryVersion  }}\"}[{{ window }}]";

  static TemplateMetric metric(String name, String query, String window, String min, String max) {
    return new TemplateMetric(name, query, window, min, max, null);
  }

  static Template template(List<TemplateArg> args, TemplateMetric... metrics) {
    return new Template("t", args, List.of(metrics));
  }

  static Check renderOne(Template template, Map<String, String> args) {
    List<Check> checks = TemplateRenderer.render(template, args, BUILTINS);
    assertThat(checks).hasSize(1);
    return checks.get(0);
  }

  static void assertInvalid(Template template, Map<String, String> args, String... fragments) {
    assertThatThrownBy(() -> TemplateRenderer.render(template, args, BUILTINS))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageStartingWith("analysis template \"t\"")
        .hasMessageContainingAll(fragments);
  }

  @Test
  void substitutesBuiltinsAndTheDefaultWindowWithOrWithoutSpaces() {
    Check check =
        renderOne(
            template(List.of(), metric("m", "sum(rate(" + SELECTOR + "))", null, null, "1")),
            Map.of());

    assertThat(check.query()).isEqualTo("sum(rate(x{ns=\"shop\",app=\"cart\",v=\"v2\"}[1m]))");
    assertThat(check.template()).isEqualTo("t");
    assertThat(check.name()).isEqualTo("m");
    assertThat(check.id()).isEqualTo("t/m");
    assertThat(check.max()).isEqualTo(OptionalDouble.of(1));
    assertThat(check.min()).isEmpty();
    assertThat(check.hasTrafficGuard()).isFalse();
  }

  @Test
  void theMetricsWindowIsUsedAndEachMetricHasItsOwn() {
    List<Check> checks =
        TemplateRenderer.render(
            template(
                List.of(),
                metric("a", "r[{{ window }}]", "30s", "0", null),
                metric("b", "r[{{ window }}]", "1m30s", "0", null)),
            Map.of(),
            BUILTINS);

    assertThat(checks).extracting(Check::query).containsExactly("r[30s]", "r[1m30s]");
  }

  @Test
  void canaryArgumentsOverrideDefaultsAndFillPassRulesAndTheTrafficGuard() {
    Template t =
        new Template(
            "t",
            List.of(
                TemplateArg.withDefault("maxRatio", "0.01"),
                TemplateArg.withDefault("minRatio", "0.001"),
                TemplateArg.withDefault("minRequests", "20"),
                TemplateArg.required("route")),
            List.of(
                new TemplateMetric(
                    "m",
                    "q{route=\"{{ route }}\"}",
                    null,
                    "{{ minRatio }}",
                    "{{maxRatio}}",
                    new TemplateMetric.Traffic("sum(t[{{ window }}])", "{{ minRequests }}"))));

    Check check = renderOne(t, Map.of("maxRatio", "0.05", "route", "primary"));

    assertThat(check.query()).isEqualTo("q{route=\"primary\"}");
    assertThat(check.min()).isEqualTo(OptionalDouble.of(0.001));
    assertThat(check.max()).isEqualTo(OptionalDouble.of(0.05));
    assertThat(check.trafficQuery()).isEqualTo("sum(t[1m])");
    assertThat(check.minTraffic()).isEqualTo(20);
  }

  @Test
  void aCanaryArgumentWithABuiltinsNameIsRefused() {
    assertInvalid(
        template(List.of(), metric("m", "q{a=\"{{ app }}\"}", null, null, "1")),
        Map.of("app", "evil"),
        "argument app is a builtin set by Sluice");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"namespace", "app", "canaryVersion", "stableVersion", "canaryName", "window"})
  void aTemplateCannotDeclareAnArgumentWithABuiltinsName(String builtin) {
    assertInvalid(
        template(List.of(TemplateArg.withDefault(builtin, "x")), metric("m", "q", null, null, "1")),
        Map.of(),
        "argument " + builtin + " has the name of a builtin");
  }

  @Test
  void aCanaryArgumentTheTemplateDoesNotDeclareIsRefused() {
    assertInvalid(
        template(
            List.of(TemplateArg.withDefault("maxRatio", "1")), metric("m", "q", null, null, "1")),
        Map.of("maxRatoi", "0.5"),
        "argument maxRatoi is not declared by the template (declared: maxRatio)");
  }

  @Test
  void aCanaryArgumentWithoutAValueIsRefusedRatherThanDefaulted() {
    Map<String, String> args = new java.util.HashMap<>();
    args.put("maxRatio", null);
    assertInvalid(
        template(
            List.of(TemplateArg.withDefault("maxRatio", "1")), metric("m", "q", null, null, "1")),
        args,
        "argument maxRatio is given by the Canary without a value");
  }

  @Test
  void aRequiredArgumentNotGivenIsMissingEvenIfUnused() {
    assertInvalid(
        template(List.of(TemplateArg.required("threshold")), metric("m", "q", null, null, "1")),
        Map.of(),
        "missing argument threshold");
  }

  @Test
  void allMissingArgumentsAreNamed() {
    assertInvalid(
        template(
            List.of(TemplateArg.required("a"), TemplateArg.required("b")),
            metric("m", "q", null, null, "1")),
        Map.of(),
        "missing arguments a, b");
  }

  @Test
  void aVariableNamingNothingIsRefused() {
    assertInvalid(
        template(List.of(), metric("m", "q{a=\"{{ color }}\"}", null, null, "1")),
        Map.of(),
        "metric \"m\"",
        "query",
        "{{ color }} names no argument and no builtin");
  }

  @Test
  void aBuiltinWithoutAValueIsRefusedWhereUsed() {
    Template t = template(List.of(), metric("m", "q{v=\"{{ stableVersion }}\"}", null, null, "1"));
    assertThatThrownBy(
            () ->
                TemplateRenderer.render(t, Map.of(), Builtins.of("shop", "cart", "v2", null, "c")))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageContaining("builtin stableVersion has no value here");
    // ... and not where unused
    assertThat(
            TemplateRenderer.render(
                template(List.of(), metric("m", "q", null, null, "1")),
                Map.of(),
                Builtins.of("shop", "cart", "v2", "", "c")))
        .hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "q{a=\"{{ a-b }}\"}",
        "q{a=\"{{ 1a }}\"}",
        "q{a=\"{{ }}\"}",
        "q{a=\"{{ app\"}",
        "q{a=\"app }}\"}",
        "q{a=\"{{{ app }}}\"}",
        "q{a=\"{{ app } }\"}",
      })
  void malformedPlaceholdersAreRefused(String query) {
    assertInvalid(
        template(List.of(), metric("m", query, null, null, "1")), Map.of(), "metric \"m\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"30s", "1m", "1m30s", "2h", "500ms", "1h0m", "90s", "1h2m3s4ms"})
  void validWindows(String window) {
    assertThat(
            renderOne(
                    template(List.of(), metric("m", "r[{{window}}]", window, null, "1")), Map.of())
                .query())
        .isEqualTo("r[" + window + "]");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1",
        "m",
        "1s1m",
        "0s",
        "0m0s",
        "-1m",
        "1.5m",
        "1m ",
        " 1m",
        "1d",
        "1w",
        "1M",
        "5m]",
        "1234567s"
      })
  void invalidWindows(String window) {
    assertInvalid(
        template(List.of(), metric("m", "r[{{window}}]", window, null, "1")),
        Map.of(),
        "metric \"m\"",
        "is not a Prometheus duration");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "abc",
        "NaN",
        "Infinity",
        "-Infinity",
        "1e999",
        "0x10",
        "1,5",
        "1_000",
        "1.2.3",
        "2d",
        "1f"
      })
  void boundsMustBeFiniteNumbers(String bound) {
    assertInvalid(
        template(List.of(), metric("m", "q", null, null, bound)),
        Map.of(),
        "metric \"m\"",
        "pass.max is",
        "not a finite number");
    assertInvalid(
        template(List.of(), metric("m", "q", null, bound, null)), Map.of(), "pass.min is");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "-1", "+2", "0.01", ".5", "5.", "1e-3", "2E+2", "-0"})
  void boundsAcceptDecimalNumbers(String bound) {
    assertThat(renderOne(template(List.of(), metric("m", "q", null, null, bound)), Map.of()).max())
        .isEqualTo(OptionalDouble.of(Double.parseDouble(bound)));
  }

  @Test
  void aBoundFromAnArgumentIsASubstitutedValueSoItMustBeALabelValueToo() {
    // a negative bound is written in the template: max: "-{{ margin }}"
    Template t =
        template(
            List.of(TemplateArg.withDefault("margin", "0.5")),
            metric("m", "q", null, "-{{ margin }}", null));
    assertThat(renderOne(t, Map.of()).min()).isEqualTo(OptionalDouble.of(-0.5));
    assertInvalid(t, Map.of("margin", "-0.5"), "argument margin (given by the Canary) is \"-0.5\"");
  }

  @Test
  void aPassRuleNeedsABound() {
    assertInvalid(
        template(List.of(), metric("m", "q", null, null, null)),
        Map.of(),
        "needs pass.min, pass.max or both");
  }

  @Test
  void minMustNotExceedMax() {
    assertInvalid(
        template(List.of(), metric("m", "q", null, "2", "1")),
        Map.of(),
        "pass.min 2 is greater than pass.max 1");
    assertThat(renderOne(template(List.of(), metric("m", "q", null, "1", "1")), Map.of()).min())
        .isEqualTo(OptionalDouble.of(1));
  }

  @Test
  void aTrafficGuardNeedsAQueryAndANonNegativeMinimum() {
    assertInvalid(
        template(
            List.of(),
            new TemplateMetric("m", "q", null, null, "1", new TemplateMetric.Traffic("t", null))),
        Map.of(),
        "traffic.min is required");
    assertInvalid(
        template(
            List.of(),
            new TemplateMetric("m", "q", null, null, "1", new TemplateMetric.Traffic("t", "-1"))),
        Map.of(),
        "traffic.min -1 is negative");
    assertInvalid(
        template(
            List.of(),
            new TemplateMetric("m", "q", null, null, "1", new TemplateMetric.Traffic(" ", "1"))),
        Map.of(),
        "traffic.query is empty");
  }

  @Test
  void aQueryMustNotBeEmpty() {
    assertInvalid(
        template(List.of(), metric("m", "  ", null, null, "1")), Map.of(), "query is empty");
  }

  @Test
  void metricNamesAreUniqueAndATemplateHasMetrics() {
    assertInvalid(
        template(List.of(), metric("m", "q", null, null, "1"), metric("m", "q", null, null, "2")),
        Map.of(),
        "metric \"m\": duplicate metric name");
    assertInvalid(template(List.of()), Map.of(), "the template has no metrics");
  }

  @Test
  void argumentsAreDeclaredOnceWithValidNames() {
    assertInvalid(
        template(
            List.of(TemplateArg.withDefault("a", "1"), TemplateArg.withDefault("a", "2")),
            metric("m", "q", null, null, "1")),
        Map.of(),
        "argument a is declared twice");
    assertInvalid(
        template(
            List.of(TemplateArg.withDefault("max-ratio", "1")), metric("m", "q", null, null, "1")),
        Map.of(),
        "argument name \"max-ratio\"");
  }

  @Test
  void anInvalidDefaultIsRefusedEvenWhenUnused() {
    assertInvalid(
        template(List.of(TemplateArg.withDefault("a", "x y")), metric("m", "q", null, null, "1")),
        Map.of(),
        "argument a (the template's default) is \"x y\"");
  }

  @Test
  void theExceptionNamesTemplateMetricAndProblemApart() {
    InvalidTemplateException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidTemplateException.class,
            () ->
                TemplateRenderer.render(
                    new Template("latency", List.of(), List.of(metric("p99", "q", "5", null, "1"))),
                    Map.of(),
                    BUILTINS));
    assertThat(e.template()).isEqualTo("latency");
    assertThat(e.metric()).isEqualTo("p99");
    assertThat(e.problem()).startsWith("window \"5\" is not a Prometheus duration");
    assertThat(e.getMessage())
        .isEqualTo("analysis template \"latency\", metric \"p99\": " + e.problem());
  }
}
