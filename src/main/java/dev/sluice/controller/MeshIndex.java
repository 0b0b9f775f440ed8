package dev.sluice.controller;

import dev.sluice.rollout.Reference;
import dev.sluice.routing.Hosts;
import dev.sluice.routing.MeshReferences;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every subset reference in every VirtualService Sluice watches, by destination host: what a Canary
 * asks before it takes a Deployment for a new version or retires an old one ("does any route
 * anywhere send traffic to it?"). Kept up to date by the VirtualService informer; each
 * VirtualService is read once per stored version.
 *
 * <p>It also remembers which Canaries care about which hosts, so that a change to a VirtualService
 * (a gateway's route to v1 going away, say) wakes the Canaries whose retirement waits on it.
 */
final class MeshIndex {
  private final Map<String, List<Reference>> byVirtualService = new HashMap<>();
  private final Map<String, Set<String>> virtualServicesByHost = new HashMap<>();
  private final Map<String, Set<String>> canariesByHost = new HashMap<>();
  private final Map<String, String> hostByCanary = new HashMap<>();

  /**
   * Indexes {@code virtualService} as stored now (replacing its previous version).
   *
   * @return the hosts its previous and new versions reference
   */
  synchronized Set<String> put(GenericKubernetesResource virtualService) {
    String key = ClusterCache.key(virtualService);
    Set<String> hosts = drop(key);
    List<Reference> refs = MeshReferences.of(virtualService);
    byVirtualService.put(key, refs);
    for (Reference r : refs) {
      if (r.host() != null) {
        virtualServicesByHost.computeIfAbsent(r.host(), h -> new HashSet<>()).add(key);
        hosts.add(r.host());
      }
    }
    return hosts;
  }

  /**
   * Forgets {@code virtualService} (deleted).
   *
   * @return the hosts it referenced
   */
  synchronized Set<String> remove(GenericKubernetesResource virtualService) {
    return drop(ClusterCache.key(virtualService));
  }

  private Set<String> drop(String key) {
    Set<String> hosts = new HashSet<>();
    List<Reference> old = byVirtualService.remove(key);
    if (old != null) {
      for (Reference r : old) {
        if (r.host() == null) {
          continue;
        }
        hosts.add(r.host());
        Set<String> keys = virtualServicesByHost.get(r.host());
        if (keys != null) {
          keys.remove(key);
          if (keys.isEmpty()) {
            virtualServicesByHost.remove(r.host());
          }
        }
      }
    }
    return hosts;
  }

  /**
   * The references to subsets of {@code ruleHost} (a DestinationRule's host key, maybe a wildcard)
   * in every indexed VirtualService but those of {@code except} ({@code namespace/name}).
   */
  synchronized List<Reference> referencesTo(String ruleHost, java.util.Collection<String> except) {
    if (ruleHost == null) {
      return List.of();
    }
    Set<String> keys = new HashSet<>();
    if (ruleHost.contains("*")) {
      virtualServicesByHost.forEach(
          (host, vs) -> {
            if (Hosts.covers(ruleHost, host)) {
              keys.addAll(vs);
            }
          });
    } else {
      keys.addAll(virtualServicesByHost.getOrDefault(ruleHost, Set.of()));
    }
    keys.removeAll(except);
    List<Reference> out = new ArrayList<>();
    for (String key : keys) {
      for (Reference r : byVirtualService.getOrDefault(key, List.of())) {
        if (Hosts.covers(ruleHost, r.host())) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** Records that Canary {@code canary} depends on references to {@code host} (null: none). */
  synchronized void interest(String canary, String host) {
    String before = host == null ? hostByCanary.remove(canary) : hostByCanary.put(canary, host);
    if (before != null && !before.equals(host)) {
      Set<String> set = canariesByHost.get(before);
      if (set != null) {
        set.remove(canary);
        if (set.isEmpty()) {
          canariesByHost.remove(before);
        }
      }
    }
    if (host != null) {
      canariesByHost.computeIfAbsent(host, h -> new HashSet<>()).add(canary);
    }
  }

  /** The Canaries that depend on references to any of {@code hosts}. */
  synchronized Set<String> canariesInterestedIn(Set<String> hosts) {
    Set<String> out = new HashSet<>();
    for (String host : hosts) {
      out.addAll(canariesByHost.getOrDefault(host, Set.of()));
    }
    // a Canary whose DestinationRule's host is a wildcard cares about every host it covers
    canariesByHost.forEach(
        (ruleHost, canaries) -> {
          if (ruleHost.contains("*") && hosts.stream().anyMatch(h -> Hosts.covers(ruleHost, h))) {
            out.addAll(canaries);
          }
        });
    return out;
  }
}
