package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.Canary;
import dev.sluice.rollout.RouteRef;
import dev.sluice.testing.CrdSchemas;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The routes a Canary manages, as its spec names them: the {@code virtualService} shorthand or a
 * {@code virtualServices} list (other namespaces, tls and tcp routes by position), and what is
 * refused, by the CRD schema where it can say it and by the daemon always.
 */
class SpecRoutesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static ObjectNode example() throws Exception {
    return (ObjectNode) YAML.readTree(new File("deploy/examples/helloworld/canary.yaml"));
  }

  private static ObjectNode with(Consumer<ObjectNode> edit) throws Exception {
    ObjectNode canary = example();
    edit.accept((ObjectNode) canary.get("spec"));
    return canary;
  }

  private static Canary read(JsonNode canary) {
    return SERIALIZATION.convertValue(canary, Canary.class);
  }

  private static List<String> schemaErrors(JsonNode canary) throws Exception {
    return CrdSchemas.errors(
        YAML.readTree(new File("deploy/crds/canaries.sluice.dev-v1.yml")), canary);
  }

  private static Consumer<ObjectNode> list(Consumer<ArrayNode> entries) {
    return spec -> {
      spec.remove("virtualService");
      entries.accept(spec.putArray("virtualServices"));
    };
  }

  @Test
  void theShorthandIsOneRouteInTheCanarysNamespace() throws Exception {
    ObjectNode canary = example();
    String ns = canary.path("metadata").path("namespace").asText("default");
    assertThat(SpecReader.routes(read(canary)))
        .containsExactly(new RouteRef(ns, "helloworld", null));
    assertThat(SpecReader.read(read(canary)).problems()).isEmpty();
  }

  @Test
  void aGatewayAndAMeshVirtualServiceAreListedInOrder() throws Exception {
    ObjectNode canary =
        with(
            list(
                l -> {
                  l.addObject()
                      .put("name", "public")
                      .put("namespace", "istio-ingress")
                      .put("route", "helloworld");
                  l.addObject().put("name", "helloworld");
                  l.addObject().put("name", "helloworld-db").put("route", "tcp[0]");
                }));
    String ns = canary.path("metadata").path("namespace").asText("default");
    assertThat(SpecReader.routes(read(canary)))
        .containsExactly(
            new RouteRef("istio-ingress", "public", "helloworld"),
            new RouteRef(ns, "helloworld", null),
            new RouteRef(ns, "helloworld-db", "tcp[0]"));
    assertThat(SpecReader.read(read(canary)).problems()).isEmpty();
    assertThat(schemaErrors(canary)).isEmpty();
  }

  @Test
  void neitherOrBothAreRefusedByTheDaemon() throws Exception {
    ObjectNode neither = with(spec -> spec.remove("virtualService"));
    assertThat(SpecReader.read(read(neither)).problems())
        .containsExactly("virtualService.name (or virtualServices) must name a VirtualService");

    ObjectNode both = with(spec -> spec.putArray("virtualServices").addObject().put("name", "x"));
    assertThat(SpecReader.read(read(both)).problems())
        .containsExactly("give virtualService or virtualServices, not both");
    // a real API server refuses both with the CRD's CEL rule (x-kubernetes-validations)
    assertThat(YAML.readTree(new File("deploy/crds/canaries.sluice.dev-v1.yml")).toString())
        .contains("has(self.virtualService) != has(self.virtualServices)");
  }

  @Test
  void theSameRouteTwiceAndABadRouteAreRefusedWithTheEntryNamed() throws Exception {
    ObjectNode twice =
        with(
            list(
                l -> {
                  l.addObject().put("name", "helloworld");
                  l.addObject().put("name", "helloworld").put("route", "primary");
                  l.addObject().put("name", "helloworld");
                }));
    assertThat(SpecReader.read(read(twice)).problems())
        .containsExactly(
            "virtualServices[2] names the same route of VirtualService helloworld as an earlier"
                + " entry");

    ObjectNode bad = with(spec -> ((ObjectNode) spec.get("virtualService")).put("route", "tcp[x]"));
    assertThat(SpecReader.read(read(bad)).problems())
        .singleElement()
        .satisfies(p -> assertThat(p).startsWith("virtualService.route \"tcp[x]\" must be"));
  }

  @Test
  void aHostileNamespaceIsRefusedByTheSchemaAndTheDaemon() throws Exception {
    for (String namespace : List.of("Istio-Ingress", "istio_ingress", "a/b", "x".repeat(64), "")) {
      ObjectNode canary =
          with(
              list(
                  l -> {
                    l.addObject().put("name", "helloworld");
                    l.addObject().put("name", "public").put("namespace", namespace);
                  }));
      assertThat(schemaErrors(canary)).as(namespace).isNotEmpty();
      assertThat(String.join("; ", SpecReader.read(read(canary)).problems()))
          .as(namespace)
          .contains("virtualServices[1].namespace");
    }
  }

  @Test
  void moreThanSixteenAreRefused() throws Exception {
    ObjectNode canary =
        with(
            list(
                l -> {
                  for (int i = 0; i < 17; i++) {
                    l.addObject().put("name", "vs-" + i);
                  }
                }));
    assertThat(schemaErrors(canary)).isNotEmpty();
    assertThat(SpecReader.read(read(canary)).problems())
        .contains("virtualServices lists 17 VirtualServices; at most 16");
  }
}
