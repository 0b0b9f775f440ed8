package dev.sluice.controller;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;

/**
 * The Canary one reconcile works on, as last read or written (each status write returns the stored
 * copy, whose resourceVersion the next write is conditional on), and the manual action this
 * reconcile applied (recorded in {@code status.lastAction} by every write that follows).
 */
final class Subject {
  final String key;
  final String namespace;
  final String name;
  private Canary canary;
  private CanaryStatus.ManualAction applied;

  Subject(Canary canary) {
    this.canary = canary;
    this.namespace = canary.getMetadata().getNamespace();
    this.name = canary.getMetadata().getName();
    this.key = namespace + "/" + name;
  }

  Canary canary() {
    return canary;
  }

  /** The Canary as the API server returned it after a write of ours. */
  void replaced(Canary stored) {
    canary = stored;
  }

  long generation() {
    Long g = canary.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  CanaryStatus.ManualAction applied() {
    return applied;
  }

  void applied(CanaryStatus.ManualAction action) {
    applied = action;
  }
}
