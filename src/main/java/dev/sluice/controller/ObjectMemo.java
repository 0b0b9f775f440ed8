package dev.sluice.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Remembers what a pure function of a Kubernetes object gave for the last instance of each object
 * (by namespace and name), so that a reconcile reading an unchanged VirtualService or
 * DestinationRule from the informer cache does not analyse it again: that analysis converts the
 * whole object to a JSON tree, and was 8% of the daemon's CPU with a thousand releases.
 *
 * <p>A result is reused only for the very same instance at the same resourceVersion: the informer
 * cache hands out one instance per stored version, and an edited copy is always a new instance.
 */
final class ObjectMemo<V> {
  private record Entry<V>(Object instance, String resourceVersion, String detail, V value) {}

  private final ConcurrentHashMap<String, Entry<V>> byObject = new ConcurrentHashMap<>();
  private final int capacity;

  /**
   * @param capacity objects remembered before all is forgotten (and relearnt) at once
   */
  ObjectMemo(int capacity) {
    this.capacity = capacity;
  }

  /**
   * {@code compute}'s result for {@code object}, remembered.
   *
   * @param detail what else the result depends on (e.g. the route's name), or null
   */
  V get(HasMetadata object, String detail, Supplier<V> compute) {
    ObjectMeta meta = object == null ? null : object.getMetadata();
    if (meta == null || meta.getResourceVersion() == null) {
      return compute.get();
    }
    String key = meta.getNamespace() + "/" + meta.getName();
    Entry<V> seen = byObject.get(key);
    if (seen != null
        && seen.instance() == object
        && seen.resourceVersion().equals(meta.getResourceVersion())
        && Objects.equals(seen.detail(), detail)) {
      return seen.value();
    }
    V value = compute.get();
    if (byObject.size() >= capacity) {
      byObject.clear();
    }
    byObject.put(key, new Entry<>(object, meta.getResourceVersion(), detail, value));
    return value;
  }
}
