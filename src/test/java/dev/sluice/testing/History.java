package dev.sluice.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every version of the VirtualServices, DestinationRules, Deployments and Canaries that the API
 * server stores, in every namespace, recorded by four watches opened straight on the API server
 * (not through any fault proxy), for {@link InvariantChecker}.
 *
 * <p>Order: the resourceVersion of each version (the mock server's, like etcd's revision, is one
 * counter over every object, so it orders writes across kinds, which arrival on four streams does
 * not). A DELETED event carries the object's last version, not the deletion's: it is placed just
 * after the highest resourceVersion received before it, which can only place it later than it
 * happened (checks that use Deployments' presence are then lenient, never wrong the other way).
 */
public final class History implements AutoCloseable {
  static final ResourceDefinitionContext CANARY =
      new ResourceDefinitionContext.Builder()
          .withGroup("sluice.dev")
          .withVersion("v1alpha1")
          .withKind("Canary")
          .withPlural("canaries")
          .withNamespaced(true)
          .build();

  private record Received(String kind, String action, double order, JsonNode object) {}

  private final KubernetesClient client;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final Set<String> external = ConcurrentHashMap.newKeySet();
  private final List<String> closed = new CopyOnWriteArrayList<>();
  private final List<Watch> watches = new ArrayList<>();
  private volatile long highest;

  /** Starts recording; call before the objects of the run are created. */
  public History(KubernetesClient client) {
    this.client = client;
    watches.add(
        client
            .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
            .inAnyNamespace()
            .watch(recorder("VirtualService")));
    watches.add(
        client
            .genericKubernetesResources(Fixtures.DESTINATION_RULE)
            .inAnyNamespace()
            .watch(recorder("DestinationRule")));
    watches.add(client.apps().deployments().inAnyNamespace().watch(recorder("Deployment")));
    watches.add(
        client.genericKubernetesResources(CANARY).inAnyNamespace().watch(recorder("Canary")));
  }

  private <T extends HasMetadata> Watcher<T> recorder(String kind) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        record(kind, action.name(), resource);
      }

      @Override
      public void onClose(WatcherException cause) {
        closed.add(kind + ": " + (cause == null ? "closed" : cause.getMessage()));
      }
    };
  }

  private synchronized void record(String kind, String action, HasMetadata resource) {
    long rv = Long.parseLong(resource.getMetadata().getResourceVersion());
    double order;
    if (action.equals("DELETED")) {
      order = Math.max(rv, highest) + 0.5;
    } else {
      order = rv;
      highest = Math.max(highest, rv);
    }
    JsonNode tree = client.getKubernetesSerialization().convertValue(resource, JsonNode.class);
    received.add(new Received(kind, action, order, tree));
    seen.add(kind + " " + key(resource) + " " + rv);
  }

  private static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  /** Declares {@code written} (as the API server returned it) a write of the test's own. */
  public void external(HasMetadata written) {
    external.add(
        written.getKind() + " " + key(written) + " " + written.getMetadata().getResourceVersion());
  }

  /** Every version recorded so far. */
  public List<InvariantChecker.Version> versions() {
    List<InvariantChecker.Version> out = new ArrayList<>();
    for (Received r : received) {
      String rv = r.object().path("metadata").path("resourceVersion").asText();
      String id =
          r.kind()
              + " "
              + r.object().path("metadata").path("namespace").asText()
              + "/"
              + r.object().path("metadata").path("name").asText()
              + " "
              + rv;
      out.add(
          new InvariantChecker.Version(
              r.kind(),
              r.action(),
              r.order(),
              r.object(),
              !r.action().equals("DELETED") && external.contains(id)));
    }
    return out;
  }

  /**
   * Waits until every object of the four kinds in {@code namespaces} has its current version
   * recorded, then checks the history. Fails when a recording watch closed (the history would have
   * gaps).
   */
  public InvariantChecker.Report check(List<String> namespaces) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> caughtUp(namespaces));
    if (!closed.isEmpty()) {
      throw new AssertionError("a recording watch closed; the history has gaps: " + closed);
    }
    return InvariantChecker.check(versions());
  }

  private boolean caughtUp(List<String> namespaces) {
    for (String ns : namespaces) {
      List<HasMetadata> current = new ArrayList<>();
      current.addAll(
          client
              .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
              .inNamespace(ns)
              .list()
              .getItems());
      current.addAll(
          client
              .genericKubernetesResources(Fixtures.DESTINATION_RULE)
              .inNamespace(ns)
              .list()
              .getItems());
      current.addAll(client.apps().deployments().inNamespace(ns).list().getItems());
      current.addAll(client.genericKubernetesResources(CANARY).inNamespace(ns).list().getItems());
      for (HasMetadata o : current) {
        if (!seen.contains(
            o.getKind() + " " + key(o) + " " + o.getMetadata().getResourceVersion())) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
  }
}
