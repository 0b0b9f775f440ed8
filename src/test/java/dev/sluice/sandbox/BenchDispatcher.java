package dev.sluice.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The benchmark's stand-in for the API server's storage: fabric8's CRUD dispatcher with three
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
 *       stored update of a VirtualService is handed to the benchmark with the instant it was
 *       stored: reactions and steps end when the API server stores the route, not when a watch
 *       delivers it.
 * </ul>
 */
final class BenchDispatcher extends KubernetesCrudDispatcher {
  private static final Pattern EVENTS = Pattern.compile("/api/v1/namespaces/[^/]+/events(\\?.*)?");
  private static final Pattern ROUTES =
      Pattern.compile(
          "/apis/networking\\.istio\\.io/[^/]+/namespaces/[^/]+/virtualservices/[^/?]+");

  private final Map<List<Attribute>, AttributeSet> byKey = new ConcurrentHashMap<>();
  private final AtomicLong eventsDiscarded = new AtomicLong();
  private final Queue<Long> writeNanos = new ConcurrentLinkedQueue<>();
  private volatile Consumer<StoredRoute> routes = r -> {};

  /** A VirtualService update as stored: its path, body and {@link System#nanoTime()} then. */
  record StoredRoute(String path, String body, long nanos) {}

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
    if (ROUTES.matcher(request.getPath()).matches()
        && "PUT".equals(request.getMethod())
        && response.code() / 100 == 2) {
      routes.accept(new StoredRoute(request.getPath(), body, stored));
    }
    request.getBody().writeUtf8(body); // and once more for takeRequest
    return response;
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
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    if (oldAttributes != null) {
      byKey.remove(key(oldAttributes), oldAttributes);
    }
    if (newState != null) {
      KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;
      AttributeSet stored =
          resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
      if (!stored.containsKey(KubernetesAttributesExtractor.PLURAL)) {
        stored = AttributeSet.merge(pathAttributes, stored);
      }
      if (map.containsKey(stored)) {
        byKey.put(key(stored), stored);
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
