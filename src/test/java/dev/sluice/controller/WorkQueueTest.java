package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
  private static final Clock CLOCK = Clock.systemUTC();

  @Test
  void aKeyNeverRunsTwiceAtOnceAndARequestDuringARunRunsItOnceMore() throws Exception {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Consumer<String> handler =
        key -> {
          maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
          runs.incrementAndGet();
          firstStarted.countDown();
          try {
            release.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          concurrent.decrementAndGet();
        };
    try (WorkQueue q = new WorkQueue(4, handler, CLOCK)) {
      q.add("ns/a");
      assertThat(firstStarted.await(5, TimeUnit.SECONDS)).isTrue();
      // asked for five more times, routinely and urgently, while it runs: one more run
      for (int i = 0; i < 3; i++) {
        q.add("ns/a");
      }
      q.addUrgent("ns/a");
      q.addUrgent("ns/a");
      release.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 2);
      Thread.sleep(200);
      assertThat(runs).hasValue(2);
      assertThat(maxConcurrent).hasValue(1);
    }
  }

  @Test
  void anUrgentKeyRunsAheadOfABacklogOfRoutineWork() throws Exception {
    List<String> order = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    Consumer<String> handler =
        key -> {
          if (key.startsWith("busy/")) {
            try {
              release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          order.add(key);
        };
    try (WorkQueue q = new WorkQueue(2, handler, CLOCK)) {
      // both routine threads are blocked, and a hundred keys wait behind them
      q.add("busy/1");
      q.add("busy/2");
      for (int i = 0; i < 100; i++) {
        q.add("routine/" + i);
      }
      q.addUrgent("alert/x");
      await().atMost(Duration.ofSeconds(5)).until(() -> order.contains("alert/x"));
      assertThat(order).containsExactly("alert/x");
      release.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> order.size() == 103);
    }
  }

  @Test
  void anUrgentRequestReplacesTheKeysDelayedRun() throws Exception {
    Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    try (WorkQueue q =
        new WorkQueue(
            2,
            key -> runs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet(),
            CLOCK)) {
      q.addAfter("ns/a", Duration.ofMillis(300));
      q.addUrgent("ns/a");
      await().atMost(Duration.ofSeconds(5)).until(() -> runs.containsKey("ns/a"));
      Thread.sleep(600);
      // the delayed run was folded into the urgent one; the handler schedules its own next run
      assertThat(runs.get("ns/a")).hasValue(1);
    }
  }

  @Test
  void aFailingHandlerIsRetriedAndOtherKeysStillRun() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (WorkQueue q =
        new WorkQueue(
            2,
            key -> {
              seen.add(key);
              if (key.equals("ns/bad")) {
                throw new IllegalStateException("boom");
              }
            },
            CLOCK)) {
      q.add("ns/bad");
      q.addUrgent("ns/good");
      q.add("ns/other");
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> seen.containsAll(List.of("ns/bad", "ns/good", "ns/other")));
    }
  }
}
