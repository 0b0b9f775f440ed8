package dev.sluice.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.rollout.Effect;
import dev.sluice.rollout.Matches;
import dev.sluice.rollout.RouteAdditions;
import dev.sluice.rollout.RouteExtras;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reading and writing of what a release stage adds to a managed http route: a mirror to the
 * canary, routes of Sluice's just before the managed route, and {@code Set-Cookie} headers on the
 * answers of its destinations. Pure functions over the VirtualService's JSON tree.
 */
final class StageEdits {
  private static final String SET_COOKIE = "Set-Cookie";

  /** A cookie value starting with this is Sluice's (see the rollout's route shapes). */
  private static final String SLUICE_VALUE = "sluice-";

  // fields of the managed route a route of Sluice's does not copy
  private static final List<String> NOT_COPIED =
      List.of(
          "name",
          "match",
          "route",
          "mirror",
          "mirrors",
          "mirrorPercentage",
          "mirrorPercent",
          "redirect",
          "directResponse",
          "delegate");

  private StageEdits() {}

  /** What {@code route} (an http route) carries besides its destinations. */
  static RouteExtras read(ArrayNode httpRoutes, JsonNode route) {
    List<Map<String, Object>> match = matchOf(route);
    RouteAdditions.Mirror mirror = null;
    boolean otherMirrors = route.path("mirrors").isArray() && !route.path("mirrors").isEmpty();
    JsonNode m = route.get("mirror");
    if (m != null && m.isObject()) {
      String subset = Trees.text(m, "subset");
      if (subset == null) {
        otherMirrors = true;
      } else {
        mirror = new RouteAdditions.Mirror(subset, mirrorPercent(route));
      }
    }
    List<RouteAdditions.Route> owned = new ArrayList<>();
    for (JsonNode r : httpRoutes) {
      String name = Trees.text(r, "name");
      if (OwnedRoutes.isOwned(name)) {
        String subset = Trees.text(r.path("route").path(0).path("destination"), "subset");
        owned.add(new RouteAdditions.Route(name, matchOf(r), subset == null ? "" : subset));
      }
    }
    Map<String, String> cookies = new LinkedHashMap<>();
    String foreign = foreignCookie(route.path("headers"));
    for (JsonNode entry : route.path("route")) {
      JsonNode headers = entry.path("headers");
      String subset = Trees.text(entry.path("destination"), "subset");
      String added = setCookie(headers.path("response").path("add"));
      if (added != null && isSluices(added) && subset != null) {
        cookies.put(subset, added);
      }
      if (foreign == null) {
        foreign = foreignCookie(headers);
      }
    }
    return new RouteExtras(match, mirror, otherMirrors, owned, cookies, foreign);
  }

  /**
   * Carries {@code effect}'s additions out on the http route at {@code index} of {@code
   * httpRoutes}, whose destinations are already set: the Canary's own routes are replaced by the
   * ones asked for, Sluice's mirror and cookies set or removed. Returns the managed route's index
   * afterwards.
   */
  static int apply(ArrayNode httpRoutes, int index, Effect.SetRoute effect) {
    RouteAdditions a = effect.additions();
    String owner = effect.owner();
    if (owner == null && !a.routes().isEmpty()) {
      throw new IllegalArgumentException("routes of Sluice's need the Canary's name (owner)");
    }
    ObjectNode managed = (ObjectNode) httpRoutes.get(index);
    if (owner != null) {
      for (int i = httpRoutes.size() - 1; i >= 0; i--) {
        String name = Trees.text(httpRoutes.get(i), "name");
        if (name != null && name.startsWith(owner)) {
          httpRoutes.remove(i);
          if (i < index) {
            index--;
          }
        }
      }
    }
    setMirror(managed, a);
    setCookies(managed, a.cookies());
    List<Map<String, Object>> own = matchOf(managed);
    for (RouteAdditions.Route r : a.routes()) {
      httpRoutes.insert(index, ownedRoute(managed, owner + r.purpose(), own, r));
      index++;
    }
    return index;
  }

  private static ObjectNode ownedRoute(
      ObjectNode managed, String name, List<Map<String, Object>> own, RouteAdditions.Route r) {
    Matches.Combined match = Matches.and(own, r.match());
    if (match.problem().isPresent()) {
      throw new RefusedEditException(match.problem().get());
    }
    ObjectNode route = managed.objectNode();
    route.put("name", name);
    route.set("match", Trees.SERIALIZATION.convertValue(match.match(), ArrayNode.class));
    ObjectNode entry = managed.objectNode();
    ObjectNode destination =
        ((ObjectNode) managed.path("route").path(0).path("destination")).deepCopy();
    destination.put("subset", r.subset());
    entry.set("destination", destination);
    entry.put("weight", 100);
    route.set("route", managed.arrayNode().add(entry));
    managed
        .fields()
        .forEachRemaining(
            f -> {
              if (!NOT_COPIED.contains(f.getKey())) {
                route.set(f.getKey(), f.getValue().deepCopy());
              }
            });
    return route;
  }

  private static void setMirror(ObjectNode managed, RouteAdditions a) {
    if (a.mirror() != null) {
      ObjectNode mirror =
          ((ObjectNode) managed.path("route").path(0).path("destination")).deepCopy();
      mirror.put("subset", a.mirror().subset());
      managed.set("mirror", mirror);
      managed.remove("mirrorPercent");
      managed.set("mirrorPercentage", managed.objectNode().put("value", a.mirror().percent()));
      return;
    }
    String subset = Trees.text(managed.path("mirror"), "subset");
    if (subset != null && subset.equals(a.ownMirror())) {
      managed.remove("mirror");
      managed.remove("mirrorPercentage");
      managed.remove("mirrorPercent");
    }
  }

  private static void setCookies(ObjectNode managed, Map<String, String> cookies) {
    for (JsonNode e : managed.path("route")) {
      ObjectNode entry = (ObjectNode) e;
      String subset = Trees.text(entry.path("destination"), "subset");
      JsonNode add = entry.path("headers").path("response").path("add");
      String current = setCookie(add);
      String wanted = subset == null ? null : cookies.get(subset);
      if (current != null && isSluices(current) && !current.equals(wanted)) {
        removeCookie(entry); // whatever case its name has; the wanted one is added below
      }
      if (wanted != null && !wanted.equals(current)) {
        ObjectNode headers = child(entry, "headers");
        ObjectNode response = child(headers, "response");
        child(response, "add").put(SET_COOKIE, wanted);
      }
    }
  }

  /** Removes Sluice's Set-Cookie, and the objects that held only it. */
  private static void removeCookie(ObjectNode entry) {
    ObjectNode headers = (ObjectNode) entry.get("headers");
    ObjectNode response = (ObjectNode) headers.get("response");
    ObjectNode add = (ObjectNode) response.get("add");
    // found by setCookie(), whose header names are case-insensitive: removed the same way
    List<String> names = new ArrayList<>();
    add.fieldNames().forEachRemaining(names::add);
    names.stream().filter(SET_COOKIE::equalsIgnoreCase).forEach(add::remove);
    if (add.isEmpty()) {
      response.remove("add");
    }
    if (response.isEmpty()) {
      headers.remove("response");
    }
    if (headers.isEmpty()) {
      entry.remove("headers");
    }
  }

  private static ObjectNode child(ObjectNode parent, String field) {
    JsonNode c = parent.get(field);
    if (c instanceof ObjectNode o) {
      return o;
    }
    return parent.putObject(field);
  }

  /** The Set-Cookie value of a header map (names are case-insensitive in HTTP), or null. */
  private static String setCookie(JsonNode headerMap) {
    var fields = headerMap.fields();
    while (fields.hasNext()) {
      var f = fields.next();
      if (f.getKey().equalsIgnoreCase(SET_COOKIE) && f.getValue().isTextual()) {
        return f.getValue().asText();
      }
    }
    return null;
  }

  private static boolean isSluices(String setCookie) {
    int eq = setCookie.indexOf('=');
    return eq > 0 && setCookie.startsWith(SLUICE_VALUE, eq + 1);
  }

  /** A Set-Cookie the headers add or set that is not Sluice's, or null. */
  private static String foreignCookie(JsonNode headers) {
    JsonNode response = headers.path("response");
    for (String op : List.of("add", "set")) {
      String value = setCookie(response.path(op));
      if (value != null && !(op.equals("add") && isSluices(value))) {
        return value;
      }
    }
    return null;
  }

  private static int mirrorPercent(JsonNode route) {
    JsonNode percentage = route.path("mirrorPercentage").path("value");
    if (percentage.isNumber()) {
      return (int) Math.round(percentage.asDouble());
    }
    JsonNode legacy = route.path("mirrorPercent");
    return legacy.isNumber() ? legacy.asInt() : 100;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> matchOf(JsonNode route) {
    JsonNode match = route.get("match");
    if (match == null || !match.isArray()) {
      return List.of();
    }
    return Trees.SERIALIZATION.convertValue(match, List.class);
  }
}
