package dev.sluice.controller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Runs a handler per key, never twice at once for the same key, coalescing requests: a key asked
 * for while it runs runs once more afterwards. Delayed requests keep only the earliest time.
 *
 * <p>Urgent requests (an alert, a person's command) run on their own small pool, ahead of any
 * backlog of routine work: with a thousand releases due at once, a rollback must not wait for the
 * evaluations queued before it.
 */
final class WorkQueue implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(WorkQueue.class);

  // Urgent work waits on API writes, not on the CPU: with two threads, a hundred alerts arriving
  // together (one Alertmanager group) queued for 0.8 s at 1,000 Canaries (scripts/bench).
  private static final int URGENT_THREADS = 8;

  private final ScheduledExecutorService pool;
  private final ExecutorService urgentPool;
  private final Consumer<String> handler;
  private final Clock clock;
  private final Map<String, Pending> pending = new HashMap<>();
  private final Set<String> running = new HashSet<>();
  private final Set<String> rerun = new HashSet<>();
  private final Set<String> urgentRerun = new HashSet<>();

  private record Pending(Instant at, ScheduledFuture<?> future) {}

  WorkQueue(int threads, Consumer<String> handler, Clock clock) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "sluice-reconcile-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(threads, factory);
    // on close, reconciles under way finish; those scheduled for later are dropped
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setRemoveOnCancelPolicy(true);
    this.pool = executor;
    AtomicInteger u = new AtomicInteger();
    this.urgentPool =
        Executors.newFixedThreadPool(
            URGENT_THREADS,
            r -> {
              Thread t = new Thread(r, "sluice-urgent-" + u.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.handler = handler;
    this.clock = clock;
  }

  /** Run {@code key} as soon as possible. */
  void add(String key) {
    addAt(key, clock.instant());
  }

  /** Run {@code key} after {@code delay} (or earlier, if asked for earlier). */
  void addAfter(String key, Duration delay) {
    addAt(key, clock.instant().plus(delay));
  }

  /**
   * Run {@code key} now, ahead of routine work. If it is running, it runs again (urgently) as soon
   * as that run ends.
   */
  synchronized void addUrgent(String key) {
    if (running.contains(key)) {
      rerun.add(key);
      urgentRerun.add(key);
      return;
    }
    Pending p = pending.remove(key);
    if (p != null) {
      p.future().cancel(false);
    }
    if (urgentPool.isShutdown()) {
      return;
    }
    running.add(key);
    urgentPool.execute(() -> runClaimed(key));
  }

  synchronized void addAt(String key, Instant at) {
    if (running.contains(key) && !at.isAfter(clock.instant())) {
      rerun.add(key);
      return;
    }
    Pending p = pending.get(key);
    if (p != null && !p.at().isAfter(at)) {
      return;
    }
    if (p != null) {
      p.future().cancel(false);
    }
    long delayMs = Math.max(0, Duration.between(clock.instant(), at).toMillis());
    ScheduledFuture<?> f = pool.schedule(() -> run(key), delayMs, TimeUnit.MILLISECONDS);
    pending.put(key, new Pending(at, f));
  }

  private void run(String key) {
    synchronized (this) {
      pending.remove(key);
      if (running.contains(key)) {
        rerun.add(key);
        return;
      }
      running.add(key);
    }
    runClaimed(key);
  }

  /** Runs {@code key}, already marked running by the caller. */
  private void runClaimed(String key) {
    try {
      handler.accept(key);
    } catch (RuntimeException e) {
      LOG.errorf(
          e,
          "reconcile of %s failed; retrying in %s",
          key,
          dev.sluice.rollout.Durations.format(Tunables.RETRY_AFTER_ERROR));
      addAfter(key, Tunables.RETRY_AFTER_ERROR);
    } finally {
      boolean again;
      boolean urgent;
      synchronized (this) {
        running.remove(key);
        again = rerun.remove(key);
        urgent = urgentRerun.remove(key);
      }
      if (urgent) {
        addUrgent(key);
      } else if (again) {
        add(key);
      }
    }
  }

  /** Forget a key (its object was deleted). */
  synchronized void forget(String key) {
    Pending p = pending.remove(key);
    if (p != null) {
      p.future().cancel(false);
    }
  }

  @Override
  public void close() {
    urgentPool.shutdown();
    pool.shutdown();
    try {
      if (!pool.awaitTermination(Tunables.SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        pool.shutdownNow();
      }
      if (!urgentPool.awaitTermination(Tunables.SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        urgentPool.shutdownNow();
      }
    } catch (InterruptedException e) {
      urgentPool.shutdownNow();
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
