package dev.sluice.controller;

import dev.sluice.model.Canary;
import dev.sluice.model.CanarySpec;
import dev.sluice.rollout.DeploymentView;
import dev.sluice.rollout.Reference;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.rollout.World;
import dev.sluice.routing.DestinationRuleEdits;
import dev.sluice.routing.Hosts;
import dev.sluice.routing.MeshReferences;
import dev.sluice.routing.TrafficRouter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what one Canary's release depends on — its VirtualService, DestinationRule and the app's
 * Deployments, and every other VirtualService's references to the same host — into the state
 * machine's {@link World}: from the informers' caches (with this daemon's own writes laid over
 * them), or from the API server when asked to read again.
 */
final class WorldReader {
  private final KubernetesClient client;
  private final ClusterCache cache;
  private final TrafficRouter router;
  private final IstioWrites istioWrites;
  // a VirtualService or DestinationRule is analysed once per version, not at every reconcile
  private final ObjectMemo<RouteObservation> routes = new ObjectMemo<>(Tunables.MEMO_CAPACITY);
  private final ObjectMemo<RuleView> rules = new ObjectMemo<>(Tunables.MEMO_CAPACITY);
  private final ObjectMemo<List<Reference>> references = new ObjectMemo<>(Tunables.MEMO_CAPACITY);

  /** What a DestinationRule tells: its subsets with their labels, and its host's key. */
  private record RuleView(Map<String, Map<String, String>> subsets, String host) {}

  WorldReader(
      KubernetesClient client, ClusterCache cache, TrafficRouter router, IstioWrites istioWrites) {
    this.client = client;
    this.cache = cache;
    this.router = router;
    this.istioWrites = istioWrites;
  }

  /** The objects {@code canary}'s release depends on, as cached now. */
  Snapshot read(Canary canary) {
    Snapshot s = new Snapshot(canary);
    s.readCache();
    return s;
  }

  /** The managed route of {@code vs}, remembered per stored version. */
  RouteObservation observe(GenericKubernetesResource vs, String routeName) {
    return routes.get(vs, routeName, () -> router.observe(vs, routeName));
  }

  /** A VirtualService as cached, or as this daemon last wrote it when the cache lags. */
  GenericKubernetesResource virtualService(String namespace, String name) {
    return istioWrites.latest(cache.virtualService(namespace, name).orElse(null));
  }

  /** One reconcile's copies of the objects, updated by every write it makes. */
  final class Snapshot {
    private final Canary canary;
    private final String namespace;
    private final String key;
    private final CanarySpec spec;
    GenericKubernetesResource virtualService;
    GenericKubernetesResource destinationRule;
    final Map<String, Deployment> deployments = new HashMap<>();

    private Snapshot(Canary canary) {
      this.canary = canary;
      this.namespace = canary.getMetadata().getNamespace();
      this.key = ClusterCache.key(canary);
      this.spec = canary.getSpec();
    }

    private void readCache() {
      virtualService = virtualService(namespace, spec.virtualService.name);
      destinationRule =
          istioWrites.latest(
              cache.destinationRule(namespace, spec.destinationRule.name).orElse(null));
      deployments.clear();
      for (Deployment d : cache.deploymentsOf(namespace, spec.app)) {
        deployments.put(d.getMetadata().getName(), d);
      }
    }

    /** Reads the three kinds from the API server (the caches may lag behind it). */
    void readAgain() {
      virtualService =
          client
              .genericKubernetesResources(Istio.VIRTUAL_SERVICE)
              .inNamespace(namespace)
              .withName(spec.virtualService.name)
              .get();
      destinationRule =
          client
              .genericKubernetesResources(Istio.DESTINATION_RULE)
              .inNamespace(namespace)
              .withName(spec.destinationRule.name)
              .get();
      deployments.clear();
      for (Deployment d :
          client
              .apps()
              .deployments()
              .inNamespace(namespace)
              .withLabel(ClusterCache.APP_LABEL, spec.app)
              .list()
              .getItems()) {
        deployments.put(d.getMetadata().getName(), d);
      }
    }

    /** The world as these copies and the other VirtualServices show it. */
    World world() {
      RouteObservation route =
          virtualService == null
              ? RouteObservation.notFound("VirtualService not found")
              : observe(virtualService, spec.virtualService.route);
      RuleView rule =
          destinationRule == null
              ? new RuleView(null, null)
              : rules.get(
                  destinationRule,
                  null,
                  () ->
                      new RuleView(
                          router.subsets(destinationRule),
                          DestinationRuleEdits.hostKey(destinationRule)));
      String routeHost =
          route.state() == RouteObservation.State.OK ? Hosts.key(route.host(), namespace) : null;
      if (routeHost != null && rule.host() != null && !Hosts.covers(rule.host(), routeHost)) {
        route =
            RouteObservation.invalid(
                "the managed route sends traffic to host "
                    + route.host()
                    + " but DestinationRule "
                    + spec.destinationRule.name
                    + " is for another host: its subsets are not this route's");
      }
      String host = rule.host() != null ? rule.host() : routeHost;
      cache.mesh().interest(key, host);
      return new World(namespace, route, rule.subsets(), views(), references(route, host));
    }

    /**
     * Every reference to {@code host}'s subsets but the managed route's own destinations: the
     * managed VirtualService as last read or written (the index may lag our own writes), then every
     * other VirtualService's.
     */
    private List<Reference> references(RouteObservation route, String host) {
      String managed = namespace + "/" + spec.virtualService.name;
      List<Reference> refs = new ArrayList<>();
      for (Reference r :
          references.get(virtualService, null, () -> MeshReferences.of(virtualService))) {
        if (!MeshReferences.inHttpRoute(r, managed, route.position())
            && (host == null || Hosts.covers(host, r.host()))) {
          refs.add(r);
        }
      }
      refs.addAll(cache.mesh().referencesTo(host, managed));
      return refs;
    }

    private List<DeploymentView> views() {
      String versionLabel = SpecReader.versionLabel(canary);
      List<DeploymentView> views = new ArrayList<>();
      for (Deployment d : deployments.values()) {
        if (d.getMetadata().getDeletionTimestamp() == null) {
          views.add(view(ClusterCache.label(d, versionLabel), d));
        }
      }
      return views;
    }
  }

  private static DeploymentView view(String version, Deployment d) {
    int replicas =
        d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    int ready =
        d.getStatus() == null || d.getStatus().getReadyReplicas() == null
            ? 0
            : d.getStatus().getReadyReplicas();
    Instant created = Timestamps.parse(d.getMetadata().getCreationTimestamp());
    Map<String, String> labels = d.getMetadata().getLabels();
    Map<String, String> podLabels =
        d.getSpec() == null
                || d.getSpec().getTemplate() == null
                || d.getSpec().getTemplate().getMetadata() == null
            ? null
            : d.getSpec().getTemplate().getMetadata().getLabels();
    return new DeploymentView(
        version,
        d.getMetadata().getName(),
        replicas,
        ready,
        created == null ? Instant.EPOCH : created,
        labels == null ? Map.of() : labels,
        podLabels == null ? Map.of() : podLabels);
  }
}
