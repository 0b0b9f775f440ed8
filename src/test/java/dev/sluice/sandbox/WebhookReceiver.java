package dev.sluice.sandbox;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A small real HTTP receiver for the daemon's webhooks and notifications, on 127.0.0.1 at a free
 * port: records every POST (path, headers, whether an {@code Authorization} header came but never
 * its value, body, when it arrived, what it was answered) and answers each path from a table the
 * scenario programs and may change while it runs ({@link #on}). POSTs under {@value #NOTIFY} are
 * notifications: answered 200 unless programmed otherwise. Any other path nobody programmed is
 * answered 404.
 */
final class WebhookReceiver implements AutoCloseable {
  /** The path prefix of notifications (Slack, Teams, CloudEvents...), whatever their kind. */
  static final String NOTIFY = "/notify/";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a path is answered. */
  record Answer(int status, String body) {
    boolean passed() {
      return status >= 200 && status < 300;
    }

    @Override
    public String toString() {
      return status + (body == null || body.isEmpty() ? "" : " " + body);
    }
  }

  /** A request as the receiver got it, before it is answered. */
  record Request(Instant at, String path, String body, Map<String, Object> json) {
    /** A string field of the JSON body, or null. */
    String field(String name) {
      Object v = json == null ? null : json.get(name);
      return v == null ? null : String.valueOf(v);
    }
  }

  /** Decides the answer to a request; may act on it (start something, count it). */
  @FunctionalInterface
  interface Responder {
    Answer answer(Request request);
  }

  /** One POST received and what it was answered. */
  record Call(
      Instant at,
      String path,
      Map<String, List<String>> headers,
      boolean authorization,
      String body,
      Map<String, Object> json,
      Answer answer,
      Instant answeredAt) {

    boolean notification() {
      return path.startsWith(NOTIFY);
    }

    /** A string field of the JSON body, or null. */
    String field(String name) {
      Object v = json == null ? null : json.get(name);
      return v == null ? null : String.valueOf(v);
    }

    /** An integer field of the JSON body, or null. */
    Integer intField(String name) {
      Object v = json == null ? null : json.get(name);
      return v instanceof Number n ? n.intValue() : null;
    }

    /** The first value of a header (names compared ignoring case), or null. */
    String header(String name) {
      for (Map.Entry<String, List<String>> h : headers.entrySet()) {
        if (h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
          return h.getValue().get(0);
        }
      }
      return null;
    }

    /**
     * When the transition a CloudEvent tells of happened: its {@code time}, from a structured JSON
     * body (with {@code specversion}) or, in binary mode, the {@code ce-time} header beside {@code
     * ce-specversion}; null when this is not a CloudEvent or it has no valid time.
     */
    Instant cloudEventTime() {
      String time = null;
      if (json != null && json.containsKey("specversion")) {
        time = field("time");
      } else if (header("ce-specversion") != null) {
        time = header("ce-time");
      }
      if (time == null) {
        return null;
      }
      try {
        return Instant.parse(time);
      } catch (DateTimeParseException e) {
        try {
          return java.time.OffsetDateTime.parse(time).toInstant();
        } catch (DateTimeParseException again) {
          return null;
        }
      }
    }
  }

  private final HttpServer server;
  private final ExecutorService pool;
  private final Map<String, Responder> table = new ConcurrentHashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<Consumer<Call>> listeners = new CopyOnWriteArrayList<>();

  private WebhookReceiver(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  /** Starts a receiver on 127.0.0.1 at a free port. */
  static WebhookReceiver start() {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // a few threads: a gate that is polled must not hold up a step hook or a notification
    ExecutorService pool =
        Executors.newFixedThreadPool(4, dev.sluice.testing.DaemonThreads.named("sandbox-hooks"));
    WebhookReceiver r = new WebhookReceiver(server, pool);
    server.createContext("/", r::handle);
    server.setExecutor(pool);
    server.start();
    return r;
  }

  /** The URL of {@code path} on this receiver. */
  URI url(String path) {
    return URI.create(
        "http://127.0.0.1:"
            + server.getAddress().getPort()
            + (path.startsWith("/") ? "" : "/")
            + path);
  }

  /** From now on, POSTs to exactly {@code path} are answered by {@code responder}. */
  WebhookReceiver on(String path, Responder responder) {
    table.put(path, responder);
    return this;
  }

  /** Called with every call once it has been answered (on the receiver's threads). */
  void onCall(Consumer<Call> listener) {
    listeners.add(listener);
  }

  /** Every request received so far, in the order their answers were decided. */
  List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The calls to {@code path}. */
  List<Call> calls(String path) {
    return calls.stream().filter(c -> c.path().equals(path)).toList();
  }

  /** The notifications received (POSTs under {@value #NOTIFY}). */
  List<Call> notifications() {
    return calls.stream().filter(Call::notification).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    Instant at = Instant.now();
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      byte[] raw;
      try (InputStream in = exchange.getRequestBody()) {
        raw = in.readAllBytes();
      }
      String body = new String(raw, StandardCharsets.UTF_8);
      Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      boolean authorization = false;
      for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
        if (h.getKey().equalsIgnoreCase("Authorization")) {
          authorization = true; // never its value: it is a credential
        } else {
          headers.put(h.getKey().toLowerCase(Locale.ROOT), List.copyOf(h.getValue()));
        }
      }
      Map<String, Object> json = parse(body);
      Answer answer;
      if (!exchange.getRequestMethod().equals("POST")) {
        answer = new Answer(405, "only POST");
      } else {
        Responder responder = table.get(path);
        if (responder != null) {
          Request request = new Request(at, path, body, json);
          try {
            answer = responder.answer(request);
          } catch (RuntimeException e) {
            answer = new Answer(500, "the receiver failed: " + e);
          }
        } else if (path.startsWith(NOTIFY)) {
          answer = new Answer(200, "");
        } else {
          answer = new Answer(404, "no webhook at " + path);
        }
      }
      // recorded before the answer goes out: whoever got the answer finds the call recorded
      Call call =
          new Call(
              at,
              path,
              java.util.Collections.unmodifiableMap(headers),
              authorization,
              body,
              json,
              answer,
              Instant.now());
      calls.add(call);
      for (Consumer<Call> l : listeners) {
        try {
          l.accept(call);
        } catch (RuntimeException e) {
          // a listener's failure must not fail the receiver
        }
      }
      byte[] out =
          answer.body() == null ? new byte[0] : answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream o = exchange.getResponseBody()) {
          o.write(out);
        }
      }
    }
  }

  private static Map<String, Object> parse(String body) {
    String b = body.strip();
    if (!b.startsWith("{")) {
      return null;
    }
    try {
      return JSON.readValue(b, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  // ---- responders -----------------------------------------------------------------------------

  /** Always the same answer. */
  static Responder always(int status, String body) {
    Answer a = new Answer(status, body);
    return request -> a;
  }

  /**
   * An approval gate, one per release: closed for every release (told apart by the payload's {@code
   * releaseStartedAt}) until {@link #open} is called for it; answers {@code 403} while closed,
   * {@code 200} once opened.
   */
  static final class Gate implements Responder {
    private final Set<String> opened = ConcurrentHashMap.newKeySet();

    @Override
    public Answer answer(Request request) {
      String release = request.field("releaseStartedAt");
      return release != null && opened.contains(release)
          ? new Answer(200, "approved")
          : new Answer(403, "waiting for approval");
    }

    /** Opens the gate for the release that started at {@code releaseStartedAt}. */
    void open(String releaseStartedAt) {
      opened.add(releaseStartedAt);
    }

    boolean isOpen(String releaseStartedAt) {
      return opened.contains(releaseStartedAt);
    }
  }

  /**
   * Answers {@code answer} to every call, and runs {@code action} once, on the first call, before
   * answering it (e.g. start the load of a quiet service).
   */
  static Responder onFirstCall(Runnable action, Answer answer) {
    AtomicBoolean done = new AtomicBoolean();
    return request -> {
      if (done.compareAndSet(false, true)) {
        action.run();
      }
      return answer;
    };
  }

  // ---- notification latency -------------------------------------------------------------------

  /**
   * For the CloudEvents among {@code calls}: how long after the transition ({@code time}) each was
   * received, and its p50 and p99 (nearest rank); empty when there were none.
   */
  static Map<String, Object> cloudEventLatency(List<Call> calls) {
    List<Double> ms = new ArrayList<>();
    for (Call c : calls) {
      Instant time = c.cloudEventTime();
      if (time != null) {
        ms.add(Duration.between(time, c.at()).toNanos() / 1e6);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    if (ms.isEmpty()) {
      return out;
    }
    List<Double> sorted = ms.stream().sorted().toList();
    out.put("count", sorted.size());
    out.put("p50Ms", round1(percentile(sorted, 0.50)));
    out.put("p99Ms", round1(percentile(sorted, 0.99)));
    out.put("maxMs", round1(sorted.get(sorted.size() - 1)));
    return out;
  }

  /** The nearest-rank percentile {@code q} (0..1] of sorted values. */
  static double percentile(List<Double> sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
  }

  private static double round1(double d) {
    return Math.round(d * 10) / 10.0;
  }
}
