package dev.sluice.sandbox;

import dev.sluice.testing.DaemonThreads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
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
 *
 * <p>Every request belongs to a simulated user's session ({@link Sessions}): it carries the
 * session's cookies (and takes those its answer sets) and its group's header, if any; the answers
 * are recorded per session, and per second by group.
 *
 * <p>The requests may go to several entry points in turn (e.g. an ingress gateway and the mesh's
 * sidecar): request n goes to entry point n mod k, each with its own share of debug requests, and
 * the answers are also counted per entry point.
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

  /**
   * Where requests enter the mesh.
   *
   * @param name e.g. {@code gateway}, {@code mesh}
   * @param target the proxy's URL
   * @param debugEvery every how many of this entry point's requests carries the debug header (0:
   *     none)
   */
  record EntryPoint(String name, URI target, int debugEvery) {}

  /** What one entry point's requests became. */
  static final class EntryCounts {
    final AtomicLong sent = new AtomicLong();
    final AtomicInteger inFlight = new AtomicInteger();
    final LongAdder lost = new LongAdder();
    final LongAdder injected = new LongAdder();
    final Map<String, LongAdder> byVersionAndStatus = new ConcurrentHashMap<>();
    final Map<String, LongAdder> lostByReason = new ConcurrentHashMap<>();
    final Map<Long, Second> seconds = new ConcurrentHashMap<>();
  }

  private final List<EntryPoint> entries;
  private final Map<String, EntryCounts> byEntry = new LinkedHashMap<>();
  private final double rate;
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
  private final Sessions sessions;
  private final Map<String, Map<Long, Second>> groupSeconds = new ConcurrentHashMap<>();
  private volatile Instant startedAt;
  private volatile Instant stoppedAt;

  LoadGenerator(URI target, double rate, int debugEvery) {
    this(List.of(new EntryPoint("mesh", target, debugEvery)), rate);
  }

  /** {@code rate} requests per second in all, to the entry points in turn. */
  LoadGenerator(List<EntryPoint> entries, double rate) {
    this(entries, rate, Sessions.Profile.forRate(rate, List.of()));
  }

  /** As {@link #LoadGenerator(List, double)}, from sessions as {@code sessions} says. */
  LoadGenerator(List<EntryPoint> entries, double rate, Sessions.Profile sessions) {
    this.sessions = new Sessions(sessions);
    this.entries =
        entries.stream()
            .map(e -> new EntryPoint(e.name(), e.target().resolve("/hello"), e.debugEvery()))
            .toList();
    entries.forEach(e -> byEntry.put(e.name(), new EntryCounts()));
    this.rate = rate;
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
    EntryPoint entry = entries.get((int) ((n - 1) % entries.size()));
    EntryCounts counts = byEntry.get(entry.name());
    long k = counts.sent.incrementAndGet();
    boolean debug = entry.debugEvery() > 0 && k % entry.debugEvery() == 0;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(entry.target()).timeout(Duration.ofSeconds(10)).GET();
    if (debug) {
      request.header(DEBUG_HEADER, DEBUG_VALUE);
    }
    Sessions.Session session = sessions.next();
    Instant sentAt = Instant.now();
    session.prepare(request, entry.target().getPath(), sentAt);
    inFlight.incrementAndGet();
    counts.inFlight.incrementAndGet();
    http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (response, failure) -> {
              try {
                count(counts, debug, response, failure);
                if (response != null) {
                  String version =
                      response.headers().firstValue(Backend.VERSION_HEADER).orElse(null);
                  session.answered(sentAt, response, debug ? null : version);
                  countGroup(session, debug, version, response);
                }
              } finally {
                counts.inFlight.decrementAndGet();
                inFlight.decrementAndGet();
              }
            });
  }

  private void count(
      EntryCounts counts, boolean debug, HttpResponse<String> response, Throwable failure) {
    answered.increment();
    Instant now = Instant.now();
    Second second = debug ? null : seconds.computeIfAbsent(now.getEpochSecond(), s -> new Second());
    Second entrySecond =
        debug ? null : counts.seconds.computeIfAbsent(now.getEpochSecond(), s -> new Second());
    if (failure != null) {
      lose(counts, second, entrySecond, "no answer: " + unwrap(failure).getClass().getSimpleName());
      return;
    }
    int status = response.statusCode();
    String version = response.headers().firstValue(Backend.VERSION_HEADER).orElse(null);
    String flag = response.headers().firstValue(Mesh.FLAG_HEADER).orElse(null);
    if (version == null) {
      lose(counts, second, entrySecond, "proxy " + status + (flag == null ? "" : " " + flag));
      return;
    }
    byVersionAndStatus.computeIfAbsent(version + " " + status, k -> new LongAdder()).increment();
    counts
        .byVersionAndStatus
        .computeIfAbsent(version + " " + status, k -> new LongAdder())
        .increment();
    boolean debugPod = version.equals("debug");
    if (debug != debugPod) {
      lose(
          counts,
          second,
          entrySecond,
          debug ? "debug request served by " + version : "request served by debug pod");
      return;
    }
    boolean isInjected =
        status == 500 && response.headers().firstValue(Behaviour.INJECTED_HEADER).isPresent();
    if (isInjected) {
      injected.increment();
      counts.injected.increment();
    } else if (status != 200) {
      lose(counts, second, entrySecond, version + " answered " + status);
      return;
    }
    for (Second s : new Second[] {second, entrySecond}) {
      if (s == null) {
        continue;
      }
      if (version.equals("v2")) {
        s.v2.increment();
        if (isInjected) {
          s.v2Errors.increment();
        }
      } else if (version.equals("v1")) {
        s.v1.increment();
      }
    }
    if (second != null && version.equals("v2")) {
      lastV2Answer.set(now);
    }
  }

  /** The group's second: a pod's answer to a request without the debug header. */
  private void countGroup(
      Sessions.Session session, boolean debug, String version, HttpResponse<String> response) {
    if (debug || version == null) {
      return;
    }
    Second s =
        groupSeconds
            .computeIfAbsent(session.groupName(), g -> new ConcurrentHashMap<>())
            .computeIfAbsent(Instant.now().getEpochSecond(), t -> new Second());
    if (version.equals("v2")) {
      s.v2.increment();
      if (response.statusCode() >= 500) {
        s.v2Errors.increment();
      }
    } else if (version.equals("v1")) {
      s.v1.increment();
    }
  }

  private void lose(EntryCounts counts, Second second, Second entrySecond, String reason) {
    lost.increment();
    lostByReason.computeIfAbsent(reason, k -> new LongAdder()).increment();
    counts.lost.increment();
    counts.lostByReason.computeIfAbsent(reason, k -> new LongAdder()).increment();
    if (second != null) {
      second.lost.increment();
      entrySecond.lost.increment();
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
      for (EntryCounts c : byEntry.values()) {
        int n = c.inFlight.get();
        if (n > 0) {
          c.lost.add(n);
          c.lostByReason.computeIfAbsent("no answer in time", k -> new LongAdder()).add(n);
        }
      }
    }
  }

  /** The entry points' names, in the order requests go to them. */
  List<String> entryPoints() {
    return entries.stream().map(EntryPoint::name).toList();
  }

  /**
   * What the requests that entered through {@code entry} became: {@code sent}, {@code
   * byVersionAndStatus}, {@code injectedErrors}, {@code lost}, {@code lostByReason}.
   */
  Map<String, Object> entry(String entry) {
    EntryCounts c = byEntry.get(entry);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("sent", c.sent.get());
    out.put("byVersionAndStatus", sums(c.byVersionAndStatus));
    out.put("injectedErrors", c.injected.sum());
    out.put("lost", c.lost.sum());
    out.put("lostByReason", sums(c.lostByReason));
    return out;
  }

  /** Requests by "version status" that entered through {@code entry}. */
  Map<String, Long> byVersionAndStatus(String entry) {
    return sums(byEntry.get(entry).byVersionAndStatus);
  }

  /**
   * Per second (epoch second) of the default route's traffic that entered through {@code entry}.
   */
  Map<Long, Second> seconds(String entry) {
    return new TreeMap<>(byEntry.get(entry).seconds);
  }

  private static Map<String, Long> sums(Map<String, LongAdder> counts) {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
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

  /** The simulated users, and what each was answered. */
  Sessions sessions() {
    return sessions;
  }

  /**
   * Per second (epoch second) of the answers pods gave to the sessions of the group named {@code
   * group} ({@link Sessions#USERS} for the others), debug requests left out.
   */
  Map<Long, Second> secondsOfGroup(String group) {
    return new TreeMap<>(groupSeconds.getOrDefault(group, Map.of()));
  }

  Instant lastV2Answer() {
    return lastV2Answer.get();
  }

  Instant startedAt() {
    return startedAt;
  }

  /** Whether {@link #start} was called (the webhooks scenario starts it from a step webhook). */
  boolean isStarted() {
    return startedAt != null;
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
