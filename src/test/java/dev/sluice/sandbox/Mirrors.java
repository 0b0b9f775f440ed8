package dev.sluice.sandbox;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The copies of requests that a proxy of the sandbox's mesh mirrors (a route's {@code mirror}), as
 * Envoy shadows them: sent without waiting, their answers read and thrown away, so that a copy
 * never delays, changes or counts as the user's answer. Only the mirror destination's sidecar sees
 * a copy (Istio's {@code reporter="destination"} metrics, through {@code answered}); the client's
 * sidecar does not report it. Unlike Envoy, the copy's authority keeps its host (Envoy adds {@code
 * -shadow}): the sandbox's pods do not look at it.
 *
 * <p>Counts every copy by the version and status that answered it, per second too, and those that
 * could not be delivered by reason.
 */
final class Mirrors {
  /** What became of one delivered copy: the pod it went to, its status, how long it took. */
  record Answer(MeshConfig.Forward to, int status, double millis) {}

  private final HttpClient client;
  private final Consumer<Answer> answered;
  private final LongAdder sent = new LongAdder();
  private final Map<String, LongAdder> byVersionAndStatus = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> notDelivered = new ConcurrentHashMap<>();
  private final Map<Long, LoadGenerator.Second> seconds = new ConcurrentHashMap<>();

  /** Copies go out through {@code client}; each answer is passed to {@code answered}. */
  Mirrors(HttpClient client, Consumer<Answer> answered) {
    this.client = client;
    this.answered = answered;
  }

  /**
   * Sends a copy of the request {@code method pathAndQuery} with {@code headers} and {@code body}
   * to {@code to} (a pod), or counts why it cannot ({@code to} a Refuse). Returns at once.
   */
  void send(
      MeshConfig.Decision to,
      String method,
      String pathAndQuery,
      Map<String, List<String>> headers,
      byte[] body) {
    sent.increment();
    if (to instanceof MeshConfig.Refuse refuse) {
      count(notDelivered, "proxy " + refuse.flag());
      return;
    }
    MeshConfig.Forward pod = (MeshConfig.Forward) to;
    HttpRequest.Builder copy =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pod.port() + pathAndQuery))
            .timeout(pod.timeout())
            .method(
                method,
                body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach((name, values) -> values.forEach(v -> copy.header(name, v)));
    long start = System.nanoTime();
    client
        .sendAsync(copy.build(), HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, failure) -> {
              if (failure != null) {
                count(notDelivered, "no answer: " + failure.getClass().getSimpleName());
                return;
              }
              int status = response.statusCode();
              count(byVersionAndStatus, pod.version() + " " + status);
              LoadGenerator.Second s =
                  seconds.computeIfAbsent(
                      Instant.now().getEpochSecond(), k -> new LoadGenerator.Second());
              if (pod.version().equals("v2")) {
                s.v2.increment();
                if (status >= 500) {
                  s.v2Errors.increment();
                }
              } else if (pod.version().equals("v1")) {
                s.v1.increment();
              }
              answered.accept(new Answer(pod, status, (System.nanoTime() - start) / 1e6));
            });
  }

  private static void count(Map<String, LongAdder> counts, String key) {
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  /** Copies drawn, delivered or not. */
  long sent() {
    return sent.sum();
  }

  /** Delivered copies by "version status" of the pod that answered, e.g. {@code "v2 500"}. */
  Map<String, Long> byVersionAndStatus() {
    return sums(byVersionAndStatus);
  }

  /** Copies that reached no pod, by reason ({@code proxy NC}, {@code no answer: ...}). */
  Map<String, Long> notDelivered() {
    return sums(notDelivered);
  }

  /** Delivered copies per epoch second of their answer. */
  Map<Long, LoadGenerator.Second> seconds() {
    return new TreeMap<>(seconds);
  }

  private static Map<String, Long> sums(Map<String, LongAdder> counts) {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
