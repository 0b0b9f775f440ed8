package dev.sluice.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Objects of one kind this daemon wrote (or deleted) last, laid over an informer's cache that shows
 * our own writes a little later. A cached copy whose resourceVersion one of our writes replaced is
 * swapped for what we wrote; any other version (ours once the cache has it, or someone else's later
 * write) is taken from the cache as it is. A cached copy of an object we deleted (the same uid, at
 * any version) is left out; one made again under the same name (another uid) is taken.
 */
class WrittenObjects<T extends HasMetadata> {
  /** What we did to one object: {@code object} is null for a deletion of {@code deletedUid}. */
  private record Written<T>(T object, String replacedVersion, String deletedUid) {}

  private final Map<String, Written<T>> byObject = new ConcurrentHashMap<>();

  private static String key(HasMetadata o) {
    return o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  /** Records that {@code before} was replaced by {@code after}; returns {@code after}. */
  T wrote(T before, T after) {
    if (before != null && after != null && after != before) {
      byObject.put(
          key(after), new Written<>(after, before.getMetadata().getResourceVersion(), null));
    }
    return after;
  }

  /** Records that {@code deleted}, as read, was deleted. */
  void deleted(T deleted) {
    byObject.put(key(deleted), new Written<>(null, null, deleted.getMetadata().getUid()));
  }

  /** The newest copy known of {@code cached}'s object; null when it is null or we deleted it. */
  T latest(T cached) {
    if (cached == null) {
      return null;
    }
    String key = key(cached);
    Written<T> w = byObject.get(key);
    if (w == null) {
      return cached;
    }
    if (w.object() == null) {
      if (Objects.equals(w.deletedUid(), cached.getMetadata().getUid())) {
        return null; // the cache has not seen the deletion yet
      }
      byObject.remove(key, w); // made again under the same name
      return cached;
    }
    String version = cached.getMetadata().getResourceVersion();
    if (Objects.equals(w.replacedVersion(), version)) {
      return w.object(); // the cache has not caught up yet
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
