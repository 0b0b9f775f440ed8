package dev.sluice.sandbox;

import dev.sluice.testing.DaemonThreads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends requests to the mesh at a steady rate (open loop: a slow answer does not slow the next
 * request) and counts every answer by the version that served it and its status. Every {@code
 * debugEvery}-th request carries {@code my-header: please-debug-this} and must reach the debug
 * pods; the others carry no such header and must reach v1 or v2.
 *
 * <p>An answer counts as <b>lost</b> unless it is a 200 from the version its route leads to, or a
 * 500 that v2's pods injected on purpose: a proxy error (no route, no subset, no healthy upstream,
 * connection refused or reset, timeout), a request misrouted between the debug route and the
 * default route, or no answer at all.
 */
final class LoadGenerator implements AutoCloseable {
  static final String DEBUG_HEADER = "my-header";
  static final String DEBUG_VALUE = "please-debug-this";

  /** Counts of one second of traffic on the default route. */
  static final class Second {
    final LongAdder v1 = new LongAdder();
    final LongAdder v2 = new LongAdder();
    final LongAdder v2Errors = new LongAdder();
    final LongAdder lost = new LongAdder();
  }

  private final URI target;
  private final double rate;
  private final int debugEvery;
  private final HttpClient http;
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sandbox-load"));
  private final AtomicLong sent = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<String, LongAdder> byVersionAndStatus = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> lostByReason = new ConcurrentHashMap<>();
  private final Map<Long, Second> seconds = new ConcurrentHashMap<>();
  private final AtomicReference<Instant> lastV2Answer = new AtomicReference<>();
  private final LongAdder injected = new LongAdder();
  private final LongAdder lost = new LongAdder();
  private final LongAdder answered = new LongAdder();
  private volatile Instant startedAt;
  private volatile Instant stoppedAt;

  LoadGenerator(URI target, double rate, int debugEvery) {
    this.target = target.resolve("/hello");
    this.rate = rate;
    this.debugEvery = debugEvery;
    this.http = Mesh.http11("sandbox-load-client", Duration.ofSeconds(2));
  }

  LoadGenerator start() {
    startedAt = Instant.now();
    long periodNanos = Math.round(1e9 / rate);
    ticker.scheduleAtFixedRate(this::fire, 0, periodNanos, TimeUnit.NANOSECONDS);
    return this;
  }

  private void fire() {
    long n = sent.incrementAndGet();
    boolean debug = debugEvery > 0 && n % debugEvery == 0;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).GET();
    if (debug) {
      request.header(DEBUG_HEADER, DEBUG_VALUE);
    }
    inFlight.incrementAndGet();
    http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (response, failure) -> {
              try {
                count(debug, response, failure);
              } finally {
                inFlight.decrementAndGet();
              }
            });
  }

  private void count(boolean debug, HttpResponse<String> response, Throwable failure) {
    answered.increment();
    Instant now = Instant.now();
    Second second = debug ? null : seconds.computeIfAbsent(now.getEpochSecond(), s -> new Second());
    if (failure != null) {
      lose(second, "no answer: " + unwrap(failure).getClass().getSimpleName());
      return;
    }
    int status = response.statusCode();
    String version = response.headers().firstValue(Backend.VERSION_HEADER).orElse(null);
    String flag = response.headers().firstValue(Mesh.FLAG_HEADER).orElse(null);
    if (version == null) {
      lose(second, "proxy " + status + (flag == null ? "" : " " + flag));
      return;
    }
    byVersionAndStatus.computeIfAbsent(version + " " + status, k -> new LongAdder()).increment();
    boolean debugPod = version.equals("debug");
    if (debug != debugPod) {
      lose(second, debug ? "debug request served by " + version : "request served by debug pod");
      return;
    }
    boolean isInjected =
        status == 500 && response.headers().firstValue(Behaviour.INJECTED_HEADER).isPresent();
    if (isInjected) {
      injected.increment();
    } else if (status != 200) {
      lose(second, version + " answered " + status);
      return;
    }
    if (second != null) {
      if (version.equals("v2")) {
        second.v2.increment();
        if (isInjected) {
          second.v2Errors.increment();
        }
        lastV2Answer.set(now);
      } else if (version.equals("v1")) {
        second.v1.increment();
      }
    }
  }

  private void lose(Second second, String reason) {
    lost.increment();
    lostByReason.computeIfAbsent(reason, k -> new LongAdder()).increment();
    if (second != null) {
      second.lost.increment();
    }
  }

  /** The failure inside the future's wrapper (ConnectException, HttpTimeoutException, ...). */
  private static Throwable unwrap(Throwable t) {
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Stops sending and waits (at most {@code wait}) for the answers still due. */
  void stop(Duration wait) {
    ticker.shutdownNow();
    stoppedAt = Instant.now();
    long deadline = System.nanoTime() + wait.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int unanswered = inFlight.get();
    if (unanswered > 0) {
      lost.add(unanswered);
      lostByReason.computeIfAbsent("no answer in time", k -> new LongAdder()).add(unanswered);
    }
  }

  long sent() {
    return sent.get();
  }

  long lost() {
    return lost.sum();
  }

  long injectedErrors() {
    return injected.sum();
  }

  /** Requests by "version status", e.g. {@code "v2 500" -> 42}. */
  Map<String, Long> byVersionAndStatus() {
    Map<String, Long> out = new TreeMap<>();
    byVersionAndStatus.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  Map<String, Long> lostByReason() {
    Map<String, Long> out = new TreeMap<>();
    lostByReason.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Per second (epoch second) of the default route's traffic. */
  Map<Long, Second> seconds() {
    return new TreeMap<>(seconds);
  }

  Instant lastV2Answer() {
    return lastV2Answer.get();
  }

  Instant startedAt() {
    return startedAt;
  }

  Instant stoppedAt() {
    return stoppedAt;
  }

  double rate() {
    return rate;
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
