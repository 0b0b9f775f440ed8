package dev.sluice.controller;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Map;
import java.util.Objects;
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
    String key = key(cached);
    Written w = byObject.get(key);
    if (w == null) {
      return cached;
    }
    String version = cached.getMetadata().getResourceVersion();
    if (w.replacedVersion() != null && w.replacedVersion().equals(version)) {
      return w.object();
    }
    if (Objects.equals(version, w.object().getMetadata().getResourceVersion())) {
      // The cache has our write now: keeping a second copy of every object would double the
      // memory the routes take (resourceVersions are opaque, so only equality can tell).
      byObject.remove(key, w);
    }
    return cached;
  }

  /** How many written objects are kept for a cache that has not caught up yet. */
  int pending() {
    return byObject.size();
  }
}
