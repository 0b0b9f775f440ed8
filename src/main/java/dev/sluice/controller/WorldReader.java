package dev.sluice.controller;

import dev.sluice.model.Canary;
import dev.sluice.model.CanarySpec;
import dev.sluice.rollout.DeploymentView;
import dev.sluice.rollout.ManagedRoute;
import dev.sluice.rollout.Reference;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.rollout.RouteRef;
import dev.sluice.rollout.World;
import dev.sluice.routing.DestinationRuleEdits;
import dev.sluice.routing.Hosts;
import dev.sluice.routing.MeshReferences;
import dev.sluice.routing.OwnedRoutes;
import dev.sluice.routing.TrafficRouter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what one Canary's release depends on — its VirtualServices, DestinationRule and the app's
 * Deployments, and every other VirtualService's references to the same host — into the state
 * machine's {@link World}: from the informers' caches (with this daemon's own writes laid over
 * them), or from the API server when asked to read again.
 */
final class WorldReader {
  private final KubernetesClient client;
  private final ClusterCache cache;
  private final TrafficRouter router;
  private final IstioWrites istioWrites;
  private final DeploymentWrites deploymentWrites;
  // a VirtualService or DestinationRule is analysed once per version, not at every reconcile
  private final ObjectMemo<RouteObservation> routes = new ObjectMemo<>(Tunables.MEMO_CAPACITY);
  private final ObjectMemo<RuleView> rules = new ObjectMemo<>(Tunables.MEMO_CAPACITY);
  private final ObjectMemo<List<Reference>> references = new ObjectMemo<>(Tunables.MEMO_CAPACITY);

  /** What a DestinationRule tells: its subsets with their labels, and its host's key. */
  private record RuleView(Map<String, Map<String, String>> subsets, String host) {}

  WorldReader(
      KubernetesClient client,
      ClusterCache cache,
      TrafficRouter router,
      IstioWrites istioWrites,
      DeploymentWrites deploymentWrites) {
    this.client = client;
    this.cache = cache;
    this.router = router;
    this.istioWrites = istioWrites;
    this.deploymentWrites = deploymentWrites;
  }

  /**
   * Whether {@code r} is the release's own: a destination of one of the managed routes, a route
   * Sluice added for this Canary ({@code owner}), or Sluice's mirror of a managed route to the
   * canary ({@code ownMirror}, null when the Canary has no mirror stage).
   */
  private static boolean releasesOwn(
      Reference r, List<ManagedRoute> routes, String owner, String ownMirror) {
    if (r.routeName() != null && r.routeName().startsWith(owner)) {
      return true;
    }
    for (ManagedRoute m : routes) {
      RouteObservation o = m.observation();
      if (o.state() != RouteObservation.State.OK) {
        continue;
      }
      if (MeshReferences.inRoute(r, m.ref().key(), o.kind(), o.position())) {
        return true;
      }
      if (r.mirror()
          && r.subset().equals(ownMirror)
          && r.virtualService().equals(m.ref().key())
          && r.kind().equals(o.kind())
          && r.position() == o.position()) {
        return true;
      }
    }
    return false;
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
    private final String owner;

    /** The routes the Canary manages, in its order. */
    final List<RouteRef> refs;

    /** Each managed VirtualService by {@code namespace/name}; null when it does not exist. */
    final Map<String, GenericKubernetesResource> virtualServices = new LinkedHashMap<>();

    GenericKubernetesResource destinationRule;
    final Map<String, Deployment> deployments = new HashMap<>();

    private Snapshot(Canary canary) {
      this.canary = canary;
      this.namespace = canary.getMetadata().getNamespace();
      this.key = ClusterCache.key(canary);
      this.spec = canary.getSpec();
      this.refs = SpecReader.routes(canary);
      this.owner = OwnedRoutes.prefix(namespace, canary.getMetadata().getName());
    }

    /** The prefix of the names of the routes Sluice adds for this Canary. */
    String owner() {
      return owner;
    }

    private void readCache() {
      virtualServices.clear();
      for (RouteRef ref : refs) {
        virtualServices.put(ref.key(), virtualService(ref.namespace(), ref.name()));
      }
      destinationRule =
          spec.destinationRule == null
              ? null
              : istioWrites.latest(
                  cache.destinationRule(namespace, spec.destinationRule.name).orElse(null));
      deployments.clear();
      for (Deployment cached : cache.deploymentsOf(namespace, spec.app)) {
        Deployment d = deploymentWrites.latest(cached); // null: we deleted it
        if (d != null) {
          deployments.put(d.getMetadata().getName(), d);
        }
      }
    }

    /** Reads the three kinds from the API server (the caches may lag behind it). */
    void readAgain() {
      virtualServices.clear();
      for (RouteRef ref : refs) {
        virtualServices.computeIfAbsent(
            ref.key(),
            k ->
                client
                    .genericKubernetesResources(Istio.VIRTUAL_SERVICE)
                    .inNamespace(ref.namespace())
                    .withName(ref.name())
                    .get());
      }
      destinationRule =
          spec.destinationRule == null
              ? null
              : client
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
      RuleView rule = rule();
      List<ManagedRoute> routes = routes(rule);
      String routeHost =
          routes.stream()
              .filter(ManagedRoute::ok)
              .findFirst()
              .map(r -> Hosts.key(r.observation().host(), r.ref().namespace()))
              .orElse(null);
      String host = rule.host() != null ? rule.host() : routeHost;
      cache.mesh().interest(key, host);
      return new World(namespace, routes, rule.subsets(), views(), references(routes, host));
    }

    /**
     * The managed routes as these copies show them, and only them: what a route write needs,
     * without the rest of the world (the mesh's references, the Deployments).
     */
    List<ManagedRoute> routes() {
      return routes(rule());
    }

    private RuleView rule() {
      return destinationRule == null
          ? new RuleView(null, null)
          : rules.get(
              destinationRule,
              null,
              () ->
                  new RuleView(
                      router.subsets(destinationRule),
                      DestinationRuleEdits.hostKey(destinationRule)));
    }

    private List<ManagedRoute> routes(RuleView rule) {
      List<ManagedRoute> routes = new ArrayList<>();
      for (RouteRef ref : refs) {
        routes.add(new ManagedRoute(ref, observe(ref, rule)));
      }
      if (routes.isEmpty()) {
        routes.add(
            new ManagedRoute(
                new RouteRef(namespace, "", null),
                RouteObservation.notFound("the Canary names no VirtualService")));
      }
      return routes;
    }

    /** One managed route as the copies show it, refused when it is for another host. */
    private RouteObservation observe(RouteRef ref, RuleView rule) {
      GenericKubernetesResource vs = virtualServices.get(ref.key());
      if (vs == null) {
        return RouteObservation.notFound("VirtualService not found");
      }
      RouteObservation route = WorldReader.this.observe(vs, ref.route());
      if (route.state() != RouteObservation.State.OK) {
        return route;
      }
      route = route.withExtras(route.extras().ownedBy(owner));
      if (rule.host() == null) {
        return route;
      }
      // a destination's short host is resolved against its VirtualService's namespace
      if (!Hosts.covers(rule.host(), Hosts.key(route.host(), ref.namespace()))) {
        return RouteObservation.invalid(
            "the managed route sends traffic to host "
                + route.host()
                + " but DestinationRule "
                + spec.destinationRule.name
                + " is for another host: its subsets are not this route's");
      }
      return route;
    }

    /**
     * Every reference to {@code host}'s subsets but the managed routes' own destinations: the
     * managed VirtualServices as last read or written (the index may lag our own writes), then
     * every other VirtualService's.
     */
    private List<Reference> references(List<ManagedRoute> routes, String host) {
      List<Reference> refs = new ArrayList<>();
      for (Map.Entry<String, GenericKubernetesResource> e : virtualServices.entrySet()) {
        GenericKubernetesResource vs = e.getValue();
        for (Reference r : references.get(vs, null, () -> MeshReferences.of(vs))) {
          if (!releasesOwn(r, routes, owner, ownMirror())
              && (host == null || Hosts.covers(host, r.host()))) {
            refs.add(r);
          }
        }
      }
      refs.addAll(cache.mesh().referencesTo(host, virtualServices.keySet()));
      return refs;
    }

    /** The canary's subset when the Canary has a mirror stage (its mirror is Sluice's). */
    private String ownMirror() {
      if (spec.mirror == null || canary.getStatus() == null) {
        return null;
      }
      return canary.getStatus().canaryVersion;
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
