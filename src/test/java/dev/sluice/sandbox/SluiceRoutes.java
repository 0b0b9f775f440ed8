package dev.sluice.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sandbox's VirtualService as Sluice writes it during the release strategies of issue 18 (its
 * design), for the tests of the mesh and of the report: each method returns a copy of {@code vs}
 * (the seed: route {@code debug}, then the managed route {@code default}) with one stage written
 * in, stable {@code v1}, canary {@code v2}, host {@code helloworld}.
 *
 * <ul>
 *   <li>{@link #match}: the A/B stage or the blue/green preview, a route {@code
 *       sluice/<ns>/<name>/match} before the managed route;
 *   <li>{@link #sticky}: a weight step under session affinity, routes {@code sticky-canary} and
 *       {@code sticky-stable} on the {@code cookie} header, and the managed route's destinations
 *       adding {@code Set-Cookie};
 *   <li>{@link #mirror}: the mirroring stage, the managed route's {@code mirror} and {@code
 *       mirrorPercentage};
 *   <li>{@link #weights}: the managed route's weights alone (a step without affinity, the
 *       blue/green switch), and {@link #only} its one destination after the promotion or the
 *       rollback, which leave no Sluice route behind.
 * </ul>
 */
final class SluiceRoutes {
  static final String STABLE = "v1";
  static final String CANARY = "v2";
  static final String HOST = "helloworld";
  static final String MANAGED = "default";

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private SluiceRoutes() {}

  /** The name of a Sluice-owned route of Canary {@code ns/name}: {@code sluice/ns/name/purpose}. */
  static String routeName(String ns, String name, String purpose) {
    return "sluice/" + ns + "/" + name + "/" + purpose;
  }

  /** The cookie value Sluice gives {@code version}'s sessions in a release ({@code token}). */
  static String cookieValue(String version, String token) {
    return "sluice-" + version + "-" + token;
  }

  /** The regex of a sticky route: the cookie {@code name} with {@code value}, among others. */
  static String cookieRegex(String name, String value) {
    return "^(.*;\\s*)?" + name + "=" + value + "(;.*)?$";
  }

  /** The managed route at {@code stable}/{@code canary} percent, nothing else of Sluice's. */
  static GenericKubernetesResource weights(GenericKubernetesResource vs, int stable, int canary) {
    GenericKubernetesResource copy = withoutSluice(vs);
    managed(copy)
        .put(
            "route",
            new ArrayList<>(List.of(destination(STABLE, stable), destination(CANARY, canary))));
    return copy;
  }

  /**
   * The release's end: the managed route with one destination, {@code version} (the canary after a
   * promotion, the stable after a rollback), nothing else of Sluice's.
   */
  static GenericKubernetesResource only(GenericKubernetesResource vs, String version) {
    GenericKubernetesResource copy = withoutSluice(vs);
    managed(copy).put("route", new ArrayList<>(List.of(destination(version, 100))));
    return copy;
  }

  /**
   * The A/B stage (or blue/green preview): requests matching {@code matches} (HTTPMatchRequests) go
   * to the canary by route {@code sluice/ns/name/match}, which copies the managed route's other
   * fields; the managed route stays at 100% stable.
   */
  static GenericKubernetesResource match(
      GenericKubernetesResource vs, String ns, String name, List<Map<String, Object>> matches) {
    GenericKubernetesResource copy = weights(vs, 100, 0);
    Map<String, Object> managed = managed(copy);
    Map<String, Object> route = new LinkedHashMap<>();
    route.put("name", routeName(ns, name, "match"));
    route.put("match", matches);
    route.put("route", List.of(destination(CANARY, 100)));
    managed.forEach(
        (k, v) -> {
          if (!List.of("name", "match", "route").contains(k)) {
            route.put(k, v);
          }
        });
    insertBeforeManaged(copy, List.of(route));
    return copy;
  }

  /**
   * A weight step under session affinity: the managed route at {@code stable}/{@code canary}, each
   * destination adding a {@code Set-Cookie} of {@code cookie} with its version's value, and the
   * sticky routes sending each value's sessions back to their version.
   */
  static GenericKubernetesResource sticky(
      GenericKubernetesResource vs,
      String ns,
      String name,
      String cookie,
      String token,
      long maxAgeSeconds,
      int stable,
      int canary) {
    GenericKubernetesResource copy = weights(vs, stable, canary);
    for (Map<String, Object> d : MeshConfig.<Map<String, Object>>list(managed(copy).get("route"))) {
      String version = (String) MeshConfig.map(d.get("destination")).get("subset");
      d.put(
          "headers",
          Map.of(
              "response",
              Map.of(
                  "add",
                  Map.of(
                      "Set-Cookie",
                      cookie
                          + "="
                          + cookieValue(version, token)
                          + "; Max-Age="
                          + maxAgeSeconds
                          + "; Path=/"))));
    }
    List<Map<String, Object>> routes = new ArrayList<>();
    for (String[] purpose : new String[][] {{"sticky-canary", CANARY}, {"sticky-stable", STABLE}}) {
      Map<String, Object> route = new LinkedHashMap<>();
      route.put("name", routeName(ns, name, purpose[0]));
      route.put(
          "match",
          List.of(
              Map.of(
                  "headers",
                  Map.of(
                      "cookie",
                      Map.of("regex", cookieRegex(cookie, cookieValue(purpose[1], token)))))));
      route.put("route", List.of(destination(purpose[1], 100)));
      routes.add(route);
    }
    insertBeforeManaged(copy, routes);
    return copy;
  }

  /** The mirroring stage: the managed route at 100% stable, {@code percent} copied to canary. */
  static GenericKubernetesResource mirror(GenericKubernetesResource vs, double percent) {
    GenericKubernetesResource copy = weights(vs, 100, 0);
    Map<String, Object> managed = managed(copy);
    managed.put("mirror", new LinkedHashMap<>(Map.of("host", HOST, "subset", CANARY)));
    managed.put("mirrorPercentage", new LinkedHashMap<>(Map.of("value", percent)));
    return copy;
  }

  /** The preview matches of blue/green by default: {@code x-sluice-preview: exact "true"}. */
  static List<Map<String, Object>> headerExact(String header, String value) {
    return List.of(Map.of("headers", Map.of(header, Map.of("exact", value))));
  }

  /**
   * A copy of {@code vs} without Sluice's routes and mirror (its Set-Cookie goes with the route).
   */
  private static GenericKubernetesResource withoutSluice(GenericKubernetesResource vs) {
    GenericKubernetesResource copy = SERIALIZATION.clone(vs);
    List<Map<String, Object>> http = new ArrayList<>(http(copy));
    http.removeIf(r -> String.valueOf(r.get("name")).startsWith("sluice/"));
    MeshConfig.spec(copy).put("http", http);
    managed(copy).remove("mirror");
    managed(copy).remove("mirrorPercentage");
    return copy;
  }

  private static Map<String, Object> destination(String subset, int weight) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("destination", new LinkedHashMap<>(Map.of("host", HOST, "subset", subset)));
    d.put("weight", weight);
    return d;
  }

  private static List<Map<String, Object>> http(GenericKubernetesResource vs) {
    return MeshConfig.list(MeshConfig.spec(vs).get("http"));
  }

  private static Map<String, Object> managed(GenericKubernetesResource vs) {
    for (Map<String, Object> route : http(vs)) {
      if (MANAGED.equals(route.get("name"))) {
        return route;
      }
    }
    throw new IllegalArgumentException("no route " + MANAGED);
  }

  private static void insertBeforeManaged(
      GenericKubernetesResource vs, List<Map<String, Object>> routes) {
    List<Map<String, Object>> http = new ArrayList<>(http(vs));
    http.addAll(http.indexOf(managed(vs)), routes);
    MeshConfig.spec(vs).put("http", http);
  }
}
