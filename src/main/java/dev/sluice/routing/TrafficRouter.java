package dev.sluice.routing;

import dev.sluice.rollout.Effect;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.rollout.World;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;

/**
 * Reads and changes how a service mesh splits traffic between the versions of an app.
 *
 * <p>Every write takes the object <em>as read</em> (e.g. from an informer cache) and is conditional
 * on its resourceVersion: when the object changed in between, the write fails with {@link
 * WriteConflictException} and nothing is written; the caller reads again and decides again. An edit
 * that changes nothing is not written at all. Each write returns the object as stored after it (or
 * the argument itself when nothing was written), so that a following step can use it without
 * waiting for a cache to catch up.
 *
 * <p>Failures other than a conflict or a refusal are the Kubernetes client's own ({@code
 * KubernetesClientException}: unreachable API server, forbidden, not found, invalid, ...).
 *
 * <p>Implementations are stateless apart from their client and safe to share between threads.
 */
public interface TrafficRouter {

  /**
   * The managed route of a VirtualService, as the state machine needs it. Pure: no call to the API.
   *
   * @param virtualService as read, or null when it does not exist (gives NOT_FOUND)
   * @param routeName the route as the Canary names it, or null for the default route (see {@link
   *     RouteSelector})
   */
  RouteObservation observe(GenericKubernetesResource virtualService, String routeName);

  /**
   * The subsets a DestinationRule defines, each with its labels, in order. Pure: no call to the
   * API.
   *
   * @param destinationRule as read, or null when it does not exist (gives null)
   */
  Map<String, Map<String, String>> subsets(GenericKubernetesResource destinationRule);

  /**
   * Makes the destinations of each route of {@code routes} in {@code virtualService} exactly {@code
   * effect.destinations()}, changing nothing else, in one write. A rollback is one such call per
   * VirtualService with the stable subset at 100.
   *
   * @param virtualService as read; must carry its resourceVersion
   * @param routes the routes, each as a Canary names it (null for the default route; see {@link
   *     RouteSelector})
   * @return the VirtualService as stored after the write, or {@code virtualService} itself when the
   *     routes already were so
   * @throws UnmanageableRouteException when {@link #observe} is not OK for one of them; nothing is
   *     written
   * @throws WriteConflictException when it changed since it was read
   */
  GenericKubernetesResource setRoutes(
      GenericKubernetesResource virtualService, List<String> routes, Effect.SetRoute effect);

  /** {@link #setRoutes} for one route. */
  default GenericKubernetesResource setRoute(
      GenericKubernetesResource virtualService, String route, Effect.SetRoute effect) {
    return setRoutes(virtualService, java.util.Collections.singletonList(route), effect);
  }

  /**
   * Adds a subset for {@code effect.version()} to the DestinationRule, modelled on {@code
   * effect.likeVersion()}'s subset, with {@code versionLabel} set to the version.
   *
   * @param destinationRule as read; must carry its resourceVersion
   * @param versionLabel the label that carries the version on pods and subsets (e.g. {@code
   *     version})
   * @return the DestinationRule as stored after the write, or {@code destinationRule} itself when
   *     the subset already existed
   * @throws RefusedEditException when the model subset does not exist; nothing is written
   * @throws WriteConflictException when it changed since it was read
   */
  GenericKubernetesResource addSubset(
      GenericKubernetesResource destinationRule, Effect.AddSubset effect, String versionLabel);

  /**
   * Removes {@code effect.version()}'s subset from the DestinationRule, but only once no route
   * references it (traffic invariant 4): {@code world} must hold an OK observation of the managed
   * route (normally taken from the object the previous {@link #setRoute} returned) and every other
   * route Sluice can see, none of which {@linkplain World#referenced references} the version.
   *
   * @param destinationRule as read; must carry its resourceVersion
   * @param world the routes as last read or written
   * @return the DestinationRule as stored after the write, or {@code destinationRule} itself when
   *     the subset was already gone
   * @throws RefusedEditException when the managed route is not OK or something references the
   *     version; nothing is written
   * @throws WriteConflictException when it changed since it was read
   */
  GenericKubernetesResource removeSubset(
      GenericKubernetesResource destinationRule, Effect.RemoveSubset effect, World world);
}
