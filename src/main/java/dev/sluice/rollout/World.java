package dev.sluice.rollout;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the cluster looks like now, as far as one Canary's release is concerned.
 *
 * @param namespace the Canary's namespace (messages name other namespaces only)
 * @param routes the routes the Canary manages, in the order it lists them (one or more; all move in
 *     lockstep)
 * @param subsets the DestinationRule's subsets (name to labels), or {@code null} when it does not
 *     exist
 * @param deployments every Deployment with the app label (with or without a version)
 * @param references every place in every VirtualService Sluice can see that sends traffic to a
 *     subset of the DestinationRule's host, except the managed route's own destinations: the
 *     VirtualService's other routes and mirrors, and other VirtualServices (a gateway's, a
 *     delegate, another namespace's)
 */
public record World(
    String namespace,
    List<ManagedRoute> routes,
    Map<String, Map<String, String>> subsets,
    List<DeploymentView> deployments,
    List<Reference> references) {

  private static final Comparator<DeploymentView> FIRST_CREATED =
      Comparator.comparing(DeploymentView::createdAt).thenComparing(DeploymentView::name);

  public World {
    routes = List.copyOf(routes);
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("a Canary manages at least one route");
    }
    if (subsets != null) {
      Map<String, Map<String, String>> copy = new LinkedHashMap<>();
      subsets.forEach((name, labels) -> copy.put(name, Map.copyOf(labels)));
      subsets = java.util.Collections.unmodifiableMap(copy);
    }
    List<DeploymentView> sorted = new ArrayList<>(deployments);
    sorted.sort(FIRST_CREATED);
    deployments = List.copyOf(sorted);
    references = List.copyOf(references);
  }

  /** A world with one managed route (its VirtualService's name matters only to messages). */
  public World(
      String namespace,
      RouteObservation route,
      Map<String, Map<String, String>> subsets,
      List<DeploymentView> deployments,
      List<Reference> references) {
    this(
        namespace,
        List.of(new ManagedRoute(new RouteRef(namespace, "virtualservice", null), route)),
        subsets,
        deployments,
        references);
  }

  /** The first managed route that cannot be written, if any. */
  public Optional<ManagedRoute> unmanageable() {
    return routes.stream().filter(r -> !r.ok()).findFirst();
  }

  /** Whether every managed route can be written. */
  public boolean routesOk() {
    return routes.stream().allMatch(ManagedRoute::ok);
  }

  /** The managed routes that can be written. */
  public List<ManagedRoute> writableRoutes() {
    return routes.stream().filter(ManagedRoute::ok).toList();
  }

  /**
   * "VirtualService x: " before a message about one route when the Canary manages several (with
   * one, the message needs no name).
   */
  public String where(ManagedRoute r) {
    return routes.size() == 1 ? "" : r.ref().describe(namespace) + ": ";
  }

  public boolean destinationRuleExists() {
    return subsets != null;
  }

  public boolean hasSubset(String version) {
    return subsets != null && subsets.containsKey(version);
  }

  /** The version's Deployment: the first created of those that carry it. */
  public Optional<DeploymentView> deployment(String version) {
    return deployments.stream().filter(d -> version.equals(d.version())).findFirst();
  }

  /** Every Deployment that carries {@code version}, first created first. */
  public List<DeploymentView> deploymentsOf(String version) {
    return deployments.stream().filter(d -> version.equals(d.version())).toList();
  }

  /** What references the subset named {@code subset}; the managed route's destinations aside. */
  public List<Reference> holdersOf(String subset) {
    return references.stream().filter(r -> r.subset().equals(subset)).toList();
  }

  /** The managed routes that send traffic to the subset named {@code subset} (at any weight). */
  public List<ManagedRoute> managedRoutesTo(String subset) {
    return routes.stream().filter(r -> r.observation().weightOf(subset) >= 0).toList();
  }

  /** Whether any route, the managed ones included, references the subset named {@code subset}. */
  public boolean referenced(String subset) {
    return !managedRoutesTo(subset).isEmpty() || !holdersOf(subset).isEmpty();
  }

  /**
   * What sends traffic to {@code d}'s pods, the managed route's destinations aside: references to
   * the subset named after its version, or to a subset whose labels select its pods. A subset
   * without labels reaches every version alike and says nothing about this one.
   */
  public List<Reference> serving(DeploymentView d) {
    return references.stream()
        .filter(r -> r.subset().equals(d.version()) || selects(r.subset(), d))
        .toList();
  }

  /** Whether the subset has labels and they all are on {@code d}'s pods. */
  public boolean selects(String subset, DeploymentView d) {
    Map<String, String> labels = subsets == null ? null : subsets.get(subset);
    if (labels == null || labels.isEmpty()) {
      return false;
    }
    return labels.entrySet().stream()
        .allMatch(e -> e.getValue().equals(d.podLabels().get(e.getKey())));
  }

  /**
   * Why the subset named {@code version} would not send traffic to exactly that version's pods, or
   * empty when it does (or does not exist yet: Sluice adds it).
   */
  public Optional<String> subsetProblem(String version) {
    if (!hasSubset(version)) {
      return Optional.empty();
    }
    Map<String, String> labels = subsets.get(version);
    if (labels.isEmpty()) {
      return Optional.of(
          "subset "
              + version
              + " of the DestinationRule has no labels: it selects every version's pods");
    }
    List<DeploymentView> own = deploymentsOf(version);
    if (own.stream().noneMatch(d -> selects(version, d))) {
      String names = String.join(", ", own.stream().map(DeploymentView::name).toList());
      return Optional.of(
          "subset "
              + version
              + " of the DestinationRule selects "
              + labels
              + ", which the pods of "
              + (names.isEmpty() ? "version " + version : names)
              + " do not carry");
    }
    for (DeploymentView other : deployments) {
      if (!version.equals(other.version()) && selects(version, other)) {
        return Optional.of(
            "subset "
                + version
                + " of the DestinationRule selects "
                + labels
                + ", which also selects the pods of "
                + other.name()
                + (other.version() == null ? "" : " (version " + other.version() + ")"));
      }
    }
    return Optional.empty();
  }
}
