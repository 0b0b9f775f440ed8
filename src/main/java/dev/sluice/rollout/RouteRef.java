package dev.sluice.rollout;

/**
 * Where a route a Canary manages lives: a VirtualService, by namespace and name, and the route in
 * it as the Canary names it.
 *
 * @param namespace the VirtualService's namespace
 * @param name the VirtualService's name
 * @param route the route as the Canary names it: an http route's name, {@code http[N]}, {@code
 *     tls[N]} or {@code tcp[N]} by position, or null for the default route (see the routing
 *     package's route selectors)
 */
public record RouteRef(String namespace, String name, String route) {

  /** {@code namespace/name} of the VirtualService. */
  public String key() {
    return namespace + "/" + name;
  }

  /** "VirtualService helloworld", naming the namespace when it is not {@code fromNamespace}. */
  public String describe(String fromNamespace) {
    String vs = namespace.equals(fromNamespace) ? name : key();
    return (route == null ? "" : "route " + route + " of ") + "VirtualService " + vs;
  }
}
