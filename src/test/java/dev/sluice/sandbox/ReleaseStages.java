package dev.sluice.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The versions of the mesh's VirtualService that the proxy routed by during a scenario, in order,
 * each put in the release's stage it belongs to, so that every answer (which names the version it
 * was routed by, {@link Mesh#ROUTED_BY_HEADER}) can be put there too:
 *
 * <ul>
 *   <li>{@link Stage#BEFORE_WEIGHTS}: the seed and every version before the first weight step,
 *       where the managed route gives the canary nothing (the mirror, A/B and preview stages);
 *   <li>{@link Stage#WEIGHTS_MOVING}: from the first version whose managed route gives the canary
 *       weight, while not everyone goes to one version;
 *   <li>{@link Stage#ENDED}: from the first version, once something of the release was written,
 *       that sends everyone to one version: the managed route at 100% for one subset and nothing of
 *       Sluice's left (no {@code sluice/...} route, no mirror): the promotion, the blue/green
 *       switch or the rollback.
 * </ul>
 */
final class ReleaseStages {
  /** Where in the release a version of the VirtualService belongs. */
  enum Stage {
    BEFORE_WEIGHTS("beforeWeights"),
    WEIGHTS_MOVING("weightsMoving"),
    ENDED("ended");

    final String key;

    Stage(String key) {
      this.key = key;
    }
  }

  /**
   * One version of the VirtualService as the proxy routed by it.
   *
   * @param routedBy its {@code name@resourceVersion}
   * @param at when the proxy first routed by it
   * @param weights the managed route's weights by subset
   * @param sluice what of Sluice's it holds besides the weights ({@link #sluiceParts})
   */
  record Version(String routedBy, Instant at, Map<String, Integer> weights, List<String> sluice) {
    int weight(String subset) {
      return weights.getOrDefault(subset, 0);
    }

    /** Everyone goes to one version: one subset at 100, nothing of Sluice's. */
    boolean everyoneOnOne() {
      return sluice.isEmpty()
          && weights.values().stream().filter(w -> w > 0).count() == 1
          && weights.containsValue(100);
    }
  }

  private final String canary;
  private final List<Version> versions = new ArrayList<>();
  private final Map<String, Stage> stages = new HashMap<>();

  /** The stages of {@code versions} (oldest first) of a release of {@code canary}. */
  ReleaseStages(String canary, List<Version> versions) {
    this.canary = canary;
    Stage stage = Stage.BEFORE_WEIGHTS;
    boolean written = false;
    for (Version v : versions) {
      if (stage != Stage.ENDED && written && v.everyoneOnOne()) {
        stage = Stage.ENDED;
      } else if (stage == Stage.BEFORE_WEIGHTS && v.weight(canary) > 0) {
        stage = v.everyoneOnOne() ? Stage.ENDED : Stage.WEIGHTS_MOVING;
      }
      written |= v.weight(canary) > 0 || !v.sluice().isEmpty();
      this.versions.add(v);
      stages.putIfAbsent(v.routedBy(), stage);
    }
  }

  /** The stage of the version {@code routedBy}, or null for one not seen. */
  Stage of(String routedBy) {
    return routedBy == null ? null : stages.get(routedBy);
  }

  List<Version> versions() {
    return List.copyOf(versions);
  }

  /** The first version of {@code stage}, or null. */
  Version first(Stage stage) {
    for (Version v : versions) {
      if (stages.get(v.routedBy()) == stage) {
        return v;
      }
    }
    return null;
  }

  /** Whether some version gave the canary a weight strictly between 0 and 100. */
  boolean anyPartialWeight() {
    return versions.stream().anyMatch(v -> v.weight(canary) > 0 && v.weight(canary) < 100);
  }

  /**
   * What of Sluice's {@code vs} holds besides the managed route's weights: its {@code sluice/...}
   * routes ({@code match → v2}, {@code sticky-canary → v2}, ...), the managed route's mirror
   * ({@code mirror 100% → v2}) and Set-Cookie headers on its destinations ({@code Set-Cookie}).
   */
  static List<String> sluiceParts(GenericKubernetesResource vs, String managedRoute) {
    List<String> parts = new ArrayList<>();
    for (Map<String, Object> route :
        MeshConfig.<Map<String, Object>>list(MeshConfig.spec(vs).get("http"))) {
      String name = Objects.toString(route.get("name"), "");
      if (name.startsWith("sluice/")) {
        parts.add(name.substring(name.lastIndexOf('/') + 1) + " → " + subsets(route.get("route")));
      } else if (name.equals(managedRoute)) {
        Map<String, Object> mirror = MeshConfig.map(route.get("mirror"));
        if (!mirror.isEmpty()) {
          Object pct = MeshConfig.map(route.get("mirrorPercentage")).get("value");
          parts.add(
              "mirror "
                  + (pct instanceof Number n ? ScenarioRun.fmt(n.doubleValue()) : "100")
                  + "% → "
                  + mirror.get("subset"));
        }
        for (Map<String, Object> d : MeshConfig.<Map<String, Object>>list(route.get("route"))) {
          Map<String, Object> add =
              MeshConfig.map(
                  MeshConfig.map(MeshConfig.map(d.get("headers")).get("response")).get("add"));
          if (add.keySet().stream().anyMatch(k -> k.equalsIgnoreCase("set-cookie"))) {
            parts.add("Set-Cookie");
            break;
          }
        }
      }
    }
    return parts;
  }

  private static String subsets(Object destinations) {
    List<String> out = new ArrayList<>();
    for (Map<String, Object> d : MeshConfig.<Map<String, Object>>list(destinations)) {
      out.add(String.valueOf(MeshConfig.map(d.get("destination")).get("subset")));
    }
    return String.join(",", out);
  }

  /** The stages with the versions in each, for the report. */
  Map<String, Object> describe(Instant start) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Stage s : Stage.values()) {
      Version first = first(s);
      out.put(
          s.key,
          first == null
              ? null
              : String.format(
                  Locale.ROOT,
                  "from %s s: %s%s",
                  SandboxReport.fmt(SandboxReport.seconds(start, first.at())),
                  first.weights(),
                  first.sluice().isEmpty() ? "" : " + " + first.sluice()));
    }
    return out;
  }
}
