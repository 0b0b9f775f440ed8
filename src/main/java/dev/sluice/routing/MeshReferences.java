package dev.sluice.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.rollout.Reference;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;

/**
 * Every place in a VirtualService that sends traffic to a subset: destinations of its http, tls and
 * tcp routes, and the mirrors ({@code mirror}, {@code mirrors}) of its http routes. Hosts are given
 * as {@link Hosts#key keys}, resolved against the VirtualService's namespace. Destinations without
 * a subset reach every version alike and are not listed. Pure: no call to the API.
 */
public final class MeshReferences {
  private MeshReferences() {}

  /** The references of {@code virtualService}, in the order they appear; empty for null. */
  public static List<Reference> of(GenericKubernetesResource virtualService) {
    if (virtualService == null || virtualService.getMetadata() == null) {
      return List.of();
    }
    String namespace = virtualService.getMetadata().getNamespace();
    String key = namespace + "/" + virtualService.getMetadata().getName();
    JsonNode spec = Trees.toTree(virtualService).path("spec");
    List<Reference> out = new ArrayList<>();
    for (String kind : List.of("http", "tls", "tcp")) {
      JsonNode routes = spec.path(kind);
      for (int i = 0; i < routes.size(); i++) {
        JsonNode route = routes.get(i);
        String name = Trees.text(route, "name");
        Builder b = new Builder(out, key, namespace, kind, i, name);
        for (JsonNode entry : route.path("route")) {
          b.add(entry.path("destination"), false);
        }
        if (kind.equals("http")) {
          b.add(route.path("mirror"), true);
          for (JsonNode mirror : route.path("mirrors")) {
            b.add(mirror.path("destination"), true);
          }
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Whether {@code r} is one of the destinations (not a mirror) of the {@code kind} route at {@code
   * index} of {@code virtualService} ({@code namespace/name}).
   */
  public static boolean inRoute(Reference r, String virtualService, String kind, int index) {
    return r.virtualService().equals(virtualService)
        && r.kind().equals(kind)
        && r.position() == index
        && !r.mirror();
  }

  private record Builder(
      List<Reference> out, String key, String namespace, String kind, int position, String name) {
    void add(JsonNode destination, boolean mirror) {
      String subset = Trees.text(destination, "subset");
      if (subset == null || subset.isEmpty()) {
        return;
      }
      String host = Hosts.key(Trees.text(destination, "host"), namespace);
      out.add(new Reference(key, kind, position, name, mirror, host, subset));
    }
  }
}
