package dev.sluice.routing;

import static dev.sluice.routing.Fixtures.json;
import static dev.sluice.routing.Fixtures.jsonWithoutSubsets;
import static dev.sluice.routing.Fixtures.load;
import static dev.sluice.routing.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testing.IstioSchemas;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DestinationRuleEditsTest {

  private static final String HELLOWORLD = "helloworld-dr.yaml";
  private static final String WITH_POLICY = "helloworld-dr-traffic-policy.yaml";

  @Test
  void subsetsAreNamedInOrder() {
    assertThat(DestinationRuleEdits.subsets(load(HELLOWORLD))).containsExactly("v1", "debug");
    assertThat(DestinationRuleEdits.subsets(null)).isEmpty();
  }

  @Test
  void aNewSubsetIsModelledOnTheStableOne() {
    GenericKubernetesResource before = load(HELLOWORLD);

    GenericKubernetesResource after =
        DestinationRuleEdits.withSubset(before, "v2", "v1", "version");

    assertThat(DestinationRuleEdits.subsets(after)).containsExactly("v1", "debug", "v2");
    assertThat(subset(after, 2).toString())
        .isEqualTo("{\"name\":\"v2\",\"labels\":{\"version\":\"v2\"}}");
    assertThat(subset(after, 0).toString()).isEqualTo(subset(before, 0).toString());
    assertThat(subset(after, 1).toString()).isEqualTo(subset(before, 1).toString());
    assertThat(jsonWithoutSubsets(after)).isEqualTo(jsonWithoutSubsets(before));
    validateIfPossible(after);
  }

  @Test
  void aNewSubsetGetsTheModelsOtherLabelsAndTrafficPolicy() {
    GenericKubernetesResource before = load(WITH_POLICY);

    GenericKubernetesResource after =
        DestinationRuleEdits.withSubset(before, "v2", "v1", "version");

    assertThat(subset(after, 2).toString())
        .isEqualTo(
            "{\"name\":\"v2\",\"labels\":{\"app\":\"helloworld\",\"version\":\"v2\"},"
                + "\"trafficPolicy\":{\"loadBalancer\":{\"simple\":\"LEAST_REQUEST\"}}}");
    // The host-wide traffic policy, exportTo, metadata: as they were.
    assertThat(jsonWithoutSubsets(after)).isEqualTo(jsonWithoutSubsets(before));
    validateIfPossible(after);
  }

  @Test
  void withoutAModelTheSubsetSelectsOnTheVersionLabelOnly() {
    GenericKubernetesResource after =
        DestinationRuleEdits.withSubset(load(WITH_POLICY), "v2", null, "app.kubernetes.io/version");

    assertThat(subset(after, 2).toString())
        .isEqualTo("{\"name\":\"v2\",\"labels\":{\"app.kubernetes.io/version\":\"v2\"}}");
    validateIfPossible(after);
  }

  @Test
  void anExistingSubsetIsLeftAsItIs() {
    GenericKubernetesResource before = load(WITH_POLICY);

    assertThat(json(DestinationRuleEdits.withSubset(before, "debug", "v1", "version")))
        .isEqualTo(json(before));
  }

  @Test
  void aMissingModelSubsetIsRefused() {
    assertThatThrownBy(
            () -> DestinationRuleEdits.withSubset(load(HELLOWORLD), "v3", "v2", "version"))
        .isInstanceOf(RefusedEditException.class)
        .hasMessageContaining("no subset \"v2\" to model subset \"v3\" on");
  }

  @Test
  void aDestinationRuleWithoutSubsetsGetsAList() {
    GenericKubernetesResource bare =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("networking.istio.io/v1")
            .withKind("DestinationRule")
            .withNewMetadata()
            .withName("helloworld")
            .withNamespace("default")
            .endMetadata()
            .addToAdditionalProperties("spec", Map.of("host", "helloworld"))
            .build();

    GenericKubernetesResource after = DestinationRuleEdits.withSubset(bare, "v1", null, "version");

    assertThat(DestinationRuleEdits.subsets(after)).containsExactly("v1");
    validateIfPossible(after);
  }

  @Test
  void aDestinationRuleWithoutSpecIsRefused() {
    GenericKubernetesResource noSpec =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("networking.istio.io/v1")
            .withKind("DestinationRule")
            .withNewMetadata()
            .withName("helloworld")
            .endMetadata()
            .build();

    assertThatThrownBy(() -> DestinationRuleEdits.withSubset(noSpec, "v1", null, "version"))
        .isInstanceOf(RefusedEditException.class);
    assertThat(json(DestinationRuleEdits.withoutSubset(noSpec, "v1"))).isEqualTo(json(noSpec));
  }

  @Test
  void removingASubsetLeavesEverythingElse() {
    GenericKubernetesResource before = load(WITH_POLICY);

    GenericKubernetesResource after = DestinationRuleEdits.withoutSubset(before, "debug");

    assertThat(DestinationRuleEdits.subsets(after)).containsExactly("v1");
    assertThat(subset(after, 0).toString()).isEqualTo(subset(before, 1).toString());
    assertThat(jsonWithoutSubsets(after)).isEqualTo(jsonWithoutSubsets(before));
    validateIfPossible(after);
  }

  @Test
  void removingAnAbsentSubsetChangesNothing() {
    GenericKubernetesResource before = load(HELLOWORLD);

    assertThat(json(DestinationRuleEdits.withoutSubset(before, "v7"))).isEqualTo(json(before));
  }

  @Test
  void theInputIsNeverModified() {
    GenericKubernetesResource before = load(WITH_POLICY);
    String original = json(before);

    DestinationRuleEdits.withSubset(before, "v2", "v1", "version");
    DestinationRuleEdits.withoutSubset(before, "v1");

    assertThat(json(before)).isEqualTo(original);
  }

  private static JsonNode subset(GenericKubernetesResource dr, int index) {
    return tree(dr).path("spec").path("subsets").get(index);
  }

  private static void validateIfPossible(GenericKubernetesResource dr) {
    IstioSchemas.validateDestinationRule(dr);
  }
}
