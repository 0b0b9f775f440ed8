package dev.sluice.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The edits Sluice makes on an Istio DestinationRule, as pure functions: one subset per live
 * version, named like the version, selecting on the version label.
 *
 * <p>Only {@code spec.subsets} is ever changed, by appending or removing whole entries; every other
 * field, and every other subset, is left exactly as it was. Inputs are never modified; outputs are
 * deep copies.
 */
public final class DestinationRuleEdits {

  private DestinationRuleEdits() {}

  /** Names of the DestinationRule's subsets, in order; empty when it is null or has none. */
  public static Set<String> subsets(GenericKubernetesResource destinationRule) {
    if (destinationRule == null) {
      return Set.of();
    }
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode subset : Trees.toTree(destinationRule).path("spec").path("subsets")) {
      String name = Trees.text(subset, "name");
      if (name != null) {
        names.add(name);
      }
    }
    return Collections.unmodifiableSet(names);
  }

  /**
   * The DestinationRule's subsets in order, each with its labels (empty when it has none); null
   * when the DestinationRule is null. A subset without a name is left out.
   */
  public static Map<String, Map<String, String>> subsetLabels(
      GenericKubernetesResource destinationRule) {
    if (destinationRule == null) {
      return null;
    }
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (JsonNode subset : Trees.toTree(destinationRule).path("spec").path("subsets")) {
      String name = Trees.text(subset, "name");
      if (name == null || out.containsKey(name)) {
        continue;
      }
      Map<String, String> labels = new LinkedHashMap<>();
      subset
          .path("labels")
          .fields()
          .forEachRemaining(
              e -> labels.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : ""));
      out.put(name, Collections.unmodifiableMap(labels));
    }
    return Collections.unmodifiableMap(out);
  }

  /** The {@link Hosts#key key} of the DestinationRule's host, or null when it names none. */
  public static String hostKey(GenericKubernetesResource destinationRule) {
    if (destinationRule == null || destinationRule.getMetadata() == null) {
      return null;
    }
    return Hosts.key(
        Trees.text(Trees.toTree(destinationRule).path("spec"), "host"),
        destinationRule.getMetadata().getNamespace());
  }

  /**
   * A copy of {@code destinationRule} with a subset for {@code version} appended: {@code {name:
   * version, labels: <likeVersion's labels with versionLabel set to version>}}, plus a copy of
   * likeVersion's {@code trafficPolicy} if it has one. Unchanged when a subset named {@code
   * version} already exists (whatever its labels: Sluice does not rewrite subsets it did not add).
   *
   * @param likeVersion the subset to model the new one on (normally the stable version); null for a
   *     subset with the version label only
   * @param versionLabel the label that carries the version, e.g. {@code version}
   * @throws RefusedEditException when {@code likeVersion} is given but has no subset, or {@code
   *     spec.subsets} is not a list
   */
  public static GenericKubernetesResource withSubset(
      GenericKubernetesResource destinationRule,
      String version,
      String likeVersion,
      String versionLabel) {
    Objects.requireNonNull(destinationRule, "destinationRule");
    requireName(version, "version");
    requireName(versionLabel, "versionLabel");
    ObjectNode tree = Trees.toTree(destinationRule);
    ArrayNode subsets = subsetList(tree, true);
    if (find(subsets, version) != null) {
      return Trees.fromTree(tree);
    }
    ObjectNode added = subsets.objectNode();
    added.put("name", version);
    ObjectNode labels = added.putObject("labels");
    JsonNode trafficPolicy = null;
    if (likeVersion != null) {
      ObjectNode like = find(subsets, likeVersion);
      if (like == null) {
        throw new RefusedEditException(
            "DestinationRule "
                + name(destinationRule)
                + " has no subset \""
                + likeVersion
                + "\" to model subset \""
                + version
                + "\" on");
      }
      if (like.get("labels") instanceof ObjectNode likeLabels) {
        labels.setAll(likeLabels.deepCopy());
      }
      trafficPolicy = like.get("trafficPolicy");
    }
    labels.put(versionLabel, version);
    if (trafficPolicy != null && !trafficPolicy.isNull()) {
      added.set("trafficPolicy", trafficPolicy.deepCopy());
    }
    subsets.add(added);
    return Trees.fromTree(tree);
  }

  /**
   * A copy of {@code destinationRule} without the subset named {@code version}; unchanged when it
   * has none. Whether a route still references the subset is the caller's check (see {@link
   * TrafficRouter#removeSubset}).
   *
   * @throws RefusedEditException when {@code spec.subsets} is not a list
   */
  public static GenericKubernetesResource withoutSubset(
      GenericKubernetesResource destinationRule, String version) {
    Objects.requireNonNull(destinationRule, "destinationRule");
    requireName(version, "version");
    ObjectNode tree = Trees.toTree(destinationRule);
    ArrayNode subsets = subsetList(tree, false);
    if (subsets != null) {
      for (int i = subsets.size() - 1; i >= 0; i--) {
        if (version.equals(Trees.text(subsets.get(i), "name"))) {
          subsets.remove(i);
        }
      }
    }
    return Trees.fromTree(tree);
  }

  private static ArrayNode subsetList(ObjectNode tree, boolean create) {
    JsonNode spec = tree.get("spec");
    if (spec == null || spec.isNull()) {
      if (!create) {
        return null;
      }
      throw new RefusedEditException("the DestinationRule has no spec");
    }
    if (!spec.isObject()) {
      throw new RefusedEditException("the DestinationRule's spec is not an object");
    }
    JsonNode subsets = spec.get("subsets");
    if (subsets == null || subsets.isNull()) {
      return create ? ((ObjectNode) spec).putArray("subsets") : null;
    }
    if (!subsets.isArray()) {
      throw new RefusedEditException("spec.subsets of the DestinationRule is not a list");
    }
    return (ArrayNode) subsets;
  }

  private static ObjectNode find(ArrayNode subsets, String name) {
    for (JsonNode subset : subsets) {
      if (subset instanceof ObjectNode o && name.equals(Trees.text(o, "name"))) {
        return o;
      }
    }
    return null;
  }

  private static void requireName(String value, String what) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " must be named");
    }
  }

  private static String name(GenericKubernetesResource resource) {
    return resource.getMetadata() == null ? "?" : resource.getMetadata().getName();
  }
}
