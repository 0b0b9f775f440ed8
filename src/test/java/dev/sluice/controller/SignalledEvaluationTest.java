package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.analysis.Check;
import dev.sluice.analysis.GateVerdict;
import dev.sluice.analysis.Outcome;
import dev.sluice.analysis.QueryResult;
import dev.sluice.metrics.MetricProvider;
import dev.sluice.rollout.Signal;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An alert or a command arriving while its Canary's checks wait for Prometheus. */
class SignalledEvaluationTest {
  private static final Check ERRORS =
      new Check("t", "errors", "errors", OptionalDouble.empty(), OptionalDouble.of(0.01), null, 0);
  private static final Check LATENCY =
      new Check("t", "latency", "latency", OptionalDouble.empty(), OptionalDouble.of(500), null, 0);

  /** Answers 0 to every query, once {@code answer} is counted down. */
  private static final class HeldProvider implements MetricProvider {
    final CountDownLatch answer = new CountDownLatch(1);
    final AtomicInteger asked = new AtomicInteger();

    @Override
    public QueryResult query(String promql) {
      asked.incrementAndGet();
      try {
        answer.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new QueryResult.Samples(List.of(new QueryResult.Sample(Map.of(), 0)));
    }
  }

  private static AnalysisRunner runner(MetricProvider provider) {
    return new AnalysisRunner(null, Map.of(), provider, Clock.systemUTC());
  }

  @Test
  void theVerdictComesOnceEveryAnswerIsInWhenNothingInterrupts() {
    HeldProvider provider = new HeldProvider();
    provider.answer.countDown();
    Optional<GateVerdict> v =
        runner(provider).run(List.of(ERRORS, LATENCY), new CompletableFuture<>());
    assertThat(v).isPresent();
    assertThat(v.get().outcome()).isEqualTo(Outcome.PASS);
    assertThat(v.get().measurements()).hasSize(2);
    assertThat(provider.asked).hasValue(2);
  }

  @Test
  void noChecksIsAVerdictAtOnce() {
    assertThat(runner(new HeldProvider()).run(List.of(), new CompletableFuture<>())).isPresent();
  }

  @Test
  void anInterruptEndsTheWaitForAnswersThatHaveNotCome() throws Exception {
    HeldProvider provider = new HeldProvider();
    CompletableFuture<Void> interrupt = new CompletableFuture<>();
    CompletableFuture<Optional<GateVerdict>> run =
        CompletableFuture.supplyAsync(() -> runner(provider).run(List.of(ERRORS), interrupt));
    while (provider.asked.get() == 0) {
      Thread.sleep(5); // the query is on its way
    }
    assertThat(run).isNotDone();
    interrupt.complete(null);
    // without the interrupt this would wait for the held answer (10 s)
    assertThat(run.get(5, TimeUnit.SECONDS)).isEmpty();
    provider.answer.countDown();
  }

  @Test
  void theInboxSignalsASignalOfferedForTheKeyAndOnlyForIt() {
    SignalInbox inbox = new SignalInbox();
    CompletableFuture<Void> a = inbox.arrival("ns/a");
    CompletableFuture<Void> b = inbox.arrival("ns/b");
    inbox.offer("ns/a", new Signal.AlertFiring("HighErrors", "namespace=ns"));
    assertThat(a).isCompleted();
    assertThat(b).isNotDone();
    // a signal already waiting: the arrival is immediate
    assertThat(inbox.arrival("ns/a")).isCompleted();
    inbox.stopWaiting("ns/b", b);
    inbox.offer("ns/b", new Signal.AlertFiring("HighErrors", "namespace=ns"));
    assertThat(b).as("no longer waited for").isNotDone();
  }

  @Test
  void aReconcileWaitingForPrometheusStopsWhenAnAlertArrives() throws Exception {
    HeldProvider provider = new HeldProvider();
    SignalInbox inbox = new SignalInbox();
    CompletableFuture<Void> signalled = inbox.arrival("ns/a");
    CompletableFuture<Optional<GateVerdict>> run =
        CompletableFuture.supplyAsync(
            () -> runner(provider).run(List.of(ERRORS, LATENCY), signalled));
    while (provider.asked.get() < 2) {
      Thread.sleep(5);
    }
    inbox.offer("ns/a", new Signal.AlertFiring("HighErrors", "namespace=ns"));
    assertThat(run.get(5, TimeUnit.SECONDS)).isEmpty();
    assertThat(inbox.take("ns/a")).isPresent(); // left for the reconcile that decides it
    provider.answer.countDown();
  }

  @Test
  void queriesRunWithTheCallersClassLoaderThoughThePoolsThreadsWereMadeUnderAnother()
      throws Exception {
    // an application started again in the same JVM has a new class loader; the pool's threads,
    // made under the old one, must not answer the provider's questions with it
    ClassLoader old = new java.net.URLClassLoader(new java.net.URL[0]);
    ClassLoader current = new java.net.URLClassLoader(new java.net.URL[0]);
    List<ClassLoader> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    MetricProvider recording =
        promql -> {
          seen.add(Thread.currentThread().getContextClassLoader());
          return new QueryResult.Samples(List.of(new QueryResult.Sample(Map.of(), 0)));
        };
    List<Check> many = java.util.Collections.nCopies(32, ERRORS); // every pool thread made
    Thread first = new Thread(() -> runner(recording).run(many, new CompletableFuture<>()));
    first.setContextClassLoader(old);
    first.start();
    first.join();
    seen.clear();

    Thread second = new Thread(() -> runner(recording).run(many, new CompletableFuture<>()));
    second.setContextClassLoader(current);
    second.start();
    second.join();
    assertThat(seen).hasSize(32).containsOnly(current);
  }
}
