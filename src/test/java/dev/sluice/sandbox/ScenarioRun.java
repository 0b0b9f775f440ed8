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

  /** The managed route's weights at one moment, as the mesh routes by them. */
  record RoutePoint(Instant at, Map<String, Integer> weights) {
    int weight(String subset) {
      return weights.getOrDefault(subset, 0);
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
  final List<RoutePoint> route = new CopyOnWriteArrayList<>();
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
  String outcome;
  boolean timedOut;

  ScenarioRun(
      Scenario scenario,
      Options options,
      KubernetesClient client,
      IstioMetrics metrics,
      URI prometheus,
      Sandbox.Alerting alerting,
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
      awaitEnd();
      Processes.sleep(2000); // the settled state under load
    } finally {
      if (load != null) {
        load.stop(Duration.ofSeconds(15));
      }
      moments.put("end", Instant.now());
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
    if (load != null) {
      load.close();
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
    behaviours.put("v1", Behaviour.HEALTHY);
    behaviours.put("v2", Behaviour.HEALTHY);
    behaviours.put("debug", Behaviour.HEALTHY);
    kubelet = new Kubelet(client, ns, v -> behaviours.getOrDefault(v, Behaviour.HEALTHY), 1000);
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
          }
          return doc;
        });
    history = new ClusterHistory(client, ns);
    kubelet.start();
    seedVirtualService =
        client
            .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
            .inNamespace(ns)
            .withName(APP)
            .get();
    watchCanary();
    watchObjects();
    mesh = new Mesh(client, ns, APP, metrics);
    mesh.onVirtualService(this::routeChanged);
    mesh.start();
    awaitTrue(
        Duration.ofSeconds(30),
        "the v1 and debug pods to be ready",
        () -> kubelet.runningPods().size() == 3 && routable());
    load = new LoadGenerator(mesh.url(), options.rate(), 20).start();
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
    say(
        "seed: v1 serves 100%% (2 pods); my-header ~ .*debug.* → helloworld-debug; load %s req/s (1 in 20 with the debug header)",
        fmt(options.rate()));
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
    moments.put("v2Applied", Instant.now());
    Fixtures.apply(client, ns, "sandbox/helloworld-v2.yaml");
    say(
        "v2 applied (2 pods)%s",
        bad == null ? "" : "; it will turn bad at " + options.badAt() + "%: " + bad);
  }

  private void awaitEnd() {
    // generous: every step may wait for traffic, plus the progress deadline
    Duration limit =
        MeshConfig.duration(options.interval())
            .orElse(Duration.ofSeconds(3))
            .plusSeconds(12)
            .multipliedBy(11)
            .plusSeconds(150);
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

  /** Called by the mesh once it routes by a new version of the VirtualService. */
  private synchronized void routeChanged(GenericKubernetesResource vs) {
    Instant now = Instant.now();
    Map<String, Integer> weights = defaultRoute(vs);
    if (!route.isEmpty() && route.get(route.size() - 1).weights().equals(weights)) {
      return;
    }
    RoutePoint previous = route.isEmpty() ? null : route.get(route.size() - 1);
    route.add(new RoutePoint(now, weights));
    int v2 = weights.getOrDefault("v2", -1);
    if (v2 > 0) {
      moments.putIfAbsent("firstTrafficToV2", now);
    }
    if (bad != null && !moments.containsKey("turnedBad") && v2 >= options.badAt()) {
      behaviours.put("v2", bad);
      moments.put("turnedBad", now);
      probe = new DetectionProbe(prometheus, canary, "v1", "v2").start();
    }
    if (weights.equals(Map.of("v2", 100)) || (v2 == 100 && weights.getOrDefault("v1", 0) == 0)) {
      moments.putIfAbsent("route100v2", now);
    }
    if (moments.containsKey("firstTrafficToV2") && weights.getOrDefault("v1", 0) == 100) {
      moments.putIfAbsent("route100v1", now);
    }
    String held =
        previous == null || stepSince == null
            ? ""
            : String.format(
                Locale.ROOT, "  after %.1fs", Duration.between(stepSince, now).toMillis() / 1000.0);
    stepSince = now;
    Evaluation e = lastEvaluation;
    boolean rollback =
        previous != null && previous.weight("v2") > 0 && weights.getOrDefault("v1", 0) == 100;
    String basis =
        rollback
            ? "  ROLLBACK"
                + (scenario == Scenario.ALERT && e != null ? "  last checks: " + checks(e) : "")
            : e == null || previous == null || previous.weight("v2") <= 0
                ? ""
                : "  last checks: " + checks(e);
    say("route  %s%s%s", weights(weights), held, basis);
    if (now.equals(moments.get("turnedBad"))) {
      say("v2 turns bad at %d%%: %s", v2, bad);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Integer> defaultRoute(GenericKubernetesResource vs) {
    Map<String, Integer> out = new LinkedHashMap<>();
    Map<String, Object> route = ClusterHistory.httpRoute(vs, "default");
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

  private void awaitTrue(Duration timeout, String what, java.util.function.BooleanSupplier test) {
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
