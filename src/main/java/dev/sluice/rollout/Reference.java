package dev.sluice.rollout;

/**
 * One place in a VirtualService that sends traffic to a subset: a destination of an http, tls or
 * tcp route, or an http route's mirror.
 *
 * @param virtualService the VirtualService, as {@code namespace/name}
 * @param kind {@code http}, {@code tls} or {@code tcp}
 * @param position the route's index in its list
 * @param routeName the route's name, or null
 * @param mirror whether the traffic is a mirror (copies whose answers are discarded)
 * @param host the destination's host, normalised ({@code name.namespace} for a service of the
 *     cluster, see the routing package's host rules)
 * @param subset the subset named
 */
public record Reference(
    String virtualService,
    String kind,
    int position,
    String routeName,
    boolean mirror,
    String host,
    String subset) {

  /** "route `debug` of VirtualService helloworld", naming the namespace when it is another. */
  public String describe(String fromNamespace) {
    String route = routeName == null ? kind + " route " + position : "route `" + routeName + "`";
    if (!kind.equals("http") && routeName != null) {
      route = kind + " " + route;
    }
    int slash = virtualService.indexOf('/');
    String vs =
        slash > 0 && virtualService.substring(0, slash).equals(fromNamespace)
            ? virtualService.substring(slash + 1)
            : virtualService;
    return (mirror ? "mirror of " : "") + route + " of VirtualService " + vs;
  }
}
