package dev.sluice.controller;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Deployments this daemon retired last (deleted, or scaled to zero). The informer's cache shows
 * such a change a little later; until it does, its older copy would show an old version still
 * running and ready, which must never be taken for a new release (an old version deleted at
 * promotion, created in the same second as the new one, would otherwise be "released" again). A
 * cached copy whose resourceVersion one of our writes replaced is swapped for what we wrote, or
 * left out when we deleted it; any other version is taken from the cache as it is.
 */
final class DeploymentWrites {
  /** What we did to one Deployment: {@code object} is null for a deletion. */
  private record Written(Deployment object, String replacedVersion) {}

  private final Map<String, Written> byObject = new ConcurrentHashMap<>();

  private static String key(Deployment d) {
    return d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
  }

  /** Records that {@code before} was replaced by {@code after}; returns {@code after}. */
  Deployment wrote(Deployment before, Deployment after) {
    if (before != null && after != null && after != before) {
      byObject.put(key(after), new Written(after, before.getMetadata().getResourceVersion()));
    }
    return after;
  }

  /** Records that {@code deleted}, as read, was deleted. */
  void deleted(Deployment deleted) {
    byObject.put(key(deleted), new Written(null, deleted.getMetadata().getResourceVersion()));
  }

  /** The newest copy known of {@code cached}'s object, or null when we deleted it. */
  Deployment latest(Deployment cached) {
    if (cached == null) {
      return null;
    }
    String key = key(cached);
    Written w = byObject.get(key);
    if (w == null) {
      return cached;
    }
    String version = cached.getMetadata().getResourceVersion();
    if (Objects.equals(w.replacedVersion(), version)) {
      return w.object(); // the cache has not caught up yet
    }
    // the cache has our write, or a later change (a Deployment made again under the same name)
    byObject.remove(key, w);
    return cached;
  }

  /** How many retired Deployments are kept for a cache that has not caught up yet. */
  int pending() {
    return byObject.size();
  }
}
