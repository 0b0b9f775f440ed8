package dev.sluice.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.rollout.Reference;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.rollout.World;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Reads the YAML fixtures in {@code src/test/resources/routing/} and looks into objects. */
final class Fixtures {
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Fixtures() {}

  /** A fixture by its path under {@code routing/}, e.g. {@code helloworld-vs.yaml}. */
  static GenericKubernetesResource load(String name) {
    String path = "routing/" + name;
    try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + path);
      }
      return SERIALIZATION.unmarshal(in, GenericKubernetesResource.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The object as a Jackson tree (a deep copy, in serialization order). */
  static ObjectNode tree(GenericKubernetesResource resource) {
    return SERIALIZATION.convertValue(resource, ObjectNode.class);
  }

  /** The exact JSON text of the object; equal text means byte-identical serialization. */
  static String json(GenericKubernetesResource resource) {
    return tree(resource).toString();
  }

  /** The exact JSON text of the object with the {@code route} list of one HTTP route removed. */
  static String jsonWithoutRoute(GenericKubernetesResource resource, int httpIndex) {
    ObjectNode tree = tree(resource);
    ((ObjectNode) tree.path("spec").path("http").get(httpIndex)).remove("route");
    return tree.toString();
  }

  /** The exact JSON text of the object without {@code spec.subsets}. */
  static String jsonWithoutSubsets(GenericKubernetesResource resource) {
    ObjectNode tree = tree(resource);
    ((ObjectNode) tree.path("spec")).remove("subsets");
    return tree.toString();
  }

  /**
   * The world as the VirtualService alone shows it: its fallback route, and every other reference
   * it makes (no DestinationRule, no Deployment).
   */
  static World worldOf(GenericKubernetesResource vs) {
    RouteObservation route = VirtualServiceEdits.inspect(vs, null);
    String key = vs.getMetadata().getNamespace() + "/" + vs.getMetadata().getName();
    List<Reference> refs =
        MeshReferences.of(vs).stream()
            .filter(r -> !MeshReferences.inRoute(r, key, "http", route.position()))
            .toList();
    return new World(vs.getMetadata().getNamespace(), route, null, List.of(), refs);
  }

  static JsonNode http(GenericKubernetesResource vs, int index) {
    return tree(vs).path("spec").path("http").get(index);
  }
}
