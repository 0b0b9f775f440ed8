package dev.sluice.sandbox;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.ClusterHistory;
import dev.sluice.testing.DaemonMetrics;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.Processes;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One scenario in its own namespace: seeds the objects, runs the pods, the mesh and the load, lets
 * v2 go and watches Sluice handle it, prints progress, and collects what the report needs.
 */
final class ScenarioRun {
  static final String APP = "helloworld";
  static final String CANARY_CHECK_ERRORS = "error-rate/error-ratio";
  static final String CANARY_CHECK_P99 = "latency-p99/p99-latency-ms";

  /** The entry points of the load: the mesh's sidecar, and in the gateway scenarios the gateway. */
  static final String MESH = "mesh";

  static final String GATEWAY = "gateway";

  /** Where the ingress gateway and its VirtualServices live (the gateway scenarios). */
  static final String GATEWAY_NAMESPACE = "istio-ingress";

  /** The gateway the gateway VirtualService is bound to, in {@link #GATEWAY_NAMESPACE}. */
  static final String GATEWAY_NAME = "public";

  /** The gateway VirtualService's managed route (its fallback). */
  static final String GATEWAY_ROUTE = "public";

  /** The mesh VirtualService's managed route (its fallback). */
  static final String MESH_ROUTE = "default";

  /**
   * The managed route's weights at one moment, as the mesh routes by them, with what else of
   * Sluice's the VirtualService holds ({@link ReleaseStages#sluiceParts}) and which version of it
   * that is ({@code name@resourceVersion}).
   */
  record RoutePoint(
      Instant at, Map<String, Integer> weights, List<String> sluice, String routedBy) {
    int weight(String subset) {
      return weights.getOrDefault(subset, 0);
    }

    /** Everyone goes to {@code subset}: it has 100, nothing of Sluice's is left. */
    boolean everyoneOn(String subset) {
      return only100(weights, subset) && sluice.isEmpty();
    }
  }

  /** One evaluation of Sluice's checks, as recorded in the Canary's status. */
  record Evaluation(
      Instant at,
      int weight,
      Double errorRatio,
      Double p99Ms,
      Map<String, String> outcomes,
      Map<String, String> messages) {
    boolean anyFail() {
      return outcomes.containsValue("FAIL");
    }
  }

  private final Scenario scenario;
  private final Options options;
  private final KubernetesClient client;
  private final IstioMetrics metrics;
  private final URI prometheus;
  private final Sandbox.Alerting alerting;
  private final PrintStream out;
  private final String ns;
  private final Behaviour bad;

  private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();

  /** The mesh VirtualService's managed route as the mesh's sidecar routes by it. */
  final List<RoutePoint> route = new CopyOnWriteArrayList<>();

  /**
   * Every version of the mesh's VirtualService the sidecar routed by, the seed first (unlike {@link
   * #route}, also those that changed nothing the route shows).
   */
  final List<RoutePoint> meshVersions = new CopyOnWriteArrayList<>();

  /**
   * Each managed route as the proxy of its entry point routes by it: {@link #MESH} (the same list
   * as {@link #route}) and, in the gateway scenarios, first {@link #GATEWAY}.
   */
  final Map<String, List<RoutePoint>> routes = new LinkedHashMap<>();

  private final Map<String, Instant> stepSinceByEntry = new ConcurrentHashMap<>();
  final List<Evaluation> evaluations = new CopyOnWriteArrayList<>();
  final Map<String, Instant> phases = new ConcurrentHashMap<>();
  final Map<String, Instant> moments = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  private volatile Canary canary;
  private volatile String lastPhase;
  private volatile String lastPrintedOutcomes;
  private volatile Evaluation lastEvaluation;
  private volatile Instant stepSince;
  private volatile DetectionProbe probe;
  private volatile Instant started;
  private volatile AlertPath alertPath;
  Map<String, Double> daemonMetricsBefore = Map.of();
  Map<String, Double> daemonMetricsAfter = Map.of();

  Kubelet kubelet;
  Mesh mesh;
  LoadGenerator load;
  ClusterHistory history;
  GenericKubernetesResource seedVirtualService;

  /** The gateway scenarios: the ingress gateway's stand-in, and what istio-ingress stored. */
  Mesh gateway;

  ClusterHistory gatewayHistory;

  /** The webhooks scenario: its receiver's story (null in the others). */
  final WebhookStory webhooks;

  String outcome;
  boolean timedOut;

  ScenarioRun(
      Scenario scenario,
      Options options,
      KubernetesClient client,
      IstioMetrics metrics,
      URI prometheus,
      Sandbox.Alerting alerting,
      WebhookReceiver receiver,
      PrintStream out) {
    this.scenario = scenario;
    this.options = options;
    this.client = client;
    this.metrics = metrics;
    this.prometheus = prometheus;
    this.alerting = alerting;
    this.out = out;
    this.ns = "sandbox-" + scenario.id();
    this.bad = scenario.bad(options);
    if (scenario.throughGateway()) {
      routes.put(GATEWAY, new CopyOnWriteArrayList<>());
    }
    routes.put(MESH, route);
    this.webhooks =
        scenario == Scenario.WEBHOOKS && receiver != null ? new WebhookStory(this, receiver) : null;
    if (scenario == Scenario.WEBHOOKS && receiver == null) {
      throw new IllegalStateException("the webhooks scenario needs the sandbox's webhook receiver");
    }
  }

  /** The gateway VirtualService of this scenario, in {@link #GATEWAY_NAMESPACE}. */
  String gatewayVirtualService() {
    return APP + "-" + ns;
  }

  /** The public host the gateway VirtualService routes. */
  String publicHost() {
    return ns + ".example.com";
  }

  /**
   * The gateway scenarios' VirtualServices as the Canary lists them, by entry point: namespace,
   * name, managed route.
   */
  Map<String, List<String>> managedVirtualServices() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (scenario.throughGateway()) {
      out.put(GATEWAY, List.of(GATEWAY_NAMESPACE, gatewayVirtualService(), GATEWAY_ROUTE));
    }
    out.put(MESH, List.of(ns, APP, MESH_ROUTE));
    return out;
  }

  /** Every stored version of the managed route reached through {@code entry}, oldest first. */
  List<GenericKubernetesResource> storedVersions(String entry) {
    if (entry.equals(MESH)) {
      return history.virtualServices();
    }
    return gatewayHistory == null
        ? List.of()
        : gatewayHistory.virtualServices().stream()
            .filter(v -> v.getMetadata().getName().equals(gatewayVirtualService()))
            .toList();
  }

  String namespace() {
    return ns;
  }

  Scenario scenario() {
    return scenario;
  }

  Options options() {
    return options;
  }

  Behaviour badBehaviour() {
    return bad;
  }

  Instant startedAt() {
    return started;
  }

  Canary canary() {
    return canary;
  }

  DetectionProbe probe() {
    return probe;
  }

  /** The alert's path (the alert scenario only), else null. */
  AlertPath alertPath() {
    return alertPath;
  }

  /** Runs the scenario to its end (or its deadline) and stops its pods, mesh and load. */
  void run() {
    started = Instant.now();
    header();
    if (alerting != null && alerting.daemon() != null) {
      daemonMetricsBefore = DaemonMetrics.scrape(alerting.daemon());
    }
    try {
      seed();
      awaitStable();
      Processes.sleep(3000); // stable traffic on the graphs before the release
      releaseV2();
      if (webhooks != null) {
        webhooks.firstReleaseThenRetry(client);
      }
      awaitEnd();
      Processes.sleep(2000); // the settled state under load
    } finally {
      if (load != null) {
        load.stop(Duration.ofSeconds(15));
      }
      moments.put("end", Instant.now());
      if (webhooks != null) {
        webhooks.stop();
      }
      if (probe != null) {
        probe.close();
      }
      if (alertPath != null) {
        alertPath.close();
        moments.putAll(alertPath.moments());
      }
      if (alerting != null && alerting.daemon() != null) {
        daemonMetricsAfter = DaemonMetrics.scrape(alerting.daemon());
      }
    }
    footer();
  }

  /** Stops everything the scenario started (after the report has read what it needs). */
  void close() {
    if (alertPath != null) {
      alertPath.close();
    }
    informers.forEach(SharedIndexInformer::close);
    if (history != null) {
      history.close();
    }
    if (gatewayHistory != null) {
      gatewayHistory.close();
    }
    if (load != null) {
      load.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (mesh != null) {
      mesh.close();
    }
    if (kubelet != null) {
      kubelet.close();
    }
  }

  // ---- steps ----------------------------------------------------------------------------------

  private void seed() {
    behaviours.put("v1", scenario.stable());
    behaviours.put("v2", scenario.stable());
    behaviours.put("debug", scenario.stable());
    kubelet = new Kubelet(client, ns, v -> behaviours.getOrDefault(v, scenario.stable()), 1000);
    if (scenario.throughGateway()) {
      Fixtures.apply(client, GATEWAY_NAMESPACE, "sandbox/helloworld-gateway.yaml", this::gatewayVs);
      gatewayHistory = new ClusterHistory(client, GATEWAY_NAMESPACE);
    }
    try {
      Fixtures.apply(
          client,
          ns,
          "sandbox/helloworld.yaml",
          doc -> {
            if (doc.getKind().equals("Canary")) {
              MeshConfig.spec(doc).put("interval", options.interval());
              if (scenario == Scenario.ALERT) {
                lenientErrorGate(MeshConfig.spec(doc));
              }
              if (scenario.throughGateway()) {
                bothVirtualServices(MeshConfig.spec(doc));
              }
              scenario.editCanary(MeshConfig.spec(doc));
              if (webhooks != null) {
                webhooks.editCanary(MeshConfig.spec(doc));
              }
            }
            return doc;
          });
    } catch (KubernetesClientException e) {
      throw unknownSpecField(e);
    }
    history = new ClusterHistory(client, ns);
    if (webhooks != null) {
      webhooks.seed(client, this::startLoadFromTheStepHook);
    }
    kubelet.start();
    seedVirtualService =
        client
            .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
            .inNamespace(ns)
            .withName(APP)
            .get();
    meshVersions.add(point(Instant.now(), seedVirtualService, MESH_ROUTE));
    watchCanary();
    watchObjects();
    mesh = new Mesh(client, ns, APP, metrics);
    mesh.onVirtualService(vs -> routeChanged(MESH, vs));
    mesh.start();
    if (scenario.throughGateway()) {
      gateway =
          Mesh.gateway(client, GATEWAY_NAMESPACE, GATEWAY_NAME, publicHost(), ns, APP, metrics);
      gateway.onVirtualService(
          vs -> {
            if (vs.getMetadata().getName().equals(gatewayVirtualService())) {
              routeChanged(GATEWAY, vs);
            }
          });
      gateway.start();
    }
    awaitTrue(
        Duration.ofSeconds(30),
        "the v1 and debug pods to be ready",
        () -> kubelet.runningPods().size() == 3 && routable());
    load =
        scenario.throughGateway()
            // half the requests enter through the gateway (no debug header: its VirtualService has
            // no debug route), half from inside the mesh (1 in 20 of them with the debug header)
            ? new LoadGenerator(
                    List.of(
                        new LoadGenerator.EntryPoint(GATEWAY, gateway.url(), 0),
                        new LoadGenerator.EntryPoint(MESH, mesh.url(), 20)),
                    options.rate())
                .start()
            : new LoadGenerator(
                List.of(new LoadGenerator.EntryPoint(MESH, mesh.url(), 20)),
                options.rate(),
                Sessions.Profile.forRate(options.rate(), scenario.groups()));
    if (webhooks == null && !load.isStarted()) {
      load.start();
    }
    if (scenario == Scenario.ALERT) {
      if (alerting == null || alerting.alertmanager() == null) {
        throw new IllegalStateException("the alert scenario needs the sandbox's Alertmanager");
      }
      alertPath =
          new AlertPath(
                  prometheus,
                  alerting.alertmanager(),
                  alerting.alertmanagerLog(),
                  alerting.daemon(),
                  history,
                  ns,
                  started,
                  line -> say("%s", line))
              .start();
    }
    if (scenario.throughGateway()) {
      say(
          "seed: v1 serves 100%% (2 pods) through both routes: gateway %s/%s (VirtualService %s/%s,"
              + " route %s: %s → %s) and mesh (VirtualService %s/%s, route %s; my-header ~"
              + " .*debug.* → helloworld-debug); load %s req/s, half through the gateway, half from"
              + " the mesh (1 in 20 of those with the debug header); the Canary lists both"
              + " VirtualServices",
          GATEWAY_NAMESPACE,
          GATEWAY_NAME,
          GATEWAY_NAMESPACE,
          gatewayVirtualService(),
          GATEWAY_ROUTE,
          publicHost(),
          APP + "." + ns + ".svc.cluster.local",
          ns,
          APP,
          MESH_ROUTE,
          fmt(options.rate()));
      return;
    }
    Sessions.Profile sessions = load.sessions().profile();
    if (webhooks != null) {
      say(
          "seed: v1 serves 100%% (2 pods), and the service is quiet: no load until the Canary's"
              + " step webhook starts it (%s req/s); webhooks to the sandbox's receiver: approval"
              + " (confirm-rollout, %s), smoke-tests (pre-rollout, %s), load (step, %s, bearer"
              + " token from Secret %s)",
          fmt(options.rate()),
          webhooks.path("gate"),
          webhooks.path("tests"),
          webhooks.path("load"),
          WebhookStory.SECRET);
      return;
    }
    say(
        "seed: v1 serves 100%% (2 pods); my-header ~ .*debug.* → helloworld-debug; load %s req/s"
            + " (1 in 20 with the debug header) from sessions of %d requests over about %s s, %d"
            + " open at once%s",
        fmt(options.rate()),
        sessions.requestsPerSession(),
        fmt(load.sessions().sessionLength(options.rate()).toMillis() / 1000.0),
        sessions.concurrent(),
        sessions.groups().isEmpty()
            ? ""
            : "; "
                + String.join(
                    ", ",
                    sessions.groups().stream()
                        .map(
                            g ->
                                Math.round(g.share() * 100)
                                    + "% of them "
                                    + g.name()
                                    + " sending "
                                    + g.header()
                                    + ": "
                                    + g.value())
                        .toList()));
  }

  /**
   * A Canary spec field that this build's {@code CanarySpec} does not know (e.g. issue 18's {@code
   * sessionAffinity} before the daemon has it) said plainly; any other failure as it is.
   */
  private RuntimeException unknownSpecField(KubernetesClientException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
        return new IllegalStateException(
            scenario.id()
                + ": this build of Sluice does not know the Canary spec field '"
                + u.getPropertyName()
                + "' the scenario needs (dev.sluice.model.CanarySpec)",
            e);
      }
    }
    return e;
  }

  /** The gateway VirtualService of this scenario: its name, public host and destination. */
  private GenericKubernetesResource gatewayVs(GenericKubernetesResource doc) {
    doc.getMetadata().setName(gatewayVirtualService());
    Map<String, Object> spec = MeshConfig.spec(doc);
    spec.put("hosts", List.of(publicHost()));
    for (Map<String, Object> http : MeshConfig.<Map<String, Object>>list(spec.get("http"))) {
      for (Map<String, Object> d : MeshConfig.<Map<String, Object>>list(http.get("route"))) {
        MeshConfig.map(d.get("destination")).put("host", APP + "." + ns + ".svc.cluster.local");
      }
    }
    return doc;
  }

  /** The gateway scenarios' Canary lists the gateway's VirtualService and the mesh's. */
  private void bothVirtualServices(Map<String, Object> spec) {
    spec.remove("virtualService");
    List<Map<String, Object>> refs = new ArrayList<>();
    managedVirtualServices()
        .forEach(
            (entry, ref) -> {
              Map<String, Object> one = new LinkedHashMap<>();
              one.put("name", ref.get(1));
              if (!ref.get(0).equals(ns)) {
                one.put("namespace", ref.get(0));
              }
              if (entry.equals(GATEWAY)) {
                one.put("route", ref.get(2)); // the mesh's: the default, its fallback route
              }
              refs.add(one);
            });
    spec.put("virtualServices", refs);
  }

  /**
   * The alert scenario's Canary lets its error-rate gate pass up to {@link
   * AlertPath#GATE_MAX_RATIO} of 5xx, so that only the alert can roll v2 back.
   */
  @SuppressWarnings("unchecked")
  private static void lenientErrorGate(Map<String, Object> spec) {
    Map<String, Object> analysis = (Map<String, Object>) spec.get("analysis");
    for (Map<String, Object> t : (List<Map<String, Object>>) analysis.get("templates")) {
      if ("error-rate".equals(t.get("name"))) {
        t.put(
            "args",
            List.of(
                new LinkedHashMap<>(
                    Map.of("name", "maxRatio", "value", fmt(AlertPath.GATE_MAX_RATIO)))));
      }
    }
  }

  private boolean routable() {
    MeshConfig.Decision d =
        mesh.config().route(APP, new MeshConfig.Request("GET", "/hello", APP, Map.of()), () -> 0.5);
    if (gateway != null) {
      MeshConfig.Decision g =
          gateway
              .config()
              .route(
                  publicHost(),
                  new MeshConfig.Request("GET", "/hello", publicHost(), Map.of()),
                  () -> 0.5);
      return d instanceof MeshConfig.Forward && g instanceof MeshConfig.Forward;
    }
    return d instanceof MeshConfig.Forward;
  }

  private void awaitStable() {
    awaitTrue(
        Duration.ofSeconds(60),
        "Sluice to adopt v1 as the stable version",
        () ->
            canary != null
                && canary.getStatus() != null
                && "v1".equals(canary.getStatus().stableVersion));
  }

  private void releaseV2() {
    Instant now = Instant.now();
    moments.put("v2Applied", now);
    if (bad != null && scenario.badFromTheStart()) {
      behaviours.put("v2", bad);
      moments.put("turnedBad", now);
      probe = new DetectionProbe(prometheus, canary, "v1", "v2").start();
    }
    Fixtures.apply(client, ns, "sandbox/helloworld-v2.yaml");
    say(
        "v2 applied (2 pods)%s",
        bad == null
            ? ""
            : scenario.badFromTheStart()
                ? "; it is bad from its first request: " + bad
                : "; it will turn bad at " + options.badAt() + "%: " + bad);
  }

  /**
   * The webhooks scenario's step hook, on its first call: the Canary's checks measured once with no
   * load behind them, then the load started.
   */
  private void startLoadFromTheStepHook() {
    Canary c = canary;
    webhooks.startLoad(new DetectionProbe(prometheus, c, "v1", "v2"), load);
  }

  private void awaitEnd() {
    // generous: every step may wait for traffic, plus the progress deadline
    Duration limit =
        MeshConfig.duration(options.interval())
            .orElse(Duration.ofSeconds(3))
            .plusSeconds(12)
            .multipliedBy(11)
            .plusSeconds(webhooks == null ? 150 : 210);
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      String phase = phase();
      if ("Succeeded".equals(phase)
          && !exists("helloworld-v1")
          && kubelet.runningPods().stream().noneMatch(p -> p.startsWith("helloworld-v1-"))) {
        outcome = "promoted";
        return;
      }
      if ("RolledBack".equals(phase) && !subsets().contains("v2")) {
        outcome = "rolled back";
        return;
      }
      Processes.sleep(100);
    }
    timedOut = true;
    outcome = "timed out in phase " + phase();
    say("TIMED OUT after %s in phase %s", limit, phase());
  }

  // ---- watching -------------------------------------------------------------------------------

  private void watchCanary() {
    SharedIndexInformer<Canary> informer =
        client
            .resources(Canary.class)
            .inNamespace(ns)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Canary c) {
                    canaryChanged(c);
                  }

                  @Override
                  public void onUpdate(Canary old, Canary c) {
                    canaryChanged(c);
                  }

                  @Override
                  public void onDelete(Canary c, boolean unknown) {}
                },
                0);
    informers.add(informer);
  }

  private void watchObjects() {
    informers.add(
        client
            .apps()
            .deployments()
            .inNamespace(ns)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Deployment d) {
                    if (d.getMetadata().getName().equals("helloworld-v2")) {
                      moments.putIfAbsent("v2Created", Instant.now());
                    }
                  }

                  @Override
                  public void onUpdate(Deployment old, Deployment d) {
                    if (d.getMetadata().getName().equals("helloworld-v2")
                        && d.getStatus() != null
                        && Objects.equals(d.getStatus().getReadyReplicas(), 2)
                        && moments.putIfAbsent("v2Ready", Instant.now()) == null) {
                      say("v2 ready: 2/2 pods");
                    }
                  }

                  @Override
                  public void onDelete(Deployment d, boolean unknown) {
                    moments.putIfAbsent(d.getMetadata().getName() + "Deleted", Instant.now());
                    say("Deployment %s deleted", d.getMetadata().getName());
                  }
                },
                0));
    informers.add(
        client
            .genericKubernetesResources(Fixtures.DESTINATION_RULE)
            .inNamespace(ns)
            .inform(
                new ResourceEventHandler<>() {
                  List<String> last = List.of();

                  @Override
                  public void onAdd(GenericKubernetesResource dr) {
                    last = ClusterHistory.subsets(dr);
                  }

                  @Override
                  public synchronized void onUpdate(
                      GenericKubernetesResource old, GenericKubernetesResource dr) {
                    List<String> now = ClusterHistory.subsets(dr);
                    for (String s : now) {
                      if (!last.contains(s)) {
                        moments.putIfAbsent("subset " + s + " added", Instant.now());
                        say("DestinationRule: subset %s added → %s", s, now);
                      }
                    }
                    for (String s : last) {
                      if (!now.contains(s)) {
                        moments.putIfAbsent("subset " + s + " removed", Instant.now());
                        say("DestinationRule: subset %s removed → %s", s, now);
                      }
                    }
                    last = now;
                  }

                  @Override
                  public void onDelete(GenericKubernetesResource dr, boolean unknown) {}
                },
                0));
  }

  private synchronized void canaryChanged(Canary c) {
    canary = c;
    CanaryStatus s = c.getStatus();
    if (s == null) {
      return;
    }
    Instant now = Instant.now();
    if (s.stableVersion != null && moments.putIfAbsent("stable " + s.stableVersion, now) == null) {
      say("Sluice: stable version %s", s.stableVersion);
    }
    if (s.measurements != null && !s.measurements.isEmpty()) {
      Evaluation e = evaluation(s, this::weightAt);
      if (e != null && (lastEvaluation == null || e.at().isAfter(lastEvaluation.at()))) {
        evaluations.add(e);
        lastEvaluation = e;
        if (e.anyFail()) {
          moments.putIfAbsent("firstFailingEvaluation", e.at());
        }
        String signature = e.outcomes().toString();
        if (!signature.equals(lastPrintedOutcomes)) {
          lastPrintedOutcomes = signature;
          say("  checks at %d%%: %s%s", e.weight(), checks(e), why(e));
        }
      }
    }
    if (s.phase != null && !s.phase.equals(lastPhase)) {
      lastPhase = s.phase;
      phases.putIfAbsent(s.phase, now);
      String detail =
          switch (s.phase) {
            case "RolledBack", "RollingBack", "Failed" -> ": " + s.rollbackReason;
            default -> s.message == null ? "" : ": " + s.message;
          };
      say("Sluice: %s%s", s.phase, detail);
    }
  }

  private static String why(Evaluation e) {
    for (Map.Entry<String, String> o : e.outcomes().entrySet()) {
      if (!o.getValue().equals("PASS")) {
        String msg = e.messages().get(o.getKey());
        return msg == null ? "" : "  (" + msg + ")";
      }
    }
    return "";
  }

  /** The canary's weight in the route the mesh used at {@code t}. */
  private int weightAt(Instant t) {
    int w = 0;
    for (RoutePoint p : route) {
      if (p.at().isAfter(t)) {
        break;
      }
      w = p.weight("v2");
    }
    return w;
  }

  private static Evaluation evaluation(
      CanaryStatus s, java.util.function.ToIntFunction<Instant> weightAt) {
    Instant at = null;
    Double errors = null;
    Double p99 = null;
    Map<String, String> outcomes = new LinkedHashMap<>();
    Map<String, String> messages = new LinkedHashMap<>();
    for (CanaryStatus.MeasurementStatus m : s.measurements) {
      if (m.at != null) {
        Instant t = Instant.parse(m.at);
        at = at == null || t.isAfter(at) ? t : at;
      }
      outcomes.put(m.check, m.outcome);
      if (m.message != null) {
        messages.put(m.check, m.message);
      }
      Double value = parse(m.value);
      if (CANARY_CHECK_ERRORS.equals(m.check)) {
        errors = value;
      } else if (CANARY_CHECK_P99.equals(m.check)) {
        p99 = value;
      }
    }
    return at == null
        ? null
        : new Evaluation(at, weightAt.applyAsInt(at), errors, p99, outcomes, messages);
  }

  private static Double parse(String v) {
    if (v == null) {
      return null;
    }
    try {
      double d = Double.parseDouble(v);
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Called by the proxy of an entry point ({@link #MESH}, {@link #GATEWAY}) once it routes by a new
   * version of its VirtualService.
   */
  private synchronized void routeChanged(String entry, GenericKubernetesResource vs) {
    Instant now = Instant.now();
    RoutePoint point = point(now, vs, entry.equals(GATEWAY) ? GATEWAY_ROUTE : MESH_ROUTE);
    if (entry.equals(MESH)) {
      meshVersions.add(point);
    }
    Map<String, Integer> weights = point.weights();
    List<RoutePoint> points = routes.get(entry);
    RoutePoint previous = points.isEmpty() ? null : points.get(points.size() - 1);
    if (previous != null
        && previous.weights().equals(weights)
        && previous.sluice().equals(point.sluice())) {
      return;
    }
    points.add(point);
    int v2 = weights.getOrDefault("v2", -1);
    if (v2 > 0) {
      moments.putIfAbsent("firstTrafficToV2", now);
    }
    for (String part : point.sluice()) {
      // e.g. "sluice match", "sluice mirror", "sluice sticky-canary", "sluice Set-Cookie"
      moments.putIfAbsent("sluice " + part.replaceAll("[ →].*", ""), now);
    }
    if (v2 > 0 || !point.sluice().isEmpty()) {
      moments.putIfAbsent("releaseWritten", now);
    }
    if (bad != null && !moments.containsKey("turnedBad") && v2 >= options.badAt()) {
      behaviours.put("v2", bad);
      moments.put("turnedBad", now);
      probe = new DetectionProbe(prometheus, canary, "v1", "v2").start();
    }
    boolean several = routes.size() > 1;
    boolean released = moments.containsKey("releaseWritten");
    if (several) {
      // each route's own moments; the scenario's are when the last of the routes got there
      if (point.everyoneOn("v2")) {
        moments.putIfAbsent("route100v2 " + entry, now);
      }
      if (released && point.everyoneOn("v1")) {
        moments.putIfAbsent("route100v1 " + entry, now);
      }
    }
    if (everyRoute(p -> p.everyoneOn("v2"))) {
      moments.putIfAbsent("route100v2", now);
    }
    if (released && everyRoute(p -> p.everyoneOn("v1"))) {
      moments.putIfAbsent("route100v1", now);
    }
    boolean rollback =
        previous != null
            && (previous.weight("v2") > 0 || !previous.sluice().isEmpty())
            && point.everyoneOn("v1");
    Evaluation e = lastEvaluation;
    String entryLabel = several ? String.format(Locale.ROOT, "%-8s ", entry) : "";
    // the second route of a step: how long after the first the proxies routed by it
    String pairedWith = null;
    Instant pairedAt = null;
    if (several) {
      for (Map.Entry<String, List<RoutePoint>> other : routes.entrySet()) {
        List<RoutePoint> o = other.getValue();
        if (!other.getKey().equals(entry)
            && o.size() == points.size()
            && o.get(o.size() - 1).weights().equals(weights)) {
          pairedWith = other.getKey();
          pairedAt = o.get(o.size() - 1).at();
        }
      }
    }
    String held;
    String basis;
    if (pairedWith != null) {
      held =
          String.format(
              Locale.ROOT,
              "  +%.0f ms after the %s route",
              Duration.between(pairedAt, now).toNanos() / 1e6,
              pairedWith);
      basis = rollback ? "  ROLLBACK" : "";
    } else {
      Instant since = several ? stepSinceByEntry.get(entry) : stepSince;
      held =
          previous == null || since == null
              ? ""
              : String.format(
                  Locale.ROOT, "  after %.1fs", Duration.between(since, now).toMillis() / 1000.0);
      basis =
          rollback
              ? "  ROLLBACK"
                  + (scenario == Scenario.ALERT && e != null ? "  last checks: " + checks(e) : "")
              : e == null
                      || previous == null
                      || (previous.weight("v2") <= 0 && previous.sluice().isEmpty())
                  ? ""
                  : "  last checks: " + checks(e);
    }
    stepSince = now;
    stepSinceByEntry.put(entry, now);
    String extras = point.sluice().isEmpty() ? "" : "+ " + String.join(", ", point.sluice());
    say("route  %s%s%s%s%s", entryLabel, weights(weights), extras, held, basis);
    if (now.equals(moments.get("turnedBad"))) {
      say("v2 turns bad at %d%%: %s", v2, bad);
    }
  }

  /** The managed route {@code route} of {@code vs} as a point at {@code at}. */
  static RoutePoint point(Instant at, GenericKubernetesResource vs, String route) {
    return new RoutePoint(
        at,
        routeWeights(vs, route),
        ReleaseStages.sluiceParts(vs, route),
        vs.getMetadata().getName() + "@" + vs.getMetadata().getResourceVersion());
  }

  /** The stages of this scenario's release, from the mesh's VirtualService versions. */
  ReleaseStages stages() {
    return new ReleaseStages(
        "v2",
        meshVersions.stream()
            .map(p -> new ReleaseStages.Version(p.routedBy(), p.at(), p.weights(), p.sluice()))
            .toList());
  }

  /** The route sends everything to {@code subset}. */
  private static boolean only100(Map<String, Integer> weights, String subset) {
    return weights.equals(Map.of(subset, 100))
        || (weights.getOrDefault(subset, 0) == 100
            && weights.entrySet().stream()
                .allMatch(w -> w.getKey().equals(subset) || w.getValue() == 0));
  }

  /** Every entry point's route, as last routed by, satisfies {@code test}. */
  private boolean everyRoute(java.util.function.Predicate<RoutePoint> test) {
    for (List<RoutePoint> points : routes.values()) {
      if (points.isEmpty() || !test.test(points.get(points.size() - 1))) {
        return false;
      }
    }
    return true;
  }

  static Map<String, Integer> defaultRoute(GenericKubernetesResource vs) {
    return routeWeights(vs, MESH_ROUTE);
  }

  /** The named HTTP route's weights by subset. */
  @SuppressWarnings("unchecked")
  static Map<String, Integer> routeWeights(GenericKubernetesResource vs, String name) {
    Map<String, Integer> out = new LinkedHashMap<>();
    Map<String, Object> route = ClusterHistory.httpRoute(vs, name);
    if (route == null) {
      return out;
    }
    List<Map<String, Object>> destinations = (List<Map<String, Object>>) route.get("route");
    for (Map<String, Object> d :
        destinations == null ? List.<Map<String, Object>>of() : destinations) {
      Map<String, Object> dest = (Map<String, Object>) d.get("destination");
      Object w = d.get("weight");
      int weight = w instanceof Number n ? n.intValue() : destinations.size() == 1 ? 100 : 0;
      out.put(String.valueOf(dest.get("subset")), weight);
    }
    return out;
  }

  // ---- reading the cluster --------------------------------------------------------------------

  String phase() {
    Canary c = canary;
    return c == null || c.getStatus() == null ? null : c.getStatus().phase;
  }

  private boolean exists(String deployment) {
    return client.apps().deployments().inNamespace(ns).withName(deployment).get() != null;
  }

  List<String> subsets() {
    GenericKubernetesResource dr =
        client
            .genericKubernetesResources(Fixtures.DESTINATION_RULE)
            .inNamespace(ns)
            .withName(APP)
            .get();
    return dr == null ? List.of() : ClusterHistory.subsets(dr);
  }

  void awaitTrue(Duration timeout, String what, java.util.function.BooleanSupplier test) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!test.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            scenario.id() + ": timed out after " + timeout + " waiting for " + what);
      }
      Processes.sleep(100);
    }
  }

  // ---- printing -------------------------------------------------------------------------------

  private void header() {
    String story =
        switch (scenario) {
          case GOOD -> "v2 is healthy; Sluice should promote it 10% at a time and retire v1";
          case ERRORS ->
              "v2 answers 5xx for "
                  + Math.round(options.errorRatio() * 100)
                  + "% of its requests from "
                  + options.badAt()
                  + "% on; Sluice should roll back";
          case SLOW ->
              "v2 slows to ~"
                  + options.latencyMs()
                  + " ms from "
                  + options.badAt()
                  + "% on (p99 limit 500 ms); Sluice should roll back";
          case ALERT ->
              "v2 answers 5xx for "
                  + Math.round(AlertPath.V2_ERROR_RATIO * 100)
                  + "% of its requests from "
                  + options.badAt()
                  + "% on: under the Canary's error-rate gate ("
                  + Math.round(AlertPath.GATE_MAX_RATIO * 100)
                  + "% over 1m), over the alerting rule "
                  + AlertPath.ALERT
                  + " ("
                  + Math.round(AlertPath.THRESHOLD * 100)
                  + "% over "
                  + AlertPath.WINDOW
                  + "); the alert should roll it back";
          case GATEWAY ->
              "v2 is healthy; the load enters through the ingress gateway and from inside the mesh,"
                  + " the Canary lists both VirtualServices; Sluice should move both routes in"
                  + " lockstep to 100% v2 and retire v1";
          case GATEWAY_ERRORS ->
              "v2 answers 5xx for "
                  + Math.round(options.errorRatio() * 100)
                  + "% of its requests from "
                  + options.badAt()
                  + "% on; the load enters through the ingress gateway and from inside the mesh;"
                  + " Sluice should roll both routes back to 100% v1 at once";
          case ABTEST ->
              "v2 is healthy; the Canary's A/B stage (match x-canary: insider, 3 intervals, no"
                  + " weight steps) should send only the insiders' requests to v2, then promote it";
          case MIRROR ->
              "v2 answers 5xx for "
                  + Math.round(options.errorRatio() * 100)
                  + "% of its requests from the first; the Canary's mirror stage (100%, 5"
                  + " intervals) copies every request to it; Sluice should roll back during the"
                  + " mirror stage, no user ever answered by v2";
          case AFFINITY ->
              "v2 is healthy; weight steps 10, 30, 50, 80% under session affinity (cookie "
                  + Scenario.AFFINITY_COOKIE
                  + ", 1h); Sluice should promote it with no session answered by both versions"
                  + " while the weights move";
          case WEBHOOKS ->
              "v2 is healthy; its Canary has webhooks answered by the sandbox's receiver: a"
                  + " confirm gate opened after "
                  + WebhookStory.POLLS_BEFORE_OPENING
                  + " polls, a pre-rollout test suite that fails the first release (Sluice should"
                  + " roll back before v2 gets traffic) and passes the retry, a step hook that"
                  + " starts the load; Sluice should promote the retry";
          case SUBTLE, SUBTLE_COMPARE ->
              "v1 takes ~"
                  + Scenario.SUBTLE_STABLE_MS
                  + " ms, v2 ~"
                  + Scenario.SUBTLE_CANARY_MS
                  + " ms (25% more) from its first request, both far under latency-p99's 500 ms;"
                  + (scenario == Scenario.SUBTLE
                      ? " with fixed thresholds (latency-compare dry-run) Sluice should promote it"
                      : " latency-compare, judging v2 against v1, should roll it back");
          case BLUEGREEN ->
              "v2 is healthy; blue/green: preview testers (x-sluice-preview: \"true\") reach v2"
                  + " for 3 intervals, then everyone switches in one write, judged 3 intervals;"
                  + " Sluice should promote it";
        };
    out.println();
    out.println(
        "== "
            + scenario.id()
            + ": "
            + story
            + " (namespace "
            + ns
            + ", interval "
            + options.interval()
            + ")");
  }

  private void footer() {
    if (webhooks != null) {
      out.print(webhooks.table());
    }
    out.println(SandboxReport.finalLine(this));
  }

  synchronized void say(String format, Object... args) {
    double t = started == null ? 0 : Duration.between(started, Instant.now()).toMillis() / 1000.0;
    out.printf(Locale.ROOT, "%7.1fs  %s%n", t, String.format(Locale.ROOT, format, args));
    out.flush();
  }

  static String weights(Map<String, Integer> w) {
    StringBuilder b = new StringBuilder();
    for (String subset : List.of("v1", "v2")) {
      if (w.containsKey(subset)) {
        b.append(String.format(Locale.ROOT, "%s %3d%%  ", subset, w.get(subset)));
      } else {
        b.append("         ");
      }
    }
    return b.toString();
  }

  static String checks(Evaluation e) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, String> o : e.outcomes().entrySet()) {
      String label;
      if (o.getKey().equals(CANARY_CHECK_ERRORS)) {
        label =
            "5xx "
                + (e.errorRatio() == null
                    ? "n/a"
                    : String.format(Locale.ROOT, "%.2f%%", e.errorRatio() * 100));
      } else if (o.getKey().equals(CANARY_CHECK_P99)) {
        label =
            "p99 " + (e.p99Ms() == null ? "n/a" : String.format(Locale.ROOT, "%.0f ms", e.p99Ms()));
      } else {
        label = o.getKey();
      }
      parts.add(label + " " + o.getValue().toLowerCase(Locale.ROOT));
    }
    return String.join(" · ", parts);
  }

  static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
