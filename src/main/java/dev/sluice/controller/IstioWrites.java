package dev.sluice.controller;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The VirtualServices and DestinationRules this daemon wrote last. The informer's cache delivers
 * our own writes a little later; deciding from its older copy would write again with a stale
 * resourceVersion (a conflict, then a read). A cached object whose resourceVersion one of our
 * writes replaced is swapped for what we wrote; any other version (ours, or someone else's later
 * write) is taken from the cache as it is.
 */
final class IstioWrites {
  private record Written(GenericKubernetesResource object, String replacedVersion) {}

  private final Map<String, Written> byObject = new ConcurrentHashMap<>();

  private static String key(GenericKubernetesResource o) {
    return o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  /** Records that {@code before} was replaced by {@code after}; returns {@code after}. */
  GenericKubernetesResource wrote(
      GenericKubernetesResource before, GenericKubernetesResource after) {
    if (before != null && after != null && after != before) {
      byObject.put(key(after), new Written(after, before.getMetadata().getResourceVersion()));
    }
    return after;
  }

  /** The newest copy known of {@code cached}'s object. */
  GenericKubernetesResource latest(GenericKubernetesResource cached) {
    if (cached == null) {
      return null;
    }
    Written w = byObject.get(key(cached));
    if (w != null
        && w.replacedVersion() != null
        && w.replacedVersion().equals(cached.getMetadata().getResourceVersion())) {
      return w.object();
    }
    return cached;
  }
}
