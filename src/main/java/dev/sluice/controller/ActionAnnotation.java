package dev.sluice.controller;

import dev.sluice.model.Canary;
import dev.sluice.rollout.Command;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Manual control by annotation: {@code kubectl annotate canary NAME sluice.dev/action=pause}. The
 * reconciler claims the annotation (removes it with a plain update carrying the resourceVersion it
 * read) before acting, so an action is carried out at most once however stale a cached copy is.
 */
final class ActionAnnotation {
  /** The action to take: pause, resume, promote, abort or retry. */
  static final String ACTION = "sluice.dev/action";

  /** Optional: who asks, recorded with the action (kubectl cannot tell Sluice the user). */
  static final String ACTION_BY = "sluice.dev/action-by";

  private ActionAnnotation() {}

  /**
   * The outcome of a claim.
   *
   * @param canary the Canary as now stored (after the removal, or as re-read)
   * @param value the claimed annotation's value, or null when there was nothing to claim
   * @param by who asked, as far as the object tells (for {@code Signal.Manual#by})
   * @param replaced the resourceVersion the removal replaced, when there was one
   */
  record Claim(Canary canary, String value, String by, String replaced) {
    /** The command the value names, or empty for an unknown action. */
    Optional<Command> command() {
      return parse(value);
    }
  }

  static boolean present(Canary canary) {
    return annotations(canary).containsKey(ACTION);
  }

  static Optional<Command> parse(String value) {
    if (value == null) {
      return Optional.empty();
    }
    String v = value.trim().toUpperCase(Locale.ROOT);
    return Arrays.stream(Command.values()).filter(c -> c.name().equals(v)).findFirst();
  }

  /** The valid values, for messages. */
  static String valid() {
    return Arrays.stream(Command.values())
        .map(c -> c.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
  }

  /**
   * Removes the action annotations. A conflict means the copy was stale: read the Canary again and
   * claim what it carries then (perhaps nothing). Returns null when the Canary no longer exists.
   */
  static Claim claim(KubernetesClient client, Canary canary) {
    String ns = canary.getMetadata().getNamespace();
    String name = canary.getMetadata().getName();
    Canary current = canary;
    for (int attempt = 0; attempt < Tunables.ANNOTATION_CLAIM_CONFLICTS; attempt++) {
      Map<String, String> annotations = annotations(current);
      String value = annotations.get(ACTION);
      if (value == null) {
        return new Claim(current, null, null, null);
      }
      String by = by(current);
      Canary copy = client.getKubernetesSerialization().clone(current);
      copy.getMetadata().getAnnotations().remove(ACTION);
      copy.getMetadata().getAnnotations().remove(ACTION_BY);
      try {
        // a plain update carrying the resourceVersion read (no patch): conditional by design
        Canary updated = client.resources(Canary.class).inNamespace(ns).resource(copy).update();
        return new Claim(updated, value, by, current.getMetadata().getResourceVersion());
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return null;
        }
        if (e.getCode() != 409) {
          throw e;
        }
        current = client.resources(Canary.class).inNamespace(ns).withName(name).get();
        if (current == null) {
          return null;
        }
      }
    }
    // Someone keeps changing the Canary: leave the annotation for the next reconcile.
    return new Claim(current, null, null, null);
  }

  /**
   * Who set the annotation: {@value #ACTION_BY} when given, else the field manager that owns the
   * annotation (e.g. {@code kubectl-annotate}, a GitOps controller), else just "annotation".
   */
  static String by(Canary canary) {
    String who = annotations(canary).get(ACTION_BY);
    if (who != null) {
      who = who.strip();
      if (who.isEmpty() || who.length() > 63 || !who.chars().allMatch(ActionAnnotation::plain)) {
        who = null;
      }
    }
    if (who == null) {
      who = manager(canary);
    }
    return who == null ? "annotation" : who + " via annotation";
  }

  private static boolean plain(int c) {
    return c > ' ' && c < 127 || c == ' ';
  }

  private static String manager(Canary canary) {
    if (canary.getMetadata().getManagedFields() == null) {
      return null;
    }
    String key = "f:" + ACTION;
    String found = null;
    for (ManagedFieldsEntry e : canary.getMetadata().getManagedFields()) {
      if (e.getFieldsV1() == null || e.getManager() == null) {
        continue;
      }
      Object metadata = e.getFieldsV1().getAdditionalProperties().get("f:metadata");
      if (metadata instanceof Map<?, ?> m
          && m.get("f:annotations") instanceof Map<?, ?> a
          && a.containsKey(key)) {
        found = e.getManager();
      }
    }
    return found == null || found.length() > 63 ? null : found;
  }

  private static Map<String, String> annotations(Canary canary) {
    Map<String, String> a = canary.getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }
}
