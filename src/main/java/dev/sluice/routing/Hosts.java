package dev.sluice.routing;

import java.util.Locale;

/**
 * Istio's host names, reduced to one key per service so that routes written differently can be
 * compared: {@code helloworld} in namespace {@code shop}, {@code helloworld.shop}, {@code
 * helloworld.shop.svc} and {@code helloworld.shop.svc.cluster.local} are all {@code
 * helloworld.shop}. Istio resolves a short name against the namespace of the object that names it
 * (the VirtualService, the DestinationRule). Any other host (an external name such as {@code
 * api.example.com}) is its own key, lower-cased. Pure.
 */
public final class Hosts {
  private Hosts() {}

  /**
   * The key of {@code host} as named by an object in {@code namespace}, or null when the host is
   * missing.
   */
  public static String key(String host, String namespace) {
    if (host == null || host.isBlank()) {
      return null;
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    String[] parts = h.split("\\.");
    if (parts.length == 1) {
      return h.equals("*") ? h : h + "." + namespace;
    }
    if (parts.length == 2) {
      return h;
    }
    if (parts[2].equals("svc")) {
      return parts[0] + "." + parts[1];
    }
    return h;
  }

  /**
   * Whether a destination with host key {@code destination} is covered by {@code ruleHost}, the key
   * of a DestinationRule's host (which may be a wildcard such as {@code *.shop}).
   */
  public static boolean covers(String ruleHost, String destination) {
    if (ruleHost == null || destination == null) {
      return false;
    }
    if (ruleHost.equals(destination) || ruleHost.equals("*")) {
      return true;
    }
    return ruleHost.startsWith("*.") && destination.endsWith(ruleHost.substring(1));
  }
}
