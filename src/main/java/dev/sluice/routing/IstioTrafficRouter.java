package dev.sluice.routing;

import dev.sluice.rollout.Effect;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.rollout.World;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * {@link TrafficRouter} on Istio: edits {@code networking.istio.io} VirtualServices and
 * DestinationRules with {@link VirtualServiceEdits} and {@link DestinationRuleEdits}, and writes
 * the result with a plain update (HTTP PUT) that carries the resourceVersion that was read.
 *
 * <p>Why a PUT: it sends the whole object that was computed (and can be checked) and is conditional
 * on the resourceVersion of exactly the object the edit was computed from, so a concurrent change
 * anywhere in it (a person editing another route, a GitOps sync) makes the write fail instead of
 * being combined on the server into something nobody decided. JSON merge patch and server-side
 * apply leave the result to a merge on the server, and the fabric8 mock server the tests use does
 * not merge the way a real API server does.
 *
 * <p>The object is written at the API version it was read at ({@code v1}, {@code v1beta1} or {@code
 * v1alpha3}; Istio serves the same schema at each).
 *
 * <p>Not a CDI bean by itself, so that the application chooses how it is made; a producer is
 * enough:
 *
 * <pre>{@code
 * @Produces @ApplicationScoped
 * TrafficRouter trafficRouter(KubernetesClient client) {
 *   return new IstioTrafficRouter(client);
 * }
 * }</pre>
 */
public class IstioTrafficRouter implements TrafficRouter {

  /** API group of Istio's networking resources. */
  public static final String GROUP = "networking.istio.io";

  private static final Logger LOG = Logger.getLogger(IstioTrafficRouter.class);

  private final KubernetesClient client;

  public IstioTrafficRouter(KubernetesClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  @Override
  public RouteObservation observe(GenericKubernetesResource virtualService, String routeName) {
    return VirtualServiceEdits.inspect(virtualService, routeName);
  }

  @Override
  public Map<String, Map<String, String>> subsets(GenericKubernetesResource destinationRule) {
    return DestinationRuleEdits.subsetLabels(destinationRule);
  }

  @Override
  public GenericKubernetesResource setRoutes(
      GenericKubernetesResource virtualService, List<String> routes, Effect.SetRoute effect) {
    Objects.requireNonNull(effect, "effect");
    requireWritable(virtualService, Kind.VIRTUAL_SERVICE);
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("no route to set");
    }
    // every route is edited in the same copy: one write for the VirtualService
    GenericKubernetesResource edited = virtualService;
    for (String route : routes) {
      edited = VirtualServiceEdits.withRoute(edited, route, effect);
    }
    return write(virtualService, edited, Kind.VIRTUAL_SERVICE);
  }

  @Override
  public GenericKubernetesResource addSubset(
      GenericKubernetesResource destinationRule, Effect.AddSubset effect, String versionLabel) {
    Objects.requireNonNull(effect, "effect");
    requireWritable(destinationRule, Kind.DESTINATION_RULE);
    GenericKubernetesResource edited =
        DestinationRuleEdits.withSubset(
            destinationRule, effect.version(), effect.likeVersion(), versionLabel);
    return write(destinationRule, edited, Kind.DESTINATION_RULE);
  }

  @Override
  public GenericKubernetesResource removeSubset(
      GenericKubernetesResource destinationRule, Effect.RemoveSubset effect, World world) {
    Objects.requireNonNull(effect, "effect");
    Objects.requireNonNull(world, "world");
    requireWritable(destinationRule, Kind.DESTINATION_RULE);
    if (world.unmanageable().isPresent()) {
      RouteObservation route = world.unmanageable().get().observation();
      throw new RefusedEditException(
          "will not remove subset \""
              + effect.version()
              + "\" without knowing the routes ("
              + route.state()
              + ": "
              + route.problem()
              + ")");
    }
    if (world.referenced(effect.version())) {
      throw new RefusedEditException(
          "will not remove subset \"" + effect.version() + "\" while a route references it");
    }
    GenericKubernetesResource edited =
        DestinationRuleEdits.withoutSubset(destinationRule, effect.version());
    return write(destinationRule, edited, Kind.DESTINATION_RULE);
  }

  private GenericKubernetesResource write(
      GenericKubernetesResource asRead, GenericKubernetesResource edited, Kind kind) {
    if (Trees.sameContent(asRead, edited)) {
      return asRead;
    }
    ObjectMeta meta = asRead.getMetadata();
    try {
      GenericKubernetesResource stored =
          client
              .genericKubernetesResources(kind.context(asRead.getApiVersion()))
              .inNamespace(meta.getNamespace())
              .resource(edited)
              .update();
      LOG.debugf(
          "updated %s %s/%s: resourceVersion %s -> %s",
          kind.kind,
          meta.getNamespace(),
          meta.getName(),
          meta.getResourceVersion(),
          stored.getMetadata().getResourceVersion());
      return stored;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        throw new WriteConflictException(
            kind.kind, meta.getNamespace(), meta.getName(), meta.getResourceVersion(), e);
      }
      throw e;
    }
  }

  /**
   * Refuses what cannot be written conditionally. Without a resourceVersion the client would fetch
   * the latest one and overwrite whatever is there, so that is an error, not a convenience.
   */
  private static void requireWritable(GenericKubernetesResource resource, Kind kind) {
    Objects.requireNonNull(resource, kind.kind);
    if (!kind.kind.equals(resource.getKind())) {
      throw new IllegalArgumentException("expected a " + kind.kind + ", got " + resource.getKind());
    }
    String apiVersion = resource.getApiVersion();
    if (apiVersion == null || !apiVersion.startsWith(GROUP + "/")) {
      throw new IllegalArgumentException(
          "expected apiVersion " + GROUP + "/<version>, got " + apiVersion);
    }
    ObjectMeta meta = resource.getMetadata();
    if (meta == null
        || isBlank(meta.getName())
        || isBlank(meta.getNamespace())
        || isBlank(meta.getResourceVersion())) {
      throw new IllegalArgumentException(
          kind.kind
              + " must be the object as read, with name, namespace and resourceVersion: "
              + meta);
    }
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private enum Kind {
    VIRTUAL_SERVICE("VirtualService", "virtualservices"),
    DESTINATION_RULE("DestinationRule", "destinationrules");

    final String kind;
    final String plural;

    Kind(String kind, String plural) {
      this.kind = kind;
      this.plural = plural;
    }

    /** Explicit, so that the client needs no API discovery to find the plural and scope. */
    ResourceDefinitionContext context(String apiVersion) {
      return new ResourceDefinitionContext.Builder()
          .withGroup(GROUP)
          .withVersion(apiVersion.substring(GROUP.length() + 1))
          .withKind(kind)
          .withPlural(plural)
          .withNamespaced(true)
          .build();
    }
  }
}
