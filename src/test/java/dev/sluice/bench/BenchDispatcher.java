package dev.sluice.bench;

import dev.sluice.testing.DaemonThreads;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark's stand-in for the API server's storage: fabric8's CRUD dispatcher with four
 * changes that make it measure the daemon rather than itself.
 *
 * <ul>
 *   <li>Event creations are answered 201 and not stored: a thousand releases leave tens of
 *       thousands of Events that a real API server keeps apart (indexed, with a TTL).
 *   <li>An object is found by its key (resource plural, namespace, name), as etcd does, instead of
 *       by comparing the request with every object held. The stock dispatcher's scan made each
 *       write cost ~6.5 ms with 6,000 objects; writes are still stored one at a time under its
 *       lock, so the stand-in remains slower than a real API server, which writes in parallel.
 *   <li>Each create and update is timed (lock wait included) for the benchmark's report, and each
 *       stored update of a VirtualService is handed to the benchmark with the instant it was stored
 *       and which VirtualService it is for (a Canary may list several): reactions and steps end
 *       when the API server stores the route, not when a watch delivers it.
 *   <li>A watch from a resourceVersion, as an informer opens after its list, gets the changes after
 *       that version only, as from a real API server. The stock dispatcher sends every object again
 *       as ADDED: at start-up the daemon parsed and the stand-in serialised each object twice
 *       (8,000 times instead of 4,000 with 1,000 Canaries).
 * </ul>
 */
final class BenchDispatcher extends KubernetesCrudDispatcher {
  private static final Pattern EVENTS = Pattern.compile("/api/v1/namespaces/[^/]+/events(\\?.*)?");
  private static final Pattern WATCH_FROM = Pattern.compile("[?&]resourceVersion=(\\d+)");
  // the first resourceVersion of a stored object is its metadata's: the mock writes apiVersion,
  // kind and metadata first, and one inside a string (an annotation) would be escaped
  private static final Pattern STORED_VERSION =
      Pattern.compile("\"resourceVersion\"\\s*:\\s*\"(\\d+)\"");
  private static final Pattern ROUTES =
      Pattern.compile(
          "/apis/networking\\.istio\\.io/[^/]+/namespaces/([^/]+)/virtualservices/([^/?]+)");

  private final Map<List<Attribute>, AttributeSet> byKey = new ConcurrentHashMap<>();
  private final AtomicLong eventsDiscarded = new AtomicLong();
  private final Queue<Long> writeNanos = new ConcurrentLinkedQueue<>();
  private final Set<WatchFromVersion> watchesFromVersion = new CopyOnWriteArraySet<>();
  private volatile Consumer<StoredRoute> routes = r -> {};

  /**
   * A VirtualService update as stored: which VirtualService (its namespace and name, from the
   * request's path), its path, body and {@link System#nanoTime()} then.
   */
  record StoredRoute(String namespace, String name, String path, String body, long nanos) {
    /** "namespace/name", as the daemon names a VirtualService. */
    String virtualService() {
      return namespace + "/" + name;
    }
  }

  BenchDispatcher() {
    super(List.of());
  }

  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    if (EVENTS.matcher(request.getPath()).matches()) {
      eventsDiscarded.incrementAndGet();
      return new MockResponse().setResponseCode(201).setBody(request.getUtf8Body());
    }
    return timed(request, () -> super.handleCreate(request));
  }

  @Override
  public MockResponse handleUpdate(RecordedRequest request) {
    return timed(request, () -> super.handleUpdate(request));
  }

  /**
   * Every VirtualService update stored from now on goes to {@code listener}, on the thread that
   * stored it (under the dispatcher's lock: the listener must only hand it on).
   */
  void onRouteStored(Consumer<StoredRoute> listener) {
    routes = listener;
  }

  private MockResponse timed(RecordedRequest request, Supplier<MockResponse> write) {
    String body = request.getUtf8Body(); // reading consumes it: put it back for the dispatcher
    request.getBody().writeUtf8(body);
    long start = System.nanoTime();
    MockResponse response = write.get();
    long stored = System.nanoTime();
    writeNanos.add(stored - start);
    Matcher route = ROUTES.matcher(request.getPath());
    if (route.matches() && "PUT".equals(request.getMethod()) && response.code() / 100 == 2) {
      routes.accept(
          new StoredRoute(route.group(1), route.group(2), request.getPath(), body, stored));
    }
    request.getBody().writeUtf8(body); // and once more for takeRequest
    return response;
  }

  @Override
  public MockResponse handleWatch(String path) {
    Matcher from = WATCH_FROM.matcher(path);
    long since = from.find() ? Long.parseLong(from.group(1)) : 0;
    if (since == 0 || path.contains("metadata.name")) {
      return super.handleWatch(path); // "any version" (0 or none), or one named object: stock
    }
    return new MockResponse()
        .withWebSocketUpgrade(new WatchFromVersion(attributeExtractor.fromPath(path), since));
  }

  /** A watch that gets the changes stored after {@code since}; events sent in order. */
  private final class WatchFromVersion extends WebSocketListener {
    private final AttributeSet query;
    private final long since;
    private final ExecutorService sender =
        Executors.newSingleThreadExecutor(DaemonThreads.named("bench-watch"));
    private volatile WebSocket socket;

    WatchFromVersion(AttributeSet query, long since) {
      this.query = query;
      this.since = since;
    }

    boolean matches(AttributeSet stored) {
      return stored.matches(query);
    }

    void send(String type, String state) {
      String event = "{\"type\":\"" + type + "\",\"object\":" + state + "}";
      try {
        sender.execute(() -> socket.send(event));
      } catch (RejectedExecutionException e) {
        // closed meanwhile: nobody to tell (and the write that told it must not fail)
      }
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      socket = webSocket;
      // told of every write from now on; a write meanwhile may then be sent twice (same
      // version, which an informer takes as no change), never lost
      watchesFromVersion.add(this);
      List<String> changed = new ArrayList<>();
      synchronized (map) { // a synchronized map: iterating it needs its lock
        for (Map.Entry<AttributeSet, String> e : map.entrySet()) {
          if (matches(e.getKey()) && storedVersion(e.getValue()) > since) {
            changed.add(e.getValue());
          }
        }
      }
      changed.forEach(state -> send("ADDED", state));
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      webSocket.close(code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      watchesFromVersion.remove(this);
      sender.shutdown();
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      watchesFromVersion.remove(this);
      sender.shutdown();
    }
  }

  private static long storedVersion(String state) {
    Matcher m = STORED_VERSION.matcher(state);
    return m.find() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE; // unknown: send it
  }

  // Called under the dispatcher's lock, read or write.
  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
    AttributeSet found =
        query.containsKey(KubernetesAttributesExtractor.NAME) ? byKey.get(key(query)) : null;
    if (found != null && found.matches(query)) {
      String state = map.get(found);
      if (state != null) {
        return new AbstractMap.SimpleImmutableEntry<>(found, state);
      }
    }
    // Not indexed under this key (a query without a name, or an object stored without its
    // namespace): the stock scan, which is always right.
    return super.findResource(query);
  }

  // Called under the dispatcher's write lock; mirrors how the stock dispatcher keys a new state.
  @Override
  public void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldAttributes,
      GenericKubernetesResource resource,
      String newState) {
    String existing = oldAttributes == null ? null : map.get(oldAttributes);
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    if (oldAttributes != null) {
      byKey.remove(key(oldAttributes), oldAttributes);
    }
    AttributeSet stored = null;
    if (newState != null) {
      KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;
      stored = resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
      if (!stored.containsKey(KubernetesAttributesExtractor.PLURAL)) {
        stored = AttributeSet.merge(pathAttributes, stored);
      }
      if (map.containsKey(stored)) {
        byKey.put(key(stored), stored);
      }
    }
    if (!Objects.equals(existing, newState)) {
      tellWatchesFromVersion(oldAttributes, stored, existing, newState);
    }
  }

  // As the stock dispatcher tells its own watches.
  private void tellWatchesFromVersion(
      AttributeSet oldAttributes, AttributeSet newAttributes, String existing, String newState) {
    for (WatchFromVersion watch : watchesFromVersion) {
      boolean matchesOld = oldAttributes != null && watch.matches(oldAttributes);
      boolean matchesNew = newAttributes != null && watch.matches(newAttributes);
      if (matchesOld && matchesNew) {
        watch.send("MODIFIED", newState);
      } else if (matchesOld) {
        watch.send("DELETED", existing);
      } else if (matchesNew) {
        watch.send("ADDED", newState);
      }
    }
  }

  private static List<Attribute> key(AttributeSet attributes) {
    return Arrays.asList(
        attributes.getAttribute(KubernetesAttributesExtractor.PLURAL),
        attributes.getAttribute(KubernetesAttributesExtractor.NAMESPACE),
        attributes.getAttribute(KubernetesAttributesExtractor.NAME));
  }

  /** How long each create and update took, lock wait included; taken and cleared. */
  List<Long> takeWriteNanos() {
    List<Long> out = new ArrayList<>();
    Long n;
    while ((n = writeNanos.poll()) != null) {
      out.add(n);
    }
    return out;
  }

  /** Event creations answered without storing them. */
  long eventsDiscarded() {
    return eventsDiscarded.get();
  }
}
