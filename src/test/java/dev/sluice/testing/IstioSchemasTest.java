package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The schema check must catch what the API server would reject, or it proves nothing. */
class IstioSchemasTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @ParameterizedTest
  @ValueSource(
      strings = {
        "helloworld-vs.yaml",
        "helloworld-vs-mid-release.yaml",
        "helloworld-vs-unweighted.yaml",
        "helloworld-vs-named-routes.yaml",
        "helloworld-vs-extra-fields.yaml",
        "helloworld-vs-tcp.yaml",
        "helloworld-vs-mirror.yaml",
        "helloworld-vs-tcp-only.yaml",
        "helloworld-vs-delegate.yaml",
        // Unmanageable for Sluice, but each is a VirtualService the API server accepts.
        "unmanageable/no-fallback.yaml",
        "unmanageable/no-routes.yaml",
        "unmanageable/tls-and-tcp.yaml",
        "unmanageable/redirect.yaml",
        "unmanageable/direct-response.yaml",
        "unmanageable/delegate.yaml",
        "unmanageable/no-subset.yaml",
        "unmanageable/different-hosts.yaml",
        "unmanageable/missing-weights.yaml",
        "unmanageable/weights-not-100.yaml",
        "unmanageable/weight-over-100.yaml",
        "unmanageable/duplicate-subset.yaml",
        "unmanageable/duplicate-route-name.yaml"
      })
  void everyVirtualServiceFixtureIsValid(String fixture) throws IOException {
    assertThat(IstioSchemas.virtualServiceErrors(fixture(fixture))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"helloworld-dr.yaml", "helloworld-dr-traffic-policy.yaml"})
  void everyDestinationRuleFixtureIsValid(String fixture) throws IOException {
    assertThat(IstioSchemas.destinationRuleErrors(fixture(fixture))).isEmpty();
  }

  @Test
  void aWeightGivenAsAStringIsAnError() throws IOException {
    assertThat(virtualServiceErrorsAfter(vs -> weight(vs).put("weight", "100")))
        .anySatisfy(e -> assertThat(e).contains("/spec/http/1/route/0/weight").contains("string"));
  }

  @Test
  void aWeightBeyondInt32IsAnError() throws IOException {
    assertThat(virtualServiceErrorsAfter(vs -> weight(vs).put("weight", 2_147_483_648L)))
        .anySatisfy(e -> assertThat(e).contains("/spec/http/1/route/0/weight"));
    assertThat(virtualServiceErrorsAfter(vs -> weight(vs).put("weight", 2_147_483_647L))).isEmpty();
  }

  @Test
  void aFractionalWeightIsAnError() throws IOException {
    assertThat(virtualServiceErrorsAfter(vs -> weight(vs).put("weight", 12.5)))
        .anySatisfy(e -> assertThat(e).contains("/spec/http/1/route/0/weight"));
  }

  @Test
  void anUnknownFieldIsAnError() throws IOException {
    // A typo the API server would silently prune: the edit would be lost.
    assertThat(virtualServiceErrorsAfter(vs -> weight(vs).put("wieght", 10)))
        .anySatisfy(e -> assertThat(e).contains("wieght"));
    assertThat(virtualServiceErrorsAfter(vs -> ((ObjectNode) vs.get("spec")).put("htp", "x")))
        .anySatisfy(e -> assertThat(e).contains("htp"));
  }

  @Test
  void aDestinationWithoutHostIsAnError() throws IOException {
    assertThat(
            virtualServiceErrorsAfter(
                vs -> ((ObjectNode) weight(vs).get("destination")).remove("host")))
        .anySatisfy(e -> assertThat(e).contains("host"));
  }

  @Test
  void nullIsAnErrorUnlessNullable() throws IOException {
    assertThat(virtualServiceErrorsAfter(vs -> weight(vs).putNull("weight"))).isNotEmpty();
    assertThat(
            virtualServiceErrorsAfter(
                vs ->
                    ((ObjectNode) vs.path("spec").path("http").get(1))
                        .putObject("retries")
                        .putNull("retryRemoteLocalities")))
        .isEmpty();
  }

  @Test
  void aSubsetWithLabelsThatAreNotStringsIsAnError() throws IOException {
    JsonNode dr = fixture("helloworld-dr.yaml");
    ((ObjectNode) dr.path("spec").path("subsets").get(0).path("labels")).put("version", 1);

    assertThat(IstioSchemas.destinationRuleErrors(dr))
        .anySatisfy(e -> assertThat(e).contains("/spec/subsets/0/labels/version"));
  }

  @Test
  void theWrongKindOrGroupIsAnError() throws IOException {
    assertThat(IstioSchemas.destinationRuleErrors(fixture("helloworld-vs.yaml")))
        .anySatisfy(e -> assertThat(e).contains("kind"));
    JsonNode vs = fixture("helloworld-vs.yaml");
    ((ObjectNode) vs).put("apiVersion", "networking.k8s.io/v1");
    assertThat(IstioSchemas.virtualServiceErrors(vs)).isNotEmpty();
  }

  @Test
  void validateFailsWithEveryError() throws IOException {
    JsonNode vs = fixture("helloworld-vs.yaml");
    weight(vs).put("weight", "ten").put("wieght", 10);

    assertThatThrownBy(() -> IstioSchemas.validateVirtualService(vs))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("weight")
        .hasMessageContaining("wieght");
  }

  @Test
  void theRewrittenSchemaClosesObjectsButKeepsPreservedOnesOpen() throws IOException {
    JsonNode crd;
    try (var in = IstioSchemas.crd(IstioSchemas.VIRTUAL_SERVICE_CRD)) {
      crd = YAML.readTree(in);
    }
    JsonNode v1 = null;
    for (JsonNode version : crd.path("spec").path("versions")) {
      if ("v1".equals(version.path("name").asText())) {
        v1 = version.path("schema").path("openAPIV3Schema");
      }
    }
    ObjectNode schema = IstioSchemas.toJsonSchema(v1);

    assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    assertThat(schema.path("properties").path("spec").path("additionalProperties").asBoolean(true))
        .isFalse();
    // status is x-kubernetes-preserve-unknown-fields: left open.
    assertThat(schema.path("properties").path("status").has("additionalProperties")).isFalse();
    JsonNode weight =
        schema.at(
            "/properties/spec/properties/http/items/properties/route/items/properties/weight");
    assertThat(weight.path("maximum").asLong()).isEqualTo(Integer.MAX_VALUE);
    assertThat(schema.toString()).doesNotContain("x-kubernetes-", "\"nullable\"");
  }

  private static List<String> virtualServiceErrorsAfter(Consumer<JsonNode> change)
      throws IOException {
    JsonNode vs = fixture("helloworld-vs.yaml");
    assertThat(IstioSchemas.virtualServiceErrors(vs)).isEmpty();
    change.accept(vs);
    return IstioSchemas.virtualServiceErrors(vs);
  }

  /** The fallback route's first destination entry of the helloworld VirtualService. */
  private static ObjectNode weight(JsonNode vs) {
    return (ObjectNode) vs.path("spec").path("http").get(1).path("route").get(0);
  }

  private static JsonNode fixture(String name) throws IOException {
    try (InputStream in =
        IstioSchemasTest.class.getClassLoader().getResourceAsStream("routing/" + name)) {
      assertThat(in).as("fixture %s", name).isNotNull();
      return YAML.readTree(in);
    }
  }
}
