package dev.sluice.controller;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The resourceVersions of Canaries that this daemon's own writes replaced. The informer's cache can
 * lag behind those writes; a cached Canary whose resourceVersion is one of them is older than what
 * is stored, and must not be decided on (a status write on the mock API server is not even
 * conditional, so a stale decision would overwrite a newer one).
 */
final class OwnWrites {
  private final Map<String, Deque<String>> superseded = new HashMap<>();

  /** A write of {@code key} replaced the version {@code resourceVersion}. */
  synchronized void replaced(String key, String resourceVersion) {
    if (resourceVersion == null) {
      return;
    }
    Deque<String> q = superseded.computeIfAbsent(key, k -> new ArrayDeque<>());
    q.addLast(resourceVersion);
    if (q.size() > Tunables.OWN_WRITES_KEPT) {
      q.removeFirst();
    }
  }

  /** Whether {@code resourceVersion} of {@code key} was replaced by a write of ours. */
  synchronized boolean isStale(String key, String resourceVersion) {
    Deque<String> q = superseded.get(key);
    return q != null && resourceVersion != null && q.contains(resourceVersion);
  }

  synchronized void forget(String key) {
    superseded.remove(key);
  }
}
