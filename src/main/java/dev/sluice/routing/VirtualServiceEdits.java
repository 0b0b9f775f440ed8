package dev.sluice.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.rollout.Destination;
import dev.sluice.rollout.Effect;
import dev.sluice.rollout.RouteObservation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The reading and the one edit Sluice makes on an Istio VirtualService, as pure functions.
 *
 * <p>The <em>managed route</em> is the route the Canary names ({@link RouteSelector}: an http route
 * by name, or an http, tls or tcp route by position), or by default the fallback route: the first
 * http route without {@code match} (a {@code match} that is absent, null or an empty list; in a
 * VirtualService without http routes, the tcp or tls route without match, or the only one). The
 * VirtualService may be a delegate (no {@code hosts}, included by a root's {@code delegate}); a
 * managed route that is itself a {@code delegate} is refused. Only the {@code route} list of the
 * managed route is ever changed; every other route and every other field is left exactly as it was.
 *
 * <p>Inputs are never modified; outputs are deep copies.
 */
public final class VirtualServiceEdits {

  private VirtualServiceEdits() {}

  /**
   * Reads the managed route of a VirtualService.
   *
   * <p>{@link RouteObservation.State#NOT_FOUND} when {@code virtualService} is null, no http route
   * is named {@code routeName} or no route is at the position it gives. {@link
   * RouteObservation.State#INVALID} (with the reason) when the VirtualService has no routes of the
   * kind; has http match routes but no http route without match; has several routes named {@code
   * routeName}; or when the managed route is a delegate, has no {@code route} destinations
   * (redirect, directResponse), a destination without subset, destinations to different hosts, the
   * same subset twice, a weight that is not an integer in 0..100, a missing weight while it has
   * several destinations, or weights that do not sum to 100. A single destination without a weight
   * has weight 100.
   *
   * <p>What else in the VirtualService references a subset (other routes, mirrors) is {@link
   * MeshReferences}'s to tell.
   *
   * @param virtualService the VirtualService as read, or null when it does not exist
   * @param routeName the managed route as the Canary names it ({@link RouteSelector}), or null for
   *     the default route
   */
  public static RouteObservation inspect(
      GenericKubernetesResource virtualService, String routeName) {
    if (virtualService == null) {
      return RouteObservation.notFound("VirtualService not found");
    }
    return findManagedRoute(Trees.toTree(virtualService), routeName).observation();
  }

  /**
   * A copy of {@code virtualService} whose managed route sends traffic to exactly {@code
   * destinations}, in that order.
   *
   * <p>Only the managed route's {@code route} list is replaced. For each desired destination the
   * existing destination entry of that subset is reused with its weight set (keeping host, port,
   * headers and any other field); a subset new to the route gets a copy of the route's first entry
   * with the subset changed. Every other route and field is left exactly as it was. When the route
   * already has these subsets with these weights (in any order) the copy is unchanged, so no write
   * follows.
   *
   * @throws UnmanageableRouteException when {@link #inspect} does not find the route OK
   * @throws IllegalArgumentException when {@code destinations} is empty, names a subset twice or
   *     its weights do not sum to 100
   */
  public static GenericKubernetesResource withRoute(
      GenericKubernetesResource virtualService, String routeName, List<Destination> destinations) {
    return withRoute(virtualService, routeName, new Effect.SetRoute(destinations));
  }

  /**
   * A copy of {@code virtualService} whose managed route looks as {@code effect} asks: its
   * destinations as {@link #withRoute(GenericKubernetesResource, String, List)} sets them, and what
   * a stage adds ({@link StageEdits}): the Canary's own routes (named {@code effect.owner()} and a
   * purpose) replaced by those asked for, placed immediately before the managed route, Sluice's
   * mirror and cookies set or removed. Every other route and field is left exactly as it was.
   *
   * @throws UnmanageableRouteException when {@link #inspect} does not find the route OK
   * @throws RefusedEditException when additions are asked for on a tls or tcp route, or a stage's
   *     match cannot be combined with the managed route's own
   */
  public static GenericKubernetesResource withRoute(
      GenericKubernetesResource virtualService, String routeName, Effect.SetRoute effect) {
    Objects.requireNonNull(virtualService, "virtualService");
    Objects.requireNonNull(effect, "effect");
    requireValidPlan(effect.destinations());
    ObjectNode tree = Trees.toTree(virtualService);
    Found found = findManagedRoute(tree, routeName);
    RouteObservation observation = found.observation();
    if (observation.state() != RouteObservation.State.OK) {
      throw new UnmanageableRouteException(observation);
    }
    ObjectNode managed = (ObjectNode) tree.path("spec").path(found.kind()).get(found.index());
    setDestinations(managed, observation, effect.destinations());
    if (found.kind().equals("http")) {
      StageEdits.apply((ArrayNode) tree.path("spec").path("http"), found.index(), effect);
    } else if (!effect.additions().none()) {
      throw new RefusedEditException(
          "a " + found.kind() + " route cannot mirror, match or set cookies: only http routes can");
    }
    return Trees.fromTree(tree);
  }

  private static void setDestinations(
      ObjectNode managed, RouteObservation observation, List<Destination> destinations) {
    if (asMap(observation.destinations()).equals(asMap(destinations))) {
      // Same subsets and weights: leave even the order and the implicit weight of a single
      // destination alone, so that nothing is written.
      return;
    }
    ArrayNode existing = (ArrayNode) managed.get("route");
    ArrayNode replacement = managed.arrayNode();
    for (Destination wanted : destinations) {
      ObjectNode entry = entryFor(existing, wanted.subset());
      if (entry == null) {
        entry = ((ObjectNode) existing.get(0)).deepCopy();
        ((ObjectNode) entry.get("destination")).put("subset", wanted.subset());
      }
      entry.put("weight", wanted.weight());
      replacement.add(entry);
    }
    // set() on an existing field keeps its position, so the route serializes in the same order.
    managed.set("route", replacement);
  }

  private static ObjectNode entryFor(ArrayNode route, String subset) {
    for (JsonNode entry : route) {
      if (subset.equals(Trees.text(entry.get("destination"), "subset"))) {
        return ((ObjectNode) entry).deepCopy();
      }
    }
    return null;
  }

  private static void requireValidPlan(List<Destination> destinations) {
    Objects.requireNonNull(destinations, "destinations");
    if (destinations.isEmpty()) {
      throw new IllegalArgumentException("a route needs at least one destination");
    }
    Set<String> seen = new LinkedHashSet<>();
    int sum = 0;
    for (Destination d : destinations) {
      Objects.requireNonNull(d, "destination");
      if (!seen.add(d.subset())) {
        throw new IllegalArgumentException(
            "subset " + d.subset() + " named twice: " + destinations);
      }
      sum += d.weight();
    }
    if (sum != 100) {
      throw new IllegalArgumentException("weights must sum to 100, were " + destinations);
    }
  }

  private static Map<String, Integer> asMap(List<Destination> destinations) {
    Map<String, Integer> map = new HashMap<>();
    destinations.forEach(d -> map.put(d.subset(), d.weight()));
    return map;
  }

  /** The observation, and the kind and index of the managed route when it is OK. */
  private record Found(RouteObservation observation, String kind, int index) {
    static Found refused(RouteObservation observation) {
      return new Found(observation, null, -1);
    }
  }

  private static Found findManagedRoute(ObjectNode vs, String routeName) {
    RouteSelector selector = RouteSelector.parse(routeName);
    JsonNode spec = vs.path("spec");
    String kind = selector.isDefault() ? defaultKind(spec) : selector.kind();
    if (kind == null) {
      boolean tls = nonEmpty(spec.path("tls"));
      boolean tcp = nonEmpty(spec.path("tcp"));
      return Found.refused(
          RouteObservation.invalid(
              tls && tcp
                  ? "the VirtualService has tls and tcp routes but no http routes: name the route"
                      + " to manage (tls[N] or tcp[N])"
                  : "the VirtualService has no http, tls or tcp routes"));
    }
    JsonNode routes = spec.path(kind);
    if (routes.isMissingNode() || routes.isNull() || (routes.isArray() && routes.isEmpty())) {
      return Found.refused(
          RouteObservation.invalid("the VirtualService has no " + kind + " routes"));
    }
    if (!routes.isArray()) {
      return Found.refused(RouteObservation.invalid("spec." + kind + " is not a list"));
    }
    int fallback = -1;
    List<Integer> named = new ArrayList<>();
    // positions count the user's routes only: routes Sluice adds for a stage do not shift them
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < routes.size(); i++) {
      JsonNode route = routes.get(i);
      if (!route.isObject()) {
        return Found.refused(RouteObservation.invalid(kind + "[" + i + "] is not an object"));
      }
      if (OwnedRoutes.isOwned(Trees.text(route, "name"))) {
        continue;
      }
      positions.add(i);
      if (fallback < 0 && !hasMatch(route)) {
        fallback = i;
      }
      if (selector.name() != null && selector.name().equals(Trees.text(route, "name"))) {
        named.add(i);
      }
    }
    // Invariant 3, checked whichever http route is managed: requests that match no route would
    // fail. (tls routes always match on SNI, and tcp routes often on a port: it is theirs to say.)
    if (kind.equals("http") && fallback < 0) {
      return Found.refused(
          RouteObservation.invalid(
              "match routes have no fallback route (an http route without match)"));
    }
    int index;
    if (selector.isDefault()) {
      if (fallback >= 0) {
        index = fallback;
      } else if (positions.size() == 1) {
        index = positions.get(0);
      } else {
        return Found.refused(
            RouteObservation.invalid(
                "the VirtualService has "
                    + positions.size()
                    + " "
                    + kind
                    + " routes, each with a match: name the route to manage ("
                    + kind
                    + "[N])"));
      }
    } else if (selector.index() >= 0) {
      if (selector.index() >= positions.size()) {
        return Found.refused(
            RouteObservation.notFound(
                "the VirtualService has no "
                    + kind
                    + " route at position "
                    + selector.index()
                    + " (it has "
                    + positions.size()
                    + ")"));
      }
      index = positions.get(selector.index());
    } else if (named.isEmpty()) {
      return Found.refused(
          RouteObservation.notFound(
              "the VirtualService has no http route named \"" + routeName + "\""));
    } else if (named.size() > 1) {
      return Found.refused(
          RouteObservation.invalid(
              named.size() + " http routes are named \"" + routeName + "\" " + named));
    } else {
      index = named.get(0);
    }
    List<Destination> destinations = new ArrayList<>();
    JsonNode managed = routes.get(index);
    String label = describe(kind, managed, index);
    JsonNode delegate = managed.get("delegate");
    if (delegate != null && delegate.isObject()) {
      String name = Trees.text(delegate, "name");
      String namespace = Trees.text(delegate, "namespace");
      return Found.refused(
          RouteObservation.invalid(
              label
                  + " delegates to VirtualService "
                  + (namespace == null ? "" : namespace + "/")
                  + name
                  + ": point the Canary at that delegate VirtualService (Sluice manages the"
                  + " delegate's route and never writes the root)"));
    }
    JsonNode route = managed.get("route");
    String problem =
        route == null || !route.isArray() || route.isEmpty()
            ? label + " has no route destinations (a redirect or directResponse route)"
            : readDestinations(route, label, destinations);
    if (problem != null) {
      return Found.refused(RouteObservation.invalid(problem));
    }
    String host = Trees.text(route.get(0).path("destination"), "host");
    RouteObservation ok = RouteObservation.ok(kind, destinations, index, host);
    if (kind.equals("http")) {
      ok = ok.withExtras(StageEdits.read((ArrayNode) routes, managed));
    }
    return new Found(ok, kind, index);
  }

  /** http when the VirtualService has http routes, else tls or tcp if it has only one of them. */
  private static String defaultKind(JsonNode spec) {
    if (spec.has("http")) {
      return "http"; // present, even empty: refused below as having no http routes
    }
    boolean tls = nonEmpty(spec.path("tls"));
    boolean tcp = nonEmpty(spec.path("tcp"));
    if (tls == tcp) {
      return null;
    }
    return tls ? "tls" : "tcp";
  }

  private static boolean nonEmpty(JsonNode list) {
    return list.isArray() && !list.isEmpty();
  }

  /** Fills {@code out} from a route list; returns the problem, or null when it is manageable. */
  private static String readDestinations(JsonNode route, String label, List<Destination> out) {
    Set<String> hosts = new LinkedHashSet<>();
    Map<String, Integer> weights = new LinkedHashMap<>();
    int missingWeights = 0;
    for (int j = 0; j < route.size(); j++) {
      JsonNode entry = route.get(j);
      String where = "destination " + j + " of " + label;
      String subset = Trees.text(entry.path("destination"), "subset");
      if (subset == null || subset.isEmpty()) {
        return where + " has no subset";
      }
      String host = Trees.text(entry.path("destination"), "host");
      hosts.add(host == null ? "" : host);
      if (weights.containsKey(subset)) {
        return label + " names subset \"" + subset + "\" twice";
      }
      JsonNode weight = entry.get("weight");
      if (weight == null || weight.isNull()) {
        missingWeights++;
        weights.put(subset, null);
      } else if (!weight.isIntegralNumber() || !weight.canConvertToInt()) {
        return where + " has weight " + weight + ", not an integer";
      } else if (weight.intValue() < 0 || weight.intValue() > 100) {
        return where + " has weight " + weight.intValue() + ", outside 0..100";
      } else {
        weights.put(subset, weight.intValue());
      }
    }
    if (hosts.size() > 1) {
      return label + " sends traffic to different hosts " + hosts;
    }
    if (missingWeights > 0) {
      if (route.size() > 1) {
        return missingWeights
            + " of the "
            + route.size()
            + " destinations of "
            + label
            + " have no weight";
      }
      // Istio gives a lone destination all the traffic.
      weights.replaceAll((subset, weight) -> 100);
    }
    int sum = weights.values().stream().mapToInt(Integer::intValue).sum();
    if (sum != 100) {
      return "the weights of " + label + " sum to " + sum + ", not 100";
    }
    weights.forEach((subset, weight) -> out.add(new Destination(subset, weight)));
    return null;
  }

  private static boolean hasMatch(JsonNode route) {
    JsonNode match = route.get("match");
    return match != null && !match.isNull() && !(match.isArray() && match.isEmpty());
  }

  private static String describe(String kind, JsonNode route, int index) {
    String name = Trees.text(route, "name");
    return name == null ? kind + " route " + index : kind + " route \"" + name + "\"";
  }
}
