package dev.sluice.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Conversions between fabric8 objects and Jackson trees. Editing a tree (rather than the nested
 * maps of a {@link GenericKubernetesResource}) keeps field order and number types, and converting
 * is a deep copy, so the caller's object is never changed.
 */
final class Trees {
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Trees() {}

  static ObjectNode toTree(GenericKubernetesResource resource) {
    return SERIALIZATION.convertValue(resource, ObjectNode.class);
  }

  static GenericKubernetesResource fromTree(ObjectNode tree) {
    return SERIALIZATION.convertValue(tree, GenericKubernetesResource.class);
  }

  /** Whether both objects serialize to the same JSON content (field order aside). */
  static boolean sameContent(GenericKubernetesResource a, GenericKubernetesResource b) {
    JsonNode left = toTree(a);
    JsonNode right = toTree(b);
    return left.equals(right);
  }

  /** The text of a string field, or {@code null} when it is absent or not a string. */
  static String text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }
}
