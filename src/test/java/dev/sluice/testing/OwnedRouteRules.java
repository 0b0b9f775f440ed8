package dev.sluice.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.routing.Hosts;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a release may add to a VirtualService besides the managed routes' weights (issue 18):
 * Sluice-owned http routes, named {@code sluice/<canary-namespace>/<canary-name>/<purpose>}, a
 * mirror to the canary, Set-Cookie headers for session affinity. The rules {@link InvariantChecker}
 * applies to them, written again from the design (not the daemon's code), in every write of
 * Sluice's to a VirtualService it manages:
 *
 * <ul>
 *   <li>a route of the Canary's has purpose {@code match}, {@code sticky-canary} or {@code
 *       sticky-stable}, a match that does not take every request, and one destination of weight
 *       100: the canary's subset ({@code match}, {@code sticky-canary}) or the stable's ({@code
 *       sticky-stable}), on the host of the managed route it precedes;
 *   <li>the Canary's routes sit immediately before a managed route (several in a row, each name
 *       once);
 *   <li>Sluice's mirror (a managed route's {@code mirror} to the canary's subset on the route's
 *       host, with its {@code mirrorPercentage}) is there only while the managed route sends 100%
 *       to stable and 0 to the canary; any other mirror is the user's, kept as it was;
 *   <li>Sluice's Set-Cookie headers (on a managed route's destinations, {@code
 *       headers.response.add}, a value that starts with {@code sluice-} after the cookie's name)
 *       come and go with the release; every other Set-Cookie of a destination the route keeps stays
 *       as it was;
 *   <li>all of these exist only while the release runs: none in a write outside a release, none in
 *       the write that rolls back (the managed route at 100% stable) or promotes (100% canary), and
 *       none left when the status records RolledBack or Succeeded.
 * </ul>
 */
final class OwnedRouteRules {
  /** Routes whose names start so are Sluice's: positional selectors do not count them. */
  static final String SLUICE = "sluice/";

  /** The purposes of Sluice's routes (see {@link Owner#subsetFor}). */
  private static final List<String> PURPOSES = List.of("match", "sticky-canary", "sticky-stable");

  /**
   * A release as a VirtualService write sees it: the name prefix of the Canary's routes, and the
   * stable and canary subsets.
   */
  record Owner(String prefix, String stable, String canary) {
    /** The release {@code canary}'s status records. */
    static Owner of(JsonNode canary) {
      JsonNode st = canary.path("status");
      return of(canary, text(st, "stableVersion"), text(st, "canaryVersion"));
    }

    static Owner of(JsonNode canary, String stable, String canaryVersion) {
      return new Owner(OwnedRouteRules.prefix(canary), stable, canaryVersion);
    }

    /** The subset a route of this purpose sends to; null for an unknown purpose. */
    String subsetFor(String purpose) {
      return switch (purpose) {
        case "match", "sticky-canary" -> canary;
        case "sticky-stable" -> stable;
        default -> null;
      };
    }
  }

  private OwnedRouteRules() {}

  /**
   * The violations in {@code vs}, a write of Sluice's for {@code owner}'s release (the Canary's
   * status {@code phase}, one of a running release or not) whose {@code managed} routes are, for
   * the http ones, at the indices {@code managedHttp}.
   */
  static List<String> checkWrite(
      JsonNode vs,
      Owner owner,
      Set<Integer> managedHttp,
      List<JsonNode> managed,
      String phase,
      boolean running) {
    List<String> out = checkRoutes(vs, owner, managedHttp);
    List<String> added = additions(vs, owner, managed);
    if (added.isEmpty()) {
      return out;
    }
    if (!running) {
      out.add("written outside a release (phase " + phase + ") with Sluice's " + added);
      return out;
    }
    for (JsonNode route : managed) {
      Map<String, Integer> w = InvariantChecker.weightsOrEmpty(route);
      String ending =
          w.equals(Map.of(String.valueOf(owner.stable()), 100))
              ? "rolls back"
              : w.equals(Map.of(String.valueOf(owner.canary()), 100)) ? "promotes" : null;
      if (ending != null) {
        out.add("the write that " + ending + " (" + weights(w) + ") leaves Sluice's " + added);
        return out;
      }
    }
    String ns = vs.path("metadata").path("namespace").asText();
    for (JsonNode route : managed) {
      Map<String, Integer> w = InvariantChecker.weightsOrEmpty(route);
      boolean mirroring =
          w.size() == 2
              && w.getOrDefault(owner.stable(), -1) == 100
              && w.getOrDefault(owner.canary(), -1) == 0;
      if (sluiceMirror(route, owner, ns) && !mirroring) {
        out.add(
            "Sluice's mirror to "
                + owner.canary()
                + " on a managed route that sends ("
                + weights(w)
                + "): it mirrors only while stable has 100 and the canary 0");
      }
    }
    return out;
  }

  private static String weights(Map<String, Integer> w) {
    return String.join(", ", InvariantChecker.describe(w));
  }

  /** The violations of {@code owner}'s routes: their purpose, match, destination and place. */
  private static List<String> checkRoutes(JsonNode vs, Owner owner, Set<Integer> managedHttp) {
    List<String> out = new ArrayList<>();
    JsonNode http = vs.path("spec").path("http");
    String ns = vs.path("metadata").path("namespace").asText();
    Set<String> inARow = new HashSet<>();
    for (int i = 0; i < http.size(); i++) {
      JsonNode route = http.get(i);
      if (!owned(route, owner.prefix())) {
        inARow.clear();
        continue;
      }
      String name = route.path("name").asText();
      if (!inARow.add(name)) {
        out.add("Sluice-owned route " + name + " appears twice before the same route");
      }
      int next = i + 1;
      while (next < http.size() && owned(http.get(next), owner.prefix())) {
        next++;
      }
      Set<String> hosts = null;
      if (managedHttp.contains(next)) {
        hosts = hostKeys(http.get(next), ns);
      } else {
        out.add(
            "Sluice-owned route "
                + name
                + " at http["
                + i
                + "] is not immediately before a managed route ("
                + (next < http.size()
                    ? "http[" + next + "] " + http.get(next).path("name").asText("") + " follows it"
                    : "it is the last")
                + ")");
      }
      String purpose = name.substring(owner.prefix().length());
      String subset = owner.subsetFor(purpose);
      if (subset == null) {
        out.add(
            "Sluice-owned route " + name + " has purpose " + purpose + ", not one of " + PURPOSES);
      }
      if (!restricted(route.get("match"))) {
        out.add(
            "Sluice-owned route "
                + name
                + " has match "
                + route.get("match")
                + ", which takes every request");
      }
      if (subset != null && !alone(route, subset, hosts, ns)) {
        out.add(
            "Sluice-owned route "
                + name
                + " sends "
                + destinations(route)
                + ", not "
                + subset
                + " alone at weight 100"
                + (hosts == null ? "" : " on the managed route's host " + hosts));
      }
    }
    return out;
  }

  /** A match that takes only some requests: a non-empty list of non-empty match requests. */
  private static boolean restricted(JsonNode match) {
    if (match == null || !match.isArray() || match.isEmpty()) {
      return false;
    }
    for (JsonNode m : match) {
      if (!m.isObject() || m.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code route} has one destination, {@code subset} at weight 100 (or no weight), on one
   * of {@code hosts} (any host when null).
   */
  private static boolean alone(JsonNode route, String subset, Set<String> hosts, String ns) {
    JsonNode list = route.path("route");
    if (list.size() != 1) {
      return false;
    }
    JsonNode entry = list.get(0);
    JsonNode weight = entry.get("weight");
    JsonNode dest = entry.path("destination");
    return (weight == null
            || weight.isNull()
            || (weight.isIntegralNumber() && weight.asInt() == 100))
        && subset.equals(dest.path("subset").asText(null))
        && (hosts == null || hosts.contains(Hosts.key(dest.path("host").asText(null), ns)));
  }

  private static Set<String> hostKeys(JsonNode route, String ns) {
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode e : route.path("route")) {
      out.add(Hosts.key(e.path("destination").path("host").asText(null), ns));
    }
    return out;
  }

  private static List<String> destinations(JsonNode route) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : route.path("route")) {
      JsonNode dest = e.path("destination");
      out.add(
          dest.path("subset").asText("")
              + "="
              + (e.hasNonNull("weight") ? e.get("weight").toString() : "unset")
              + " on "
              + dest.path("host").asText(""));
    }
    return out;
  }

  /**
   * Whether the managed route {@code route} (of a VirtualService in {@code ns}) carries Sluice's
   * mirror: to {@code owner}'s canary subset, on a host the route sends to.
   */
  static boolean sluiceMirror(JsonNode route, Owner owner, String ns) {
    JsonNode mirror = route.path("mirror");
    return owner != null
        && owner.canary() != null
        && owner.canary().equals(mirror.path("subset").asText(null))
        && hostKeys(route, ns).contains(Hosts.key(mirror.path("host").asText(null), ns));
  }

  /**
   * Removes Sluice's mirror (and its percentage) from the managed route {@code route} (a copy): the
   * release may add and remove it; any other mirror stays to be compared.
   */
  static void removeMirror(ObjectNode route, Owner owner, String ns) {
    if (sluiceMirror(route, owner, ns)) {
      route.remove(List.of("mirror", "mirrorPercentage"));
    }
  }

  /**
   * Whether a Set-Cookie header's value is Sluice's: its cookie's value (after {@code name=})
   * starts with {@code sluice-}.
   */
  static boolean sluiceCookie(String setCookie) {
    String pair = setCookie.split(";", 2)[0];
    int eq = pair.indexOf('=');
    return eq >= 0 && pair.substring(eq + 1).strip().startsWith("sluice-");
  }

  /**
   * The Set-Cookie headers of the managed route {@code route}'s destinations, by subset, each as
   * {@code add|set <value>}: Sluice's ({@code sluice} true) or the others.
   */
  private static Map<String, List<String>> cookies(JsonNode route, boolean sluice) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (JsonNode entry : route.path("route")) {
      List<String> found = new ArrayList<>();
      for (String how : List.of("add", "set")) {
        JsonNode headers = entry.path("headers").path("response").path(how);
        headers
            .fields()
            .forEachRemaining(
                h -> {
                  if (h.getKey().equalsIgnoreCase("Set-Cookie")
                      && sluiceCookie(h.getValue().asText()) == sluice) {
                    found.add(how + " " + h.getValue().asText());
                  }
                });
      }
      out.put(entry.path("destination").path("subset").asText(""), found);
    }
    return out;
  }

  /**
   * The changes a write made to Set-Cookie headers that are not Sluice's, on the destinations the
   * managed route had {@code before} and still has {@code after}.
   */
  static List<String> othersCookieChanges(JsonNode before, JsonNode after) {
    List<String> out = new ArrayList<>();
    Map<String, List<String>> was = cookies(before, false);
    cookies(after, false)
        .forEach(
            (subset, now) -> {
              if (was.containsKey(subset) && !was.get(subset).equals(now)) {
                out.add(
                    "changed a Set-Cookie that is not Sluice's on destination "
                        + subset
                        + ": "
                        + was.get(subset)
                        + " -> "
                        + now);
              }
            });
    return out;
  }

  /**
   * What Sluice added for {@code owner}'s release that {@code vs} still has: its routes, its mirror
   * and its Set-Cookie headers on the {@code managed} routes. Empty once the release is over.
   */
  static List<String> additions(JsonNode vs, Owner owner, List<JsonNode> managed) {
    String ns = vs.path("metadata").path("namespace").asText();
    List<String> out = new ArrayList<>();
    for (JsonNode route : vs.path("spec").path("http")) {
      if (owned(route, owner.prefix())) {
        out.add("route " + route.path("name").asText());
      }
    }
    for (JsonNode route : managed) {
      if (sluiceMirror(route, owner, ns)) {
        out.add("mirror to " + owner.canary() + " on route " + route.path("name").asText(""));
      }
      cookies(route, true)
          .forEach(
              (subset, found) ->
                  found.forEach(c -> out.add("Set-Cookie " + c.substring(4) + " on " + subset)));
    }
    return out;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

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
