package dev.sluice.api;

import dev.sluice.rollout.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which Canaries an alert concerns, by its labels (first rule that applies wins):
 *
 * <ol>
 *   <li>{@code sluice_canary="<namespace>/<name>"}: exactly that Canary, and no other rule;
 *   <li>{@code namespace} and {@code app}: the Canaries of that namespace whose {@code spec.app} is
 *       the label's value;
 *   <li>{@code namespace} and {@code service} (when there is no {@code app} label): the same, with
 *       the {@code service} label's value (Istio's guide names the Service after the app).
 * </ol>
 *
 * Every other label is ignored for matching; an alert with none of these matches nothing.
 */
final class AlertMatcher {
  static final String CANARY_LABEL = "sluice_canary";
  static final String NAMESPACE_LABEL = "namespace";
  static final String APP_LABEL = "app";
  static final String SERVICE_LABEL = "service";

  private AlertMatcher() {}

  /** What the matcher needs to know of a Canary. */
  record Target(String namespace, String name, String app, Phase phase) {
    String key() {
      return namespace + "/" + name;
    }
  }

  /**
   * The matching Canaries and the rule that matched them, or why none did.
   *
   * @param targets the Canaries matched (may be empty)
   * @param rule how they were matched, e.g. {@code namespace+app}
   * @param why when nothing matched, why
   */
  record Match(List<Target> targets, String rule, String why) {}

  static Match match(Map<String, String> labels, List<Target> canaries) {
    String explicit = labels.get(CANARY_LABEL);
    if (explicit != null) {
      String[] parts = explicit.split("/", -1);
      if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
        return new Match(
            List.of(),
            CANARY_LABEL,
            CANARY_LABEL
                + "=\""
                + AlertmanagerPayload.clip(explicit)
                + "\" is not <namespace>/<name>");
      }
      List<Target> found =
          canaries.stream()
              .filter(c -> c.namespace().equals(parts[0]) && c.name().equals(parts[1]))
              .toList();
      return new Match(
          found,
          CANARY_LABEL,
          found.isEmpty()
              ? "no Canary " + AlertmanagerPayload.clip(explicit) + " (" + CANARY_LABEL + ")"
              : null);
    }
    String namespace = labels.get(NAMESPACE_LABEL);
    String app = labels.get(APP_LABEL);
    String labelUsed = APP_LABEL;
    if (app == null) {
      app = labels.get(SERVICE_LABEL);
      labelUsed = SERVICE_LABEL;
    }
    if (namespace == null || app == null) {
      return new Match(
          List.of(),
          null,
          "the alert has neither a sluice_canary label nor namespace and app (or service) labels");
    }
    String ns = namespace;
    String value = app;
    List<Target> found =
        canaries.stream().filter(c -> c.namespace().equals(ns) && value.equals(c.app())).toList();
    String rule = NAMESPACE_LABEL + "+" + labelUsed;
    return new Match(
        found,
        rule,
        found.isEmpty()
            ? "no Canary in namespace "
                + AlertmanagerPayload.clip(ns)
                + " has app "
                + AlertmanagerPayload.clip(value)
                + " ("
                + rule
                + ")"
            : null);
  }

  /** Labels that say nothing about the service (added by Prometheus HA setups and the like). */
  private static final Set<String> NOISE =
      Set.of("alertname", "alertstate", "prometheus", "prometheus_replica", "__name__");

  /** The order in which labels are shown: the ones that matched, then severity, then the rest. */
  private static final List<String> FIRST =
      List.of(CANARY_LABEL, NAMESPACE_LABEL, APP_LABEL, SERVICE_LABEL, "severity");

  /**
   * The alert's useful labels for the rollback reason, e.g. {@code namespace="shop", app="cart",
   * severity="page", version="v2"}, then its summary annotation when it has one.
   */
  static String describe(Map<String, String> labels, Map<String, String> annotations) {
    List<String> parts = new ArrayList<>();
    for (String name : FIRST) {
      if (labels.containsKey(name)) {
        parts.add(name + "=\"" + labels.get(name) + "\"");
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
      if (!FIRST.contains(e.getKey()) && !NOISE.contains(e.getKey())) {
        parts.add(e.getKey() + "=\"" + e.getValue() + "\"");
      }
    }
    StringBuilder out = new StringBuilder(String.join(", ", parts));
    String summary = annotations.getOrDefault("summary", annotations.get("description"));
    if (summary != null && !summary.isBlank()) {
      out.append(out.isEmpty() ? "" : "; ").append("summary: ").append(summary.strip());
    }
    return out.length() <= 600 ? out.toString() : out.substring(0, 599) + "…";
  }
}
