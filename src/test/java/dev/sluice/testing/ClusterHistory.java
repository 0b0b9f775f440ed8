package dev.sluice.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records, in one sequence, every version of the VirtualServices, DestinationRules and Deployments
 * of a namespace that the API server stores (by watch), so a test can check the order of writes and
 * every intermediate state, not only the end.
 */
public final class ClusterHistory implements AutoCloseable {

  /** One stored version. */
  public record Entry(String kind, Watcher.Action action, HasMetadata object) {}

  private final List<Entry> entries = new CopyOnWriteArrayList<>();
  private final List<Watch> watches = new ArrayList<>();

  public ClusterHistory(KubernetesClient client, String namespace) {
    watches.add(
        client
            .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
            .inNamespace(namespace)
            .watch(recorder("VirtualService")));
    watches.add(
        client
            .genericKubernetesResources(Fixtures.DESTINATION_RULE)
            .inNamespace(namespace)
            .watch(recorder("DestinationRule")));
    watches.add(client.apps().deployments().inNamespace(namespace).watch(recorder("Deployment")));
  }

  private <T extends HasMetadata> Watcher<T> recorder(String kind) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        entries.add(new Entry(kind, action, resource));
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  public List<Entry> entries() {
    return List.copyOf(entries);
  }

  /**
   * Every version of the VirtualService written after the watch started (the watch's initial ADDED
   * event, the object as it was, is not a write).
   */
  public List<GenericKubernetesResource> virtualServices() {
    return entries.stream()
        .filter(e -> e.kind().equals("VirtualService") && e.action() == Watcher.Action.MODIFIED)
        .map(e -> (GenericKubernetesResource) e.object())
        .toList();
  }

  /** Every version of the DestinationRule written after the watch started. */
  public List<GenericKubernetesResource> destinationRules() {
    return entries.stream()
        .filter(e -> e.kind().equals("DestinationRule") && e.action() == Watcher.Action.MODIFIED)
        .map(e -> (GenericKubernetesResource) e.object())
        .toList();
  }

  /** Position of the first entry matching, or -1. */
  public int indexOf(java.util.function.Predicate<Entry> p) {
    List<Entry> all = entries();
    for (int i = 0; i < all.size(); i++) {
      if (p.test(all.get(i))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The resourceVersion of the first stored version matching, as a number, or -1. Entries arrive by
   * separate watches, so their order in {@link #entries()} can differ from the order of the writes
   * across kinds; resourceVersions (one counter for every object, as etcd's revision) give the API
   * server's order. Not for DELETED entries: they carry the object's last version.
   */
  public long firstVersion(java.util.function.Predicate<Entry> p) {
    return entries.stream()
        .filter(e -> e.action() != Watcher.Action.DELETED)
        .filter(p)
        .mapToLong(e -> Long.parseLong(e.object().getMetadata().getResourceVersion()))
        .min()
        .orElse(-1);
  }

  /** The named HTTP route of a VirtualService. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> httpRoute(GenericKubernetesResource vs, String name) {
    List<Map<String, Object>> http =
        (List<Map<String, Object>>)
            ((Map<String, Object>) vs.getAdditionalProperties().get("spec")).get("http");
    return http.stream().filter(r -> Objects.equals(r.get("name"), name)).findFirst().orElse(null);
  }

  /** The named route's destinations as "subset=weight" strings, e.g. [v1=90, v2=10]. */
  @SuppressWarnings("unchecked")
  public static List<String> weights(GenericKubernetesResource vs, String routeName) {
    Map<String, Object> route = httpRoute(vs, routeName);
    List<Map<String, Object>> dests = (List<Map<String, Object>>) route.get("route");
    List<String> out = new ArrayList<>();
    for (Map<String, Object> d : dests) {
      Map<String, Object> dest = (Map<String, Object>) d.get("destination");
      out.add(dest.get("subset") + "=" + d.getOrDefault("weight", "unset"));
    }
    return out;
  }

  /** Names of the subsets of a DestinationRule. */
  @SuppressWarnings("unchecked")
  public static List<String> subsets(GenericKubernetesResource dr) {
    List<Map<String, Object>> subsets =
        (List<Map<String, Object>>)
            ((Map<String, Object>) dr.getAdditionalProperties().get("spec")).get("subsets");
    return subsets == null ? List.of() : subsets.stream().map(s -> (String) s.get("name")).toList();
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
  }
}
