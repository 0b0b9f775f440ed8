package dev.sluice.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What an Envoy sidecar of the namespace knows at one moment (VirtualServices, DestinationRules,
 * Services and ready Pods, as stored), and how it routes a request by it: HTTP routes in order, the
 * first whose match conditions hold (a route without {@code match} matches everything), then one of
 * its destinations drawn by weight, then the destination's subset looked up in the DestinationRule
 * of its host, then a ready pod of the host's Service carrying the subset's labels.
 *
 * <p>Supported match conditions (Istio's {@code HTTPMatchRequest}): {@code uri}, {@code scheme},
 * {@code method}, {@code authority} and {@code headers} with {@code exact}, {@code prefix} or
 * {@code regex} (a full match, as Envoy's RE2), {@code queryParams} ({@code exact}, {@code regex}),
 * {@code withoutHeaders} and {@code ignoreUriCase} (for {@code uri} {@code exact} and {@code
 * prefix} only: Envoy ignores it for a regex). The blocks of a route's {@code match} list are
 * OR'ed, the conditions of one block AND'ed. A header sent several times is matched, as Envoy does,
 * as its values joined by {@code ,}, except {@code cookie}, whose values (HTTP/2's cookie crumbs)
 * Envoy joins by {@code ; }; header names are compared without case. A condition it does not know
 * (e.g. {@code sourceLabels}, {@code port}, {@code gateways}) makes the match block fail: the
 * sandbox's client has no labels, gateway or port to match. Routes named {@code sluice/...}
 * (Sluice's own) are routes like any other.
 *
 * <p>The route chosen also brings its {@code mirror} (with {@code mirrorPercentage}, 100% when
 * absent) or {@code mirrors}: each drawn for the request is resolved as a destination ({@link
 * Forward#mirrors}); and its header manipulation ({@code headers.request} / {@code
 * headers.response} of the chosen destination, then of the route: {@link HeaderOperations}).
 *
 * <p>A sidecar applies the VirtualServices bound to the mesh (no {@code gateways}, or {@code mesh}
 * among them); an ingress gateway ({@link #MeshConfig(String, String, List, List, List, List)})
 * only those bound to it ({@code namespace/name}, or {@code name} in the gateway's namespace).
 */
final class MeshConfig {
  /** Envoy's default route timeout. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

  /** Where a request goes, or why it cannot go anywhere. */
  sealed interface Decision {}

  /**
   * A pod to send the request to.
   *
   * @param route the HTTP route's name (or its index)
   * @param subset the destination subset
   * @param pod the pod's name
   * @param port the pod's port on 127.0.0.1
   * @param labels the pod's labels
   * @param workload the pod's Deployment
   * @param timeout the route's timeout
   * @param routedBy the routing VirtualService's {@code name@resourceVersion}, null without one
   * @param requestHeaders header manipulation of the request sent to the pod, in order
   * @param responseHeaders header manipulation of the pod's answer, in order
   * @param mirrors where copies of the request go (a Forward each, or a Refuse when the mirror's
   *     destination cannot be reached): the route's mirrors drawn for this request
   */
  record Forward(
      String route,
      String host,
      String subset,
      String pod,
      int port,
      Map<String, String> labels,
      String workload,
      Duration timeout,
      String routedBy,
      List<HeaderOperations> requestHeaders,
      List<HeaderOperations> responseHeaders,
      List<Decision> mirrors)
      implements Decision {
    /** The pod's {@code version} label, or {@code unknown}. */
    String version() {
      return labels.getOrDefault("version", "unknown");
    }

    /**
     * The same pod, reached by {@code route} of {@code routedBy} with these headers and mirrors.
     */
    Forward by(
        String route,
        String routedBy,
        List<HeaderOperations> requestHeaders,
        List<HeaderOperations> responseHeaders,
        List<Decision> mirrors) {
      return new Forward(
          route,
          host,
          subset,
          pod,
          port,
          labels,
          workload,
          timeout,
          routedBy,
          requestHeaders,
          responseHeaders,
          mirrors);
    }
  }

  /**
   * No pod: answered by the proxy itself, with Envoy's status and response flag (NR no route, NC no
   * cluster = no such subset, UH no healthy upstream).
   */
  record Refuse(int status, String flag, String why, String host, String subset)
      implements Decision {}

  /** A request as the proxy sees it. */
  record Request(String method, String path, String authority, Map<String, List<String>> headers) {
    /**
     * The header's value as Envoy matches it: every value of the header (names without case) joined
     * by {@code ,}, or by {@code ; } for {@code cookie}; empty when it was not sent.
     */
    Optional<String> header(String name) {
      List<String> values = new ArrayList<>();
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          values.addAll(e.getValue());
        }
      }
      if (values.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(String.join(name.equalsIgnoreCase("cookie") ? "; " : ",", values));
    }

    String uriPath() {
      int q = path.indexOf('?');
      return q < 0 ? path : path.substring(0, q);
    }

    Optional<String> queryParam(String name) {
      int q = path.indexOf('?');
      if (q < 0) {
        return Optional.empty();
      }
      for (String pair : path.substring(q + 1).split("&")) {
        int eq = pair.indexOf('=');
        String k = eq < 0 ? pair : pair.substring(0, eq);
        if (k.equals(name)) {
          return Optional.of(eq < 0 ? "" : pair.substring(eq + 1));
        }
      }
      return Optional.empty();
    }
  }

  private final String namespace;
  private final String gateway;
  private final List<GenericKubernetesResource> virtualServices;
  private final List<GenericKubernetesResource> destinationRules;
  private final List<Service> services;
  private final List<Pod> pods;
  private final AtomicLong roundRobin = new AtomicLong();

  /** A sidecar's view: the mesh's VirtualServices and the objects of {@code namespace}. */
  MeshConfig(
      String namespace,
      List<GenericKubernetesResource> virtualServices,
      List<GenericKubernetesResource> destinationRules,
      List<Service> services,
      List<Pod> pods) {
    this(null, namespace, virtualServices, destinationRules, services, pods);
  }

  /**
   * The view of the ingress gateway {@code gateway} ({@code namespace/name}; null for a sidecar):
   * the VirtualServices bound to it, and the DestinationRules, Services and Pods of {@code
   * namespace}, the one namespace whose hosts it reaches.
   */
  MeshConfig(
      String gateway,
      String namespace,
      List<GenericKubernetesResource> virtualServices,
      List<GenericKubernetesResource> destinationRules,
      List<Service> services,
      List<Pod> pods) {
    this.gateway = gateway;
    this.namespace = namespace;
    this.virtualServices = List.copyOf(virtualServices);
    this.destinationRules = List.copyOf(destinationRules);
    this.services = List.copyOf(services);
    this.pods = List.copyOf(pods);
  }

  /** Routes a request for {@code host}; {@code random} gives numbers in [0, 1). */
  Decision route(String host, Request request, DoubleSupplier random) {
    GenericKubernetesResource vs = virtualServiceFor(host);
    if (vs == null && gateway != null) {
      // a gateway serves only the hosts of the VirtualServices bound to it
      return new Refuse(
          404, "NR", "no VirtualService bound to " + gateway + " for " + host, host, null);
    }
    if (vs == null) {
      // no VirtualService: Envoy sends to the Service's every endpoint
      return endpoint("(service)", host, null, Map.of(), DEFAULT_TIMEOUT);
    }
    List<Map<String, Object>> http = list(spec(vs).get("http"));
    for (int i = 0; i < http.size(); i++) {
      Map<String, Object> route = http.get(i);
      if (!matches(route.get("match"), request)) {
        continue;
      }
      String routeName = route.get("name") == null ? "#" + i : route.get("name").toString();
      List<Map<String, Object>> destinations = list(route.get("route"));
      if (destinations.isEmpty()) {
        return new Refuse(404, "NR", "route " + routeName + " has no destinations", host, null);
      }
      Map<String, Object> chosen = pick(destinations, random);
      if (chosen == null) {
        return new Refuse(503, "NR", "route " + routeName + " has no weight > 0", host, null);
      }
      Duration timeout = duration(route.get("timeout")).orElse(DEFAULT_TIMEOUT);
      Decision to = destination(routeName, map(chosen.get("destination")), host, timeout);
      if (!(to instanceof Forward forward)) {
        return to;
      }
      return forward.by(
          routeName,
          vs.getMetadata().getName() + "@" + vs.getMetadata().getResourceVersion(),
          List.of(
              HeaderOperations.of(chosen.get("headers"), "request"),
              HeaderOperations.of(route.get("headers"), "request")),
          List.of(
              HeaderOperations.of(chosen.get("headers"), "response"),
              HeaderOperations.of(route.get("headers"), "response")),
          mirrors(routeName, route, host, random));
    }
    return new Refuse(404, "NR", "no route matches", host, null);
  }

  /** A pod of {@code destination} (host, subset), or why there is none. */
  private Decision destination(
      String routeName, Map<String, Object> destination, String host, Duration timeout) {
    String destHost = Objects.toString(destination.get("host"), host);
    String subset = (String) destination.get("subset");
    Map<String, String> subsetLabels = Map.of();
    if (subset != null) {
      Optional<Map<String, String>> labels = subsetLabels(destHost, subset);
      if (labels.isEmpty()) {
        return new Refuse(
            503, "NC", "no subset " + subset + " for host " + destHost, destHost, subset);
      }
      subsetLabels = labels.get();
    }
    return endpoint(routeName, destHost, subset, subsetLabels, timeout);
  }

  /**
   * The route's mirrors drawn for one request: {@code mirror} with {@code mirrorPercentage} (100
   * when absent), or each of {@code mirrors} with its {@code percentage}.
   */
  private List<Decision> mirrors(
      String routeName, Map<String, Object> route, String host, DoubleSupplier random) {
    List<Map<String, Object>> policies = new ArrayList<>();
    if (route.get("mirror") != null) {
      Map<String, Object> one = new java.util.HashMap<>();
      one.put("destination", route.get("mirror"));
      one.put("percentage", route.get("mirrorPercentage"));
      policies.add(one);
    }
    policies.addAll(list(route.get("mirrors")));
    List<Decision> out = new ArrayList<>();
    for (Map<String, Object> policy : policies) {
      Object value = map(policy.get("percentage")).get("value");
      double percent = value instanceof Number n ? n.doubleValue() : 100;
      if (random.getAsDouble() * 100 < percent) {
        out.add(destination(routeName, map(policy.get("destination")), host, DEFAULT_TIMEOUT));
      }
    }
    return out;
  }

  private Decision endpoint(
      String route,
      String host,
      String subset,
      Map<String, String> subsetLabels,
      Duration timeout) {
    Service service =
        services.stream()
            .filter(s -> s.getMetadata().getName().equals(shortName(host)))
            .findFirst()
            .orElse(null);
    if (service == null) {
      return new Refuse(503, "NC", "no Service " + shortName(host), host, subset);
    }
    Map<String, String> selector =
        service.getSpec().getSelector() == null ? Map.of() : service.getSpec().getSelector();
    List<Pod> ready = new ArrayList<>();
    for (Pod p : pods) {
      Map<String, String> labels = p.getMetadata().getLabels();
      if (labels != null
          && ready(p)
          && labels.entrySet().containsAll(selector.entrySet())
          && labels.entrySet().containsAll(subsetLabels.entrySet())) {
        ready.add(p);
      }
    }
    if (ready.isEmpty()) {
      return new Refuse(
          503,
          "UH",
          "no healthy upstream for " + host + (subset == null ? "" : " subset " + subset),
          host,
          subset);
    }
    Pod p = ready.get((int) Math.floorMod(roundRobin.getAndIncrement(), (long) ready.size()));
    int port = p.getSpec().getContainers().get(0).getPorts().get(0).getContainerPort();
    String workload =
        p.getMetadata().getAnnotations() == null
            ? p.getMetadata().getName()
            : p.getMetadata()
                .getAnnotations()
                .getOrDefault("sandbox.sluice.dev/deployment", p.getMetadata().getName());
    return new Forward(
        route,
        host,
        subset,
        p.getMetadata().getName(),
        port,
        Map.copyOf(p.getMetadata().getLabels()),
        workload,
        timeout,
        null,
        List.of(),
        List.of(),
        List.of());
  }

  static boolean ready(Pod p) {
    if (p.getMetadata().getDeletionTimestamp() != null || p.getStatus() == null) {
      return false;
    }
    List<PodCondition> conditions = p.getStatus().getConditions();
    return conditions != null
        && conditions.stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private GenericKubernetesResource virtualServiceFor(String host) {
    for (GenericKubernetesResource vs : virtualServices) {
      if (!boundHere(vs)) {
        continue;
      }
      for (Object h : list(spec(vs).get("hosts"))) {
        if (shortName(h.toString()).equals(shortName(host))) {
          return vs;
        }
      }
    }
    return null;
  }

  /** Whether this proxy (the mesh's sidecar, or the gateway) applies {@code vs}. */
  private boolean boundHere(GenericKubernetesResource vs) {
    List<Object> gateways = list(spec(vs).get("gateways"));
    if (gateway == null) {
      return gateways.isEmpty() || gateways.contains("mesh");
    }
    String vsNamespace = vs.getMetadata().getNamespace();
    for (Object g : gateways) {
      String name = g.toString();
      if (name.equals(gateway)
          || (!name.contains("/") && (vsNamespace + "/" + name).equals(gateway))) {
        return true;
      }
    }
    return false;
  }

  private Optional<Map<String, String>> subsetLabels(String host, String subset) {
    for (GenericKubernetesResource dr : destinationRules) {
      if (!shortName(Objects.toString(spec(dr).get("host"), "")).equals(shortName(host))) {
        continue;
      }
      for (Map<String, Object> s : MeshConfig.<Map<String, Object>>list(spec(dr).get("subsets"))) {
        if (subset.equals(s.get("name"))) {
          Map<String, String> labels = new java.util.HashMap<>();
          map(s.get("labels")).forEach((k, v) -> labels.put(k, Objects.toString(v)));
          return Optional.of(labels);
        }
      }
    }
    return Optional.empty();
  }

  /** {@code helloworld}, {@code helloworld.ns}, {@code helloworld.ns.svc.cluster.local}. */
  private String shortName(String host) {
    String[] parts = host.split("\\.");
    if (parts.length > 1 && !parts[1].equals(namespace)) {
      return host; // another namespace: never one of ours
    }
    return parts[0];
  }

  /** One destination drawn by weight; a lone destination without weight has 100. */
  private static Map<String, Object> pick(
      List<Map<String, Object>> destinations, DoubleSupplier random) {
    if (destinations.size() == 1 && destinations.get(0).get("weight") == null) {
      return destinations.get(0);
    }
    int total = 0;
    for (Map<String, Object> d : destinations) {
      total += weight(d);
    }
    if (total <= 0) {
      return null;
    }
    double r = random.getAsDouble() * total;
    int acc = 0;
    for (Map<String, Object> d : destinations) {
      acc += weight(d);
      if (r < acc) {
        return d;
      }
    }
    return destinations.get(destinations.size() - 1);
  }

  private static int weight(Map<String, Object> d) {
    Object w = d.get("weight");
    return w instanceof Number n ? Math.max(0, n.intValue()) : 0;
  }

  // ---- matching -------------------------------------------------------------------------------

  /** A route matches when it has no match blocks or when any block matches. */
  static boolean matches(Object matchList, Request request) {
    List<Map<String, Object>> blocks = list(matchList);
    if (blocks.isEmpty()) {
      return true;
    }
    for (Map<String, Object> block : blocks) {
      if (blockMatches(block, request)) {
        return true;
      }
    }
    return false;
  }

  private static boolean blockMatches(Map<String, Object> block, Request request) {
    boolean ignoreCase = Boolean.TRUE.equals(block.get("ignoreUriCase"));
    for (Map.Entry<String, Object> e : block.entrySet()) {
      boolean ok =
          switch (e.getKey()) {
            case "name", "ignoreUriCase" -> true;
            case "uri" -> uriMatch(map(e.getValue()), request.uriPath(), ignoreCase);
            case "method" -> stringMatch(map(e.getValue()), request.method(), false);
            case "scheme" -> stringMatch(map(e.getValue()), "http", false);
            case "authority" -> stringMatch(map(e.getValue()), request.authority(), false);
            case "headers" -> {
              boolean all = true;
              for (Map.Entry<String, Object> h : map(e.getValue()).entrySet()) {
                Optional<String> value = request.header(h.getKey());
                all &= value.isPresent() && stringMatch(map(h.getValue()), value.get(), false);
              }
              yield all;
            }
            case "withoutHeaders" -> {
              boolean none = true;
              for (Map.Entry<String, Object> h : map(e.getValue()).entrySet()) {
                Optional<String> value = request.header(h.getKey());
                Map<String, Object> rule = map(h.getValue());
                none &=
                    value.isEmpty() || !(rule.isEmpty() || stringMatch(rule, value.get(), false));
              }
              yield none;
            }
            case "queryParams" -> {
              boolean all = true;
              for (Map.Entry<String, Object> q : map(e.getValue()).entrySet()) {
                Optional<String> value = request.queryParam(q.getKey());
                all &= value.isPresent() && stringMatch(map(q.getValue()), value.get(), false);
              }
              yield all;
            }
            default -> false; // sourceLabels, port, gateways, ...: nothing of ours has them
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** The uri condition: {@code ignoreUriCase} holds for exact and prefix, never for a regex. */
  private static boolean uriMatch(Map<String, Object> rule, String path, boolean ignoreCase) {
    return stringMatch(rule, path, ignoreCase && rule.get("regex") == null);
  }

  /** Istio's StringMatch: exact, prefix or regex (full match); an empty rule matches anything. */
  static boolean stringMatch(Map<String, Object> rule, String value, boolean ignoreCase) {
    if (value == null) {
      return false;
    }
    if (rule.get("exact") != null) {
      String exact = rule.get("exact").toString();
      return ignoreCase ? exact.equalsIgnoreCase(value) : exact.equals(value);
    }
    if (rule.get("prefix") != null) {
      String prefix = rule.get("prefix").toString();
      return ignoreCase
          ? value.toLowerCase(Locale.ROOT).startsWith(prefix.toLowerCase(Locale.ROOT))
          : value.startsWith(prefix);
    }
    if (rule.get("regex") != null) {
      try {
        return Pattern.compile(
                rule.get("regex").toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0)
            .matcher(value)
            .matches();
      } catch (PatternSyntaxException e) {
        return false; // Istio would have refused the VirtualService
      }
    }
    return true;
  }

  static Optional<Duration> duration(Object value) {
    if (value == null) {
      return Optional.empty();
    }
    String s = value.toString().trim();
    try {
      if (s.endsWith("ms")) {
        return Optional.of(Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2))));
      }
      if (s.endsWith("s")) {
        return Optional.of(
            Duration.ofMillis(
                Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000)));
      }
      if (s.endsWith("m")) {
        return Optional.of(Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1))));
      }
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  // ---- untyped YAML helpers -------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  static Map<String, Object> spec(GenericKubernetesResource r) {
    return map(r.getAdditionalProperties().get("spec"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  static <T> List<T> list(Object o) {
    return o instanceof List<?> l ? (List<T>) l : List.of();
  }
}
