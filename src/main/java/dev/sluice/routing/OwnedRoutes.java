package dev.sluice.routing;

/**
 * How Sluice names the routes it adds to a VirtualService: {@code sluice/<namespace>/<canary>/} and
 * a purpose. Namespaces and Canary names never contain a slash, so the name tells whose a route is;
 * routes named so are left out when a Canary names a route by position.
 */
public final class OwnedRoutes {
  /** Every route of Sluice's is named with this prefix. */
  public static final String PREFIX = "sluice/";

  private OwnedRoutes() {}

  /** The prefix of the routes Sluice adds for the Canary {@code namespace/name}. */
  public static String prefix(String namespace, String name) {
    return PREFIX + namespace + "/" + name + "/";
  }

  /** Whether a route of this name is one of Sluice's (of any Canary). */
  public static boolean isOwned(String routeName) {
    return routeName != null && routeName.startsWith(PREFIX);
  }
}
