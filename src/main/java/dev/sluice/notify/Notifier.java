package dev.sluice.notify;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Delivers notifications off the caller's thread: {@link #send} only takes a token from the sink's
 * bucket and queues the delivery, and returns at once, whatever the receivers do. Deliveries run on
 * the notifier's own daemon threads and the HTTP client's, with a per-request timeout; a 5xx, a
 * 429, a timeout or a transport failure is retried with exponential backoff, a 4xx is not. At most
 * {@code queueCapacity} deliveries are under way (retries included); beyond that, and beyond a
 * sink's rate, a notification is dropped. Every outcome is counted in {@code
 * sluice_notifications_total{result,sink,kind}} ({@code delivered}, {@code failed}, {@code
 * dropped}), and each delivery's latency from the transition to the receiver's 2xx in {@code
 * sluice_notification_latency_seconds{sink}}. No URL is ever logged: sinks are named by type and
 * origin.
 */
public final class Notifier implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Notifier.class);

  /** The counter's results. */
  public static final String DELIVERED = "delivered";

  public static final String FAILED = "failed";
  public static final String DROPPED = "dropped";

  /**
   * How deliveries go.
   *
   * @param source the CloudEvents {@code source}
   * @param queueCapacity deliveries under way at most (waiting, in flight or waiting to retry)
   * @param threads threads that prepare deliveries (read Secrets, start requests, retry)
   * @param timeout per request, until the receiver's answer
   * @param connectTimeout per connection
   * @param maxRetries retries after the first attempt
   * @param retryDelay the first retry's delay, doubled at each retry
   * @param maxRetryDelay the longest delay
   * @param perMinute tokens a sink's bucket gains per minute
   * @param burst tokens a sink's bucket holds at most (and starts with)
   */
  public record Settings(
      String source,
      int queueCapacity,
      int threads,
      Duration timeout,
      Duration connectTimeout,
      int maxRetries,
      Duration retryDelay,
      Duration maxRetryDelay,
      double perMinute,
      int burst) {}

  private final Settings settings;
  private final MeterRegistry registry;
  private final Clock clock;
  private final ScheduledThreadPoolExecutor workers;
  private final ExecutorService io;
  private final HttpClient http;
  private final AtomicInteger pending = new AtomicInteger();
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  public Notifier(Settings settings, MeterRegistry registry, Clock clock) {
    this.settings = settings;
    this.registry = registry;
    this.clock = clock;
    this.workers = new ScheduledThreadPoolExecutor(settings.threads(), daemon("sluice-notify"));
    this.workers.setRemoveOnCancelPolicy(true);
    this.io = Executors.newCachedThreadPool(daemon("sluice-notify-http"));
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(io)
            .build();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      // a thread made while a reconcile runs would inherit its log context (the Canary's name)
      // and show it on every line it logs later, for whichever Canary
      Runnable clean =
          () -> {
            org.jboss.logging.MDC.clear();
            r.run();
          };
      Thread t = new Thread(clean, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Queues {@code n} for every sink that wants its kind; returns at once. A sink over its rate, or
   * a full queue, drops it (counted, logged at DEBUG).
   */
  public void send(Notification n, List<Sink> sinks) {
    for (Sink sink : sinks) {
      if (!sink.kinds().contains(n.kind())) {
        continue;
      }
      if (!bucket(sink.key()).take()) {
        dropped(n, sink, "over the sink's rate limit");
        continue;
      }
      if (pending.incrementAndGet() > settings.queueCapacity()) {
        pending.decrementAndGet();
        dropped(n, sink, "the queue is full");
        continue;
      }
      try {
        workers.execute(() -> attempt(n, sink, null, 0));
      } catch (RejectedExecutionException e) {
        pending.decrementAndGet();
        dropped(n, sink, "the notifier is stopped");
      }
    }
  }

  /** Deliveries under way (queued, in flight, or waiting to retry). */
  public int pending() {
    return pending.get();
  }

  private TokenBucket bucket(String key) {
    return buckets.computeIfAbsent(
        key, k -> new TokenBucket(settings.burst(), settings.perMinute() / 60e9));
  }

  private void attempt(Notification n, Sink sink, URI resolved, int attempt) {
    URI uri = resolved;
    try {
      if (uri == null) {
        uri = sink.target().resolve();
      }
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .timeout(settings.timeout())
              .header("Content-Type", Payloads.contentType(sink.type()))
              .header("User-Agent", "sluice")
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      Payloads.body(sink.type(), n, settings.source())))
              .build();
      URI target = uri;
      http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .whenComplete((response, error) -> answered(n, sink, target, attempt, response, error));
    } catch (Sink.Unavailable e) {
      failed(n, sink, e.getMessage());
    } catch (RuntimeException e) {
      // a URL the client refuses, a formatting bug: never retried, never thrown at a caller
      failed(n, sink, describe(e, uri));
    }
  }

  private void answered(
      Notification n,
      Sink sink,
      URI uri,
      int attempt,
      HttpResponse<Void> response,
      Throwable error) {
    String why;
    Duration wait = backoff(attempt);
    if (error == null) {
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        delivered(n, sink);
        return;
      }
      why = "HTTP " + status;
      if (status == 429) {
        Duration backoff = wait;
        wait = retryAfter(response).filter(d -> d.compareTo(backoff) > 0).orElse(backoff);
      } else if (status < 500) {
        failed(n, sink, why + " (not retried)"); // the receiver refuses this message
        return;
      }
    } else {
      why = describe(error instanceof CompletionException c ? c.getCause() : error, uri);
    }
    if (attempt >= settings.maxRetries()) {
      failed(n, sink, why + (attempt == 0 ? "" : " (after " + attempt + " retries)"));
      return;
    }
    LOG.debugf(
        "notification %s of %s to %s: %s; retry %d in %d ms",
        n.kind().label(), n.canary(), sink.describe(), why, attempt + 1, wait.toMillis());
    try {
      workers.schedule(
          () -> attempt(n, sink, uri, attempt + 1), wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      failed(n, sink, why + " (the notifier stopped before the retry)");
    }
  }

  /** The delay before retry {@code attempt + 1}: doubled each time, up to the longest. */
  private Duration backoff(int attempt) {
    long first = settings.retryDelay().toMillis();
    long max = settings.maxRetryDelay().toMillis();
    long delay = first << Math.min(attempt, 30);
    return Duration.ofMillis(delay < 0 || delay > max ? max : delay);
  }

  /** A 429's Retry-After in seconds, no longer than the longest delay. */
  private java.util.Optional<Duration> retryAfter(HttpResponse<?> response) {
    return response
        .headers()
        .firstValue("Retry-After")
        .flatMap(
            v -> {
              try {
                return java.util.Optional.of(Duration.ofSeconds(Long.parseLong(v.trim())));
              } catch (NumberFormatException e) {
                return java.util.Optional.empty();
              }
            })
        .map(d -> d.compareTo(settings.maxRetryDelay()) > 0 ? settings.maxRetryDelay() : d);
  }

  private void delivered(Notification n, Sink sink) {
    Duration took = Duration.between(n.at(), clock.instant());
    latency(sink.type()).record(took.isNegative() ? Duration.ZERO : took);
    count(n, sink, DELIVERED);
    pending.decrementAndGet(); // last: once nothing is pending, every outcome is counted
    LOG.debugf(
        "notification %s of %s delivered to %s %d ms after the transition",
        n.kind().label(), n.canary(), sink.describe(), took.toMillis());
  }

  private void failed(Notification n, Sink sink, String why) {
    count(n, sink, FAILED);
    String message =
        "notification " + n.kind().label() + " to " + sink.describe() + " failed: " + why;
    LOG.warnf("%s: %s", n.canary(), message);
    try {
      sink.onFailure().accept(message);
    } catch (RuntimeException e) {
      LOG.debugf("%s: telling of a failed notification failed: %s", n.canary(), e);
    }
    pending.decrementAndGet(); // last: once nothing is pending, every outcome is told
  }

  private void dropped(Notification n, Sink sink, String why) {
    count(n, sink, DROPPED);
    LOG.debugf(
        "%s: notification %s to %s dropped: %s",
        n.canary(), n.kind().label(), sink.describe(), why);
  }

  private void count(Notification n, Sink sink, String result) {
    Counter.builder("sluice.notifications")
        .description("Notifications by result (delivered, failed, dropped), sink type and kind")
        .tags("result", result, "sink", sink.type().label(), "kind", n.kind().label())
        .register(registry)
        .increment();
  }

  private Timer latency(SinkType type) {
    return Timer.builder("sluice.notification.latency")
        .description("Time from a release's transition to the receiver's 2xx for its notification")
        .tags("sink", type.label())
        .publishPercentiles(0.5, 0.99)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(2))
        .register(registry);
  }

  /**
   * What went wrong, without the URL: the exception's type and message, the URL and its host taken
   * out.
   */
  static String describe(Throwable e, URI uri) {
    if (e instanceof HttpTimeoutException) {
      return "timed out";
    }
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (uri != null) {
      message = message.replace(uri.toString(), "***");
      if (uri.getHost() != null) {
        message = message.replace(uri.getHost(), "***");
      }
      if (uri.getRawPath() != null && uri.getRawPath().length() > 1) {
        message = message.replace(uri.getRawPath(), "***");
      }
    }
    String type = e.getClass().getSimpleName();
    return message.isEmpty() ? type : type + ": " + message;
  }

  @Override
  public void close() {
    workers.shutdownNow();
    io.shutdownNow();
  }

  /** A token bucket: {@code capacity} tokens, refilled at {@code perNano} a nanosecond. */
  static final class TokenBucket {
    private final double capacity;
    private final double perNano;
    private double tokens;
    private long last = System.nanoTime();

    TokenBucket(double capacity, double perNano) {
      this.capacity = capacity;
      this.perNano = perNano;
      this.tokens = capacity;
    }

    synchronized boolean take() {
      long now = System.nanoTime();
      tokens = Math.min(capacity, tokens + (now - last) * perNano);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }

  /** The time of a transition for a {@link Notification}: now, by this notifier's clock. */
  public Instant now() {
    return clock.instant();
  }
}
