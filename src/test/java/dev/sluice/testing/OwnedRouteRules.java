package dev.sluice.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a release may add to a VirtualService besides the managed routes' weights (issue 18):
 * Sluice-owned http routes, named {@code sluice/<canary-namespace>/<canary-name>/<purpose>}. The
 * rules {@link InvariantChecker} applies to them, written again from the design (not the daemon's
 * code).
 */
final class OwnedRouteRules {
  /** Routes whose names start so are Sluice's: positional selectors do not count them. */
  static final String SLUICE = "sluice/";

  private OwnedRouteRules() {}

  /** Whether an http route is named as Sluice names its routes (of any Canary). */
  static boolean sluiceNamed(JsonNode route) {
    return route.path("name").asText("").startsWith(SLUICE);
  }

  /** The name prefix of the routes {@code canary} owns: {@code sluice/<namespace>/<name>/}. */
  static String prefix(JsonNode canary) {
    return SLUICE
        + canary.path("metadata").path("namespace").asText()
        + "/"
        + canary.path("metadata").path("name").asText()
        + "/";
  }

  /** Whether {@code route} is one of the routes named with {@code prefix}. */
  static boolean owned(JsonNode route, String prefix) {
    return prefix != null && route.path("name").asText("").startsWith(prefix);
  }

  /**
   * Removes from {@code vs} (a copy) the http routes named with {@code prefix}, which may appear
   * and disappear during a release without being a change to any other route.
   */
  static void removeOwned(ObjectNode vs, String prefix) {
    if (vs.path("spec").path("http") instanceof ArrayNode http) {
      for (int i = http.size() - 1; i >= 0; i--) {
        if (owned(http.get(i), prefix)) {
          http.remove(i);
        }
      }
    }
  }
}
