package dev.sluice.controller;

import dev.sluice.rollout.Signal;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Manual commands and alerts waiting for their Canary's next reconcile. Each is answered once the
 * state machine has seen it: with the refusal when the command does not apply, else empty. An alert
 * is answered with why when it rolled nothing back (no release was running), else empty.
 */
public final class SignalInbox {

  /**
   * When a signal reached the daemon (e.g. the webhook's request): the wall-clock instant, for
   * logs, and {@link System#nanoTime()}, for durations.
   */
  public record Received(Instant at, long nanos) {
    public static Received now() {
      return new Received(Instant.now(), System.nanoTime());
    }
  }

  /** A signal, when it was received, and the answer its sender waits for. */
  public record Pending(
      Signal signal, CompletableFuture<Optional<String>> answer, Received received) {
    void answer(Optional<String> refusal) {
      answer.complete(refusal);
    }
  }

  private final Map<String, Deque<Pending>> byKey = new HashMap<>();
  private final Map<String, CompletableFuture<Void>> waiting = new HashMap<>();

  /** Queues {@code signal} for the Canary {@code key}; the future completes when it was decided. */
  public CompletableFuture<Optional<String>> offer(String key, Signal signal) {
    return offer(key, signal, Received.now());
  }

  /**
   * As {@link #offer(String, Signal)}, for a signal that reached the daemon at {@code received}.
   */
  public CompletableFuture<Optional<String>> offer(String key, Signal signal, Received received) {
    Pending p = new Pending(signal, new CompletableFuture<>(), received);
    CompletableFuture<Void> waiter;
    synchronized (this) {
      byKey.computeIfAbsent(key, k -> new ArrayDeque<>()).add(p);
      // a webhook's answer that rolls nothing back waits for the checks under way
      waiter = urgent(signal) ? waiting.remove(key) : null;
    }
    if (waiter != null) {
      waiter.complete(null); // outside the lock: it wakes a reconcile
    }
    return p.answer();
  }

  /** Whether {@code signal} is to interrupt checks under way (else it waits for them). */
  private static boolean urgent(Signal signal) {
    return !(signal instanceof Signal.HookAnswered a)
        || (a.passed() && a.call().type() == dev.sluice.rollout.Hook.Type.ROLLBACK)
        || (!a.passed() && a.call().type() == dev.sluice.rollout.Hook.Type.PRE_ROLLOUT);
  }

  /**
   * Completes when a signal for {@code key} is offered, or at once if one is waiting: lets a
   * reconcile stop waiting for Prometheus when an alert or a command arrives. The caller ends the
   * wait with {@link #stopWaiting}.
   */
  synchronized CompletableFuture<Void> arrival(String key) {
    if (hasPending(key)) {
      return CompletableFuture.completedFuture(null);
    }
    return waiting.computeIfAbsent(key, k -> new CompletableFuture<>());
  }

  /** The reconcile that asked for {@code arrival} no longer waits. */
  synchronized void stopWaiting(String key, CompletableFuture<Void> arrival) {
    waiting.remove(key, arrival);
  }

  synchronized Optional<Pending> take(String key) {
    Deque<Pending> q = byKey.get(key);
    if (q == null || q.isEmpty()) {
      return Optional.empty();
    }
    Pending p = q.poll();
    if (q.isEmpty()) {
      byKey.remove(key);
    }
    return Optional.of(p);
  }

  synchronized boolean hasPending(String key) {
    Deque<Pending> q = byKey.get(key);
    return q != null && !q.isEmpty();
  }

  /** Every waiting sender of {@code key} is refused with {@code why}; returns their signals. */
  synchronized List<Signal> refuseAll(String key, String why) {
    Deque<Pending> q = byKey.remove(key);
    if (q == null) {
      return List.of();
    }
    q.forEach(p -> p.answer(Optional.of(why)));
    return q.stream().map(Pending::signal).toList();
  }

  /** The Canary is gone: every waiting sender is told so. */
  synchronized void forget(String key) {
    Deque<Pending> q = byKey.remove(key);
    if (q != null) {
      q.forEach(p -> p.answer(Optional.of("the Canary no longer exists")));
    }
  }
}
