package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.Canary;
import dev.sluice.rollout.ReleaseSpec;
import dev.sluice.rollout.Step;
import dev.sluice.rollout.Strategy;
import dev.sluice.testing.CrdSchemas;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The stages of a Canary (match, mirror, sessionAffinity, blueGreen) as users write them in YAML:
 * what the state machine gets, the defaults, and every refusal with its reason (the daemon's own
 * check and, where the schema can tell, the CRD's).
 */
class SpecStrategiesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** The example Canary with {@code yaml} (fields of its spec) laid over its spec. */
  private static ObjectNode canary(String yaml) throws Exception {
    ObjectNode canary =
        (ObjectNode) YAML.readTree(new File("deploy/examples/helloworld/canary.yaml"));
    ObjectNode spec = (ObjectNode) canary.get("spec");
    if (!yaml.isBlank()) {
      spec.setAll((ObjectNode) YAML.readTree(yaml));
    }
    return canary;
  }

  private static SpecReader.Result read(String yaml) throws Exception {
    return SpecReader.read(SERIALIZATION.convertValue(canary(yaml), Canary.class));
  }

  private static ReleaseSpec spec(String yaml) throws Exception {
    SpecReader.Result r = read(yaml);
    assertThat(r.problems()).isEmpty();
    return r.spec();
  }

  private static List<String> schemaErrors(String yaml) throws Exception {
    JsonNode crd = YAML.readTree(new File("deploy/crds/canaries.sluice.dev-v1.yml"));
    return CrdSchemas.errors(crd, canary(yaml));
  }

  @Test
  void anAbStageWithoutWeightStepsIsOneMatchStepOfItsIterations() throws Exception {
    String yaml =
        """
        match:
        - headers:
            x-canary: {exact: insider}
        - headers:
            cookie: {regex: "^(.*;\\\\s*)?canary=always(;.*)?$"}
        iterations: 3
        steps: []
        """;
    ReleaseSpec spec = spec(yaml);
    assertThat(schemaErrors(yaml)).isEmpty();
    assertThat(spec.plan()).isEmpty();
    assertThat(spec.strategy().match().match())
        .containsExactly(
            Map.of("headers", Map.of("x-canary", Map.of("exact", "insider"))),
            Map.of(
                "headers", Map.of("cookie", Map.of("regex", "^(.*;\\s*)?canary=always(;.*)?$"))));
    assertThat(spec.steps())
        .containsExactly(new Step(Step.Kind.MATCH, 0, spec.interval().multipliedBy(3)));
  }

  @Test
  void theStagesComeInOrderBeforeTheWeightsWithTheirDefaults() throws Exception {
    ReleaseSpec spec =
        spec(
            """
            mirror: {}
            match: [{headers: {x-canary: {exact: insider}}}]
            stepWeight: 50
            sessionAffinity: {cookieName: sluice-session}
            """);
    assertThat(spec.strategy().mirror()).isEqualTo(new Strategy.MirrorStage(100, 5));
    assertThat(spec.strategy().match().iterations()).isEqualTo(10);
    assertThat(spec.strategy().affinity())
        .isEqualTo(new Strategy.SessionAffinity("sluice-session", Duration.ofHours(24)));
    assertThat(spec.steps().stream().map(Step::kind))
        .containsExactly(Step.Kind.MIRROR, Step.Kind.MATCH, Step.Kind.WEIGHT, Step.Kind.WEIGHT);
  }

  @Test
  void blueGreenIsAPreviewForItsHeaderThenOneSwitchJudgedForItsIterations() throws Exception {
    ReleaseSpec spec = spec("{stepWeight: null, blueGreen: {postSwitchIterations: 4}}");
    assertThat(spec.strategy().blueGreen()).isTrue();
    assertThat(spec.strategy().match().match())
        .containsExactly(Map.of("headers", Map.of("x-sluice-preview", Map.of("exact", "true"))));
    assertThat(spec.steps())
        .containsExactly(
            new Step(Step.Kind.MATCH, 0, spec.interval().multipliedBy(5)),
            new Step(Step.Kind.WEIGHT, 100, spec.interval().multipliedBy(4)));
    assertThat(spec.stageName(0)).isEqualTo("Preview");
    assertThat(spec.stageName(1)).isEqualTo("Switched");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = " => ",
      value = {
        "{blueGreen: {}, stepWeight: 20} => blueGreen switches 100% in one step: stepWeight cannot"
            + " be given",
        "{blueGreen: {}, sessionAffinity: {cookieName: s}} => sessionAffinity cannot be given",
        "{blueGreen: {}, match: [{headers: {a: {exact: b}}}]} => match cannot be given",
        "{steps: []} => steps is empty: give weights, or a match or mirror stage",
        "{iterations: 3} => iterations is the length of the match (A/B) stage: give match too",
        "{match: [{}]} => match[0] matches every request",
        "{match: [{name: x, ignoreUriCase: true}]} => match[0] matches every request",
        "{match: [{uri: {exact: /a, prefix: /}}]} => match[0].uri must give exactly one of exact,"
            + " prefix, regex",
        "{match: [{headers: {x: {}}}]} => match[0].headers.x must give exactly one of",
        "{match: [{headers: {x: {regex: '(unclosed'}}}]} => match[0].headers.x.regex is not a"
            + " regular expression",
        "{match: [{headers: {a: {exact: b}}}], sessionAffinity: {cookieName: s}, steps: []} =>"
            + " sessionAffinity applies to weight steps, and steps is empty",
        "{sessionAffinity: {cookieName: 'a b'}} => sessionAffinity.cookieName must be 1..64 letters",
        "{sessionAffinity: {cookieName: s, maxAge: 1y}} => sessionAffinity.maxAge",
        "{mirror: {percent: 0}} => mirror.percent must be in 1..100, was 0",
        "{blueGreen: {previewIterations: 0}} => blueGreen.previewIterations must be at least 1",
        "{virtualService: null, virtualServices: [{name: a}, {name: a, route: 'http[1]'}], mirror: {}}"
            + " => virtualServices names VirtualService a twice: with mirror, match,"
            + " sessionAffinity or blueGreen, list each VirtualService once",
      })
  void aStageThatCannotBeCarriedOutIsRefusedWithItsReason(String yaml, String reason)
      throws Exception {
    ObjectNode c = canary(yaml);
    if (c.path("spec").path("virtualService").isNull()) {
      ((ObjectNode) c.get("spec")).remove("virtualService");
    }
    SpecReader.Result r = SpecReader.read(SERIALIZATION.convertValue(c, Canary.class));
    assertThat(r.spec()).isNull();
    assertThat(String.join("; ", r.problems())).contains(reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = " => ",
      value = {
        "{sessionAffinity: {cookieName: 'a;b'}} => cookieName",
        "{mirror: {percent: 101}} => percent",
        "{match: [{headers: {x: exact}}]} => headers",
        "{match: [{port: 70000}]} => port",
        "{match: []} => match",
      })
  void theSchemaRefusesWhatItCanTell(String yaml, String field) throws Exception {
    assertThat(String.join("; ", schemaErrors(yaml))).contains(field);
  }
}
