package dev.sluice.sandbox;

import dev.sluice.analysis.Check;
import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.AlertmanagerServer;
import dev.sluice.testing.ClusterHistory;
import dev.sluice.testing.DaemonMetrics;
import dev.sluice.testing.Fixtures;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a scenario showed, for {@code report.json} and the final line: outcome, final objects,
 * requests, and the times that matter. Built from the scenario's recordings and the objects as
 * stored at its end.
 */
final class SandboxReport {
  private SandboxReport() {}

  /** The report of one scenario, as a JSON-ready map. */
  static Map<String, Object> of(ScenarioRun run, KubernetesClient client, String chartFile) {
    String ns = run.namespace();
    Map<String, Object> r = new LinkedHashMap<>();
    Canary canary = client.resources(Canary.class).inNamespace(ns).withName(ScenarioRun.APP).get();
    CanaryStatus status = canary == null ? null : canary.getStatus();
    LoadGenerator load = run.load;

    r.put("scenario", run.scenario().id());
    r.put("namespace", ns);
    r.put("expected", run.scenario().expected);
    r.put("outcome", run.outcome);
    r.put("why", why(run, status));
    r.put("ok", ok(run));
    r.put("chart", chartFile);

    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("interval", run.options().interval());
    settings.put("analysisInterval", canary == null ? null : canary.getSpec().analysis.interval);
    settings.put("retirementDelay", canary == null ? null : canary.getSpec().retirementDelay);
    settings.put("requestsPerSecond", run.options().rate());
    settings.put("v2WhenBad", run.badBehaviour() == null ? null : run.badBehaviour().toString());
    settings.put(
        "v2TurnsBadAtWeight",
        run.badBehaviour() == null || run.scenario().badFromTheStart()
            ? null
            : run.options().badAt());
    if (run.scenario().badFromTheStart()) {
      settings.put("v2BadFromItsFirstRequest", true);
    }
    settings.put("thresholds", thresholds(canary));
    if (run.scenario() == Scenario.ALERT) {
      settings.put("alert", alertSettings());
    }
    r.put("settings", settings);

    r.put("durations", durations(run, status));
    if (run.scenario() == Scenario.ALERT) {
      r.put("gates", gates(run, canary));
      r.put("sluiceMetrics", sluiceMetrics(run));
    }

    Map<String, Object> fin = new LinkedHashMap<>();
    GenericKubernetesResource vs =
        client
            .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
            .inNamespace(ns)
            .withName(ScenarioRun.APP)
            .get();
    Map<String, Object> routes = new LinkedHashMap<>();
    routes.put("default", ScenarioRun.defaultRoute(vs));
    routes.put("debug", ClusterHistory.httpRoute(vs, "debug"));
    if (run.scenario().throughGateway()) {
      GenericKubernetesResource gateway =
          client
              .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
              .inNamespace(ScenarioRun.GATEWAY_NAMESPACE)
              .withName(run.gatewayVirtualService())
              .get();
      routes.put(
          "gateway",
          gateway == null ? null : ScenarioRun.routeWeights(gateway, ScenarioRun.GATEWAY_ROUTE));
    }
    fin.put("virtualServiceRoutes", routes);
    fin.put("destinationRuleSubsets", run.subsets());
    fin.put(
        "deployments",
        client.apps().deployments().inNamespace(ns).list().getItems().stream()
            .map(Deployment::getMetadata)
            .map(m -> m.getName())
            .sorted()
            .toList());
    fin.put("runningPods", run.kubelet.runningPods());
    if (status != null) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("phase", status.phase);
      c.put("stableVersion", status.stableVersion);
      c.put("canaryVersion", status.canaryVersion);
      c.put("weight", status.weight);
      c.put("rollbackReason", status.rollbackReason);
      // the last evaluation, with a scored check's per-metric numbers (medians, p-value, effect)
      c.put("measurements", status.measurements == null ? List.of() : status.measurements);
      c.put(
          "conditions",
          status.conditions == null
              ? List.of()
              : status.conditions.stream()
                  .map(
                      k -> {
                        Map<String, Object> one = new LinkedHashMap<>();
                        one.put("type", k.getType());
                        one.put("status", k.getStatus());
                        one.put("reason", k.getReason());
                        one.put("message", k.getMessage());
                        return one;
                      })
                  .toList());
      c.put("warningEvents", warningEvents(client, ns));
      c.put(
          "candidates",
          status.candidates == null
              ? List.of()
              : status.candidates.stream()
                  .map(
                      k -> {
                        Map<String, Object> one = new LinkedHashMap<>();
                        one.put("deployment", k.deployment);
                        one.put("version", k.version);
                        one.put("candidate", k.candidate);
                        one.put("reason", k.reason);
                        return one;
                      })
                  .toList());
      fin.put("canary", c);
    }
    r.put("final", fin);

    List<GenericKubernetesResource> versions = run.history.virtualServices();
    r.put("virtualServiceVersionsWritten", versions.size());
    r.put(
        "defaultRouteOfEachVersionWritten",
        versions.stream().map(v -> ClusterHistory.weights(v, "default")).toList());
    r.put("debugRouteUntouched", debugRouteUntouched(run));
    if (run.scenario().throughGateway()) {
      r.put("virtualServices", virtualServices(run));
      r.put("lockstep", lockstep(run));
    }

    Map<String, Object> requests = new LinkedHashMap<>();
    requests.put("sent", load.sent());
    requests.put("byVersionAndStatus", load.byVersionAndStatus());
    requests.put("injectedErrors", load.injectedErrors());
    requests.put("lost", load.lost());
    requests.put("lostByReason", load.lostByReason());
    requests.put("lastAnsweredByV2", iso(load.lastV2Answer()));
    if (run.mesh != null && run.mesh.mirrors().sent() > 0) {
      Map<String, Object> mirrored = new LinkedHashMap<>();
      mirrored.put("sent", run.mesh.mirrors().sent());
      mirrored.put("byVersionAndStatus", run.mesh.mirrors().byVersionAndStatus());
      mirrored.put("notDelivered", run.mesh.mirrors().notDelivered());
      mirrored.put(
          "how",
          "copies of users' requests the mesh mirrored (the route's mirror), answers discarded;"
              + " none of them is among the requests above");
      requests.put("mirrored", mirrored);
    }
    if (load.entryPoints().size() > 1) {
      Map<String, Object> byEntry = new LinkedHashMap<>();
      for (String entry : load.entryPoints()) {
        byEntry.put(entry, load.entry(entry));
      }
      requests.put("byEntryPoint", byEntry);
    }
    r.put("requests", requests);
    ReleaseStages stages = run.stages();
    r.put("stages", stages.describe(run.startedAt()));
    r.put(
        "sessions",
        new SessionReport(load.sessions().all(), stages)
            .toMap(load.sessions().profile(), run.mesh == null ? null : run.mesh.mirrors()));
    if (run.scenario().strategy()) {
      r.put("strategy", StrategyChecks.of(run));
    }
    if (run.webhooks != null) {
      r.put("webhooks", run.webhooks.report());
    }

    Map<String, Object> moments = new TreeMap<>();
    run.moments.forEach((k, v) -> moments.put(k, iso(v)));
    run.phases.forEach((k, v) -> moments.put("phase " + k, iso(v)));
    if (status != null) {
      moments.put("status.releaseStartedAt", status.releaseStartedAt);
      moments.put("status.finishedAt", status.finishedAt);
    }
    if (run.probe() != null && run.probe().firstFailAt() != null) {
      moments.put("prometheusShowsFailure", iso(run.probe().firstFailAt()));
    }
    r.put("moments", moments);

    List<Map<String, Object>> route = new ArrayList<>();
    for (ScenarioRun.RoutePoint p : run.route) {
      Map<String, Object> point = new LinkedHashMap<>();
      point.put("t", seconds(run.startedAt(), p.at()));
      point.put("weights", p.weights());
      if (!p.sluice().isEmpty()) {
        point.put("sluice", p.sluice());
      }
      route.add(point);
    }
    r.put("routeAsTheMeshSawIt", route);
    List<Map<String, Object>> evaluations = new ArrayList<>();
    for (ScenarioRun.Evaluation e : run.evaluations) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("t", seconds(run.startedAt(), e.at()));
      m.put("weight", e.weight());
      m.put("errorRatio", e.errorRatio());
      m.put("p99Ms", e.p99Ms());
      m.put("outcomes", e.outcomes());
      evaluations.add(m);
    }
    r.put("evaluations", evaluations);
    return r;
  }

  /** Whether the scenario ended as it should, with no request lost and the debug route intact. */
  static boolean ok(ScenarioRun run) {
    return run.scenario().expected.equals(run.outcome)
        && run.load != null
        && run.load.lost() == 0
        && debugRouteUntouched(run)
        && (run.scenario() != Scenario.ALERT || rolledBackByTheAlert(run))
        && (!run.scenario().throughGateway() || Boolean.TRUE.equals(lockstep(run).get("held")))
        && (!run.scenario().strategy() || Boolean.TRUE.equals(StrategyChecks.of(run).get("held")))
        && (run.scenario() != Scenario.WEBHOOKS
            || (run.webhooks != null && Boolean.TRUE.equals(run.webhooks.report().get("held"))));
  }

  // ---- the gateway scenarios: several VirtualServices -----------------------------------------

  /** The managed route's weights in each stored version of the VirtualService of {@code entry}. */
  static List<List<String>> weightsWritten(ScenarioRun run, String entry) {
    String route = run.managedVirtualServices().get(entry).get(2);
    return run.storedVersions(entry).stream().map(v -> ClusterHistory.weights(v, route)).toList();
  }

  /** Per VirtualService the Canary lists: what was stored, and how its proxy routed over time. */
  private static List<Map<String, Object>> virtualServices(ScenarioRun run) {
    List<Map<String, Object>> out = new ArrayList<>();
    run.managedVirtualServices()
        .forEach(
            (entry, ref) -> {
              Map<String, Object> v = new LinkedHashMap<>();
              v.put("entryPoint", entry);
              v.put("namespace", ref.get(0));
              v.put("name", ref.get(1));
              v.put("route", ref.get(2));
              List<List<String>> written = weightsWritten(run, entry);
              v.put("versionsWritten", written.size());
              v.put("weightsOfEachVersionWritten", written);
              List<ScenarioRun.RoutePoint> points = run.routes.get(entry);
              List<Map<String, Object>> routed = new ArrayList<>();
              for (ScenarioRun.RoutePoint p : points) {
                routed.add(Map.of("t", seconds(run.startedAt(), p.at()), "weights", p.weights()));
              }
              v.put("asRouted", routed);
              v.put(
                  "lastChangeRoutedAtSeconds",
                  points.isEmpty()
                      ? null
                      : seconds(run.startedAt(), points.get(points.size() - 1).at()));
              out.add(v);
            });
    return out;
  }

  /**
   * Whether the routes moved in lockstep: the same weights in every stored version of each
   * VirtualService (the n-th write of one carries the n-th write of the other's weights), and how
   * far apart the proxies routed by the two writes of each step.
   */
  static Map<String, Object> lockstep(ScenarioRun run) {
    Map<String, Object> l = new LinkedHashMap<>();
    List<String> entries = List.copyOf(run.managedVirtualServices().keySet());
    List<List<String>> first = weightsWritten(run, entries.get(0));
    boolean same = !first.isEmpty();
    Map<String, Object> counts = new LinkedHashMap<>();
    for (String entry : entries) {
      List<List<String>> w = weightsWritten(run, entry);
      counts.put(entry, w.size());
      if (!w.equals(first)) {
        same = false;
        for (int i = 0; i < Math.max(w.size(), first.size()); i++) {
          List<String> a = i < first.size() ? first.get(i) : null;
          List<String> b = i < w.size() ? w.get(i) : null;
          if (!Objects.equals(a, b)) {
            l.put(
                "firstDifference",
                "version " + (i + 1) + ": " + entries.get(0) + " " + a + ", " + entry + " " + b);
            break;
          }
        }
      }
    }
    l.put("sameWeightsInEveryStoredVersion", same);
    l.put("versionsWritten", counts);
    // the proxies' view: the i-th change of each route, and how far apart they came
    List<List<ScenarioRun.RoutePoint>> routed = entries.stream().map(run.routes::get).toList();
    int n = routed.stream().mapToInt(List::size).min().orElse(0);
    boolean sameRouted = routed.stream().allMatch(p -> p.size() == routed.get(0).size());
    List<Double> apart = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Instant lo = null;
      Instant hi = null;
      for (List<ScenarioRun.RoutePoint> p : routed) {
        sameRouted &= p.get(i).weights().equals(routed.get(0).get(i).weights());
        Instant at = p.get(i).at();
        lo = lo == null || at.isBefore(lo) ? at : lo;
        hi = hi == null || at.isAfter(hi) ? at : hi;
      }
      apart.add(ms(lo, hi));
    }
    l.put("sameWeightsAsRouted", sameRouted);
    l.put("routedApartMsByStep", apart);
    l.put("routedApartMsMax", apart.stream().mapToDouble(Double::doubleValue).max().orElse(0));
    l.put("held", same && sameRouted);
    return l;
  }

  /** v2's weight in each stored version, e.g. "0 → 10 → … → 100 → v2 only". */
  static String sequence(List<List<String>> versions) {
    List<String> parts = new ArrayList<>();
    for (List<String> v : versions) {
      String v2 = v.stream().filter(d -> d.startsWith("v2=")).findFirst().orElse(null);
      if (v2 == null) {
        parts.add(v.size() == 1 ? v.get(0).replaceAll("=.*", "") + " only" : v.toString());
      } else if (v.size() == 1) {
        parts.add("v2 only");
      } else {
        parts.add(v2.substring(3));
      }
    }
    return String.join(" → ", parts);
  }

  /** The Canary's Warning events, oldest first, as "Reason: message". */
  private static List<String> warningEvents(KubernetesClient client, String ns) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "Warning".equals(e.getType()))
        .filter(
            e -> e.getInvolvedObject() != null && "Canary".equals(e.getInvolvedObject().getKind()))
        .sorted(
            java.util.Comparator.comparing(
                (io.fabric8.kubernetes.api.model.Event e) ->
                    e.getMetadata().getCreationTimestamp() == null
                        ? ""
                        : e.getMetadata().getCreationTimestamp()))
        .map(e -> e.getReason() + ": " + e.getMessage())
        .toList();
  }

  /** The alert scenario's release was rolled back by the alert, not by a check. */
  static boolean rolledBackByTheAlert(ScenarioRun run) {
    Canary c = run.canary();
    String reason = c == null || c.getStatus() == null ? null : c.getStatus().rollbackReason;
    return reason != null && reason.startsWith("alert " + AlertPath.ALERT + " fired");
  }

  /** Every stored version of the VirtualService kept the debug route exactly as seeded. */
  static boolean debugRouteUntouched(ScenarioRun run) {
    Object seed = ClusterHistory.httpRoute(run.seedVirtualService, "debug");
    Object seedRetries = ClusterHistory.httpRoute(run.seedVirtualService, "default").get("retries");
    for (GenericKubernetesResource vs : run.history.virtualServices()) {
      if (!Objects.equals(ClusterHistory.httpRoute(vs, "debug"), seed)
          || !Objects.equals(ClusterHistory.httpRoute(vs, "default").get("retries"), seedRetries)) {
        return false;
      }
    }
    return true;
  }

  private static String why(ScenarioRun run, CanaryStatus status) {
    if (status == null) {
      return null;
    }
    if ("RolledBack".equals(status.phase) || "Failed".equals(status.phase)) {
      return status.rollbackReason;
    }
    return status.message;
  }

  private static Map<String, Object> thresholds(Canary canary) {
    Map<String, Object> t = new LinkedHashMap<>();
    if (canary == null) {
      return t;
    }
    for (Check c : DetectionProbe.checks(canary, "v1", "v2")) {
      Map<String, Object> rule = new LinkedHashMap<>();
      c.max().ifPresent(v -> rule.put("max", v));
      c.min().ifPresent(v -> rule.put("min", v));
      rule.put("minRequests", c.minTraffic());
      t.put(c.id(), rule);
    }
    return t;
  }

  /** The threshold of a check, or NaN. */
  static double max(Canary canary, String check) {
    if (canary == null) {
      return Double.NaN;
    }
    for (Check c : DetectionProbe.checks(canary, "v1", "v2")) {
      if (c.id().equals(check) && c.max().isPresent()) {
        return c.max().getAsDouble();
      }
    }
    return Double.NaN;
  }

  private static Map<String, Object> durations(ScenarioRun run, CanaryStatus status) {
    Map<String, Object> d = new LinkedHashMap<>();
    Instant releaseStarted = releaseStarted(status);
    Map<String, Instant> m = run.moments;
    d.put("scenarioSeconds", seconds(run.startedAt(), m.get("end")));
    d.put("v2AppliedToReleaseStartSeconds", seconds(m.get("v2Applied"), releaseStarted));
    if ("promoted".equals(run.outcome)) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("releaseStartTo100PercentV2Seconds", seconds(releaseStarted, m.get("route100v2")));
      p.put("v2AppliedTo100PercentV2Seconds", seconds(m.get("v2Applied"), m.get("route100v2")));
      p.put(
          "100PercentV2ToV1DeploymentDeletedSeconds",
          seconds(m.get("route100v2"), m.get("helloworld-v1Deleted")));
      p.put(
          "releaseStartToV1RetiredSeconds", seconds(releaseStarted, m.get("helloworld-v1Deleted")));
      if (run.routes.size() > 1) {
        Map<String, Object> each = new LinkedHashMap<>();
        run.routes
            .keySet()
            .forEach(e -> each.put(e, seconds(releaseStarted, m.get("route100v2 " + e))));
        p.put("releaseStartTo100PercentV2ByEntryPointSeconds", each);
      }
      d.put("promotion", p);
    }
    Instant bad = m.get("turnedBad");
    Instant stable = m.get("route100v1");
    if (run.scenario() == Scenario.ALERT) {
      d.put("alert", alertDurations(run, status));
    } else if (bad != null && stable != null) {
      Map<String, Object> b = new LinkedHashMap<>();
      Instant sluiceFail = m.get("firstFailingEvaluation");
      Instant promFail = run.probe() == null ? null : run.probe().firstFailAt();
      Instant detected = earliest(promFail, sluiceFail);
      b.put("totalSeconds", seconds(bad, stable));
      b.put("prometheusDetectionSeconds", seconds(bad, detected));
      b.put("sluiceAnalysisWaitSeconds", seconds(detected, sluiceFail));
      b.put("sluiceRouteWriteSeconds", seconds(sluiceFail, stable));
      b.put(
          "how",
          "v2 turns bad when the mesh first routes "
              + run.options().badAt()
              + "% to it; Prometheus detection ends when the Canary's checks, run by the sandbox "
              + "every "
              + DetectionProbe.EVERY_MS
              + " ms against the same Prometheus and judged by Sluice's rules, first fail "
              + "(scrape interval + rate window); Sluice's analysis wait ends at its own failing "
              + "evaluation (status.measurements[].at, every analysis.interval); its route write "
              + "ends when the mesh routes 100% to v1 (VirtualService watch)"
              + (run.routes.size() > 1
                  ? "; with several VirtualServices, when the last of their proxies routes 100% to"
                      + " v1 (byEntryPoint: each one)"
                  : ""));
      if (run.routes.size() > 1) {
        Map<String, Object> each = new LinkedHashMap<>();
        List<Instant> ats = new ArrayList<>();
        for (String e : run.routes.keySet()) {
          Instant at = m.get("route100v1 " + e);
          each.put(e, seconds(bad, at));
          ats.add(at);
        }
        b.put("byEntryPoint", each);
        b.put(
            "betweenTheRoutesMs",
            ats.contains(null)
                ? null
                : ms(
                    ats.stream().min(Instant::compareTo).get(),
                    ats.stream().max(Instant::compareTo).get()));
      }
      d.put("v2BadTo100PercentV1", b);
    }
    return d;
  }

  // ---- the alert scenario ---------------------------------------------------------------------

  private static Map<String, Object> alertSettings() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("rule", AlertPath.ALERT);
    a.put("ruleFile", "alert-rules.yml");
    a.put("threshold", AlertPath.THRESHOLD);
    a.put("window", AlertPath.WINDOW);
    a.put("for", "0s");
    a.put("evaluationInterval", "1s");
    a.put("scrapeInterval", "1s");
    a.put("alertmanagerConfig", "alertmanager.yml");
    a.put("groupWait", AlertmanagerServer.GROUP_WAIT);
    a.put("groupInterval", AlertmanagerServer.GROUP_INTERVAL);
    a.put("repeatInterval", AlertmanagerServer.REPEAT_INTERVAL);
    a.put("errorRateGateMaxRatio", AlertPath.GATE_MAX_RATIO);
    a.put("v2ErrorRatioWhenBad", AlertPath.V2_ERROR_RATIO);
    return a;
  }

  /** Milliseconds between two instants, to 0.1 ms, or null. */
  static Double ms(Instant from, Instant to) {
    if (from == null || to == null) {
      return null;
    }
    return Math.round(Duration.between(from, to).toNanos() / 100_000.0) / 10.0;
  }

  private static Map<String, Object> alertDurations(ScenarioRun run, CanaryStatus status) {
    Map<String, Object> d = new LinkedHashMap<>();
    AlertPath a = run.alertPath();
    Map<String, Instant> m = run.moments;
    Instant bad = m.get("turnedBad");
    Instant mesh = m.get("route100v1");
    if (a == null) {
      return d;
    }
    d.put("webhookArrivalToRouteWriteMs", a.sluiceReactionMs);
    d.put("alertFiringToRouteWriteMs", ms(a.prometheusActiveAt, a.sluiceWrittenAt));
    Map<String, Object> split = new LinkedHashMap<>();
    split.put(
        "prometheusRuleEvaluationAndNotifyMs", ms(a.prometheusActiveAt, a.alertmanagerUpdatedAt));
    split.put("alertmanagerDispatchMs", ms(a.alertmanagerUpdatedAt, a.alertmanagerFlushAt));
    split.put("alertmanagerToSluiceWebhookMs", ms(a.alertmanagerFlushAt, a.sluiceReceivedAt));
    split.put("sluiceReactionMs", a.sluiceReactionMs);
    d.put("alertFiringToRouteWriteSplit", split);
    // the rollback decision's time is status.finishedAt (the state machine's clock)
    Instant decided =
        status == null || status.finishedAt == null ? null : Instant.parse(status.finishedAt);
    Map<String, Object> sluice = new LinkedHashMap<>();
    sluice.put("webhookArrivalToDecisionMs", ms(a.sluiceReceivedAt, decided));
    sluice.put("decisionToRouteWrittenMs", ms(decided, a.sluiceWrittenAt));
    d.put("sluiceReactionSplit", sluice);
    d.put("routeWriteToMeshRoutingMs", ms(a.sluiceWrittenAt, mesh));
    d.put("alertmanagerWebhookRoundTripMs", ms(a.alertmanagerFlushAt, a.alertmanagerNotifiedAt));
    d.put("v2BadToAlertFiringSeconds", seconds(bad, a.prometheusActiveAt));
    d.put("v2BadTo100PercentV1Seconds", seconds(bad, mesh));
    d.put(
        "how",
        "The alert fires at Prometheus' activeAt (the rule evaluation's timestamp, from"
            + " /api/v1/alerts; for: 0s). Alertmanager received it at its updatedAt"
            + " (/api/v2/alerts, to the millisecond) and flushed the group to the sluice receiver"
            + " at the 'flushing' line of its debug log (to the millisecond). Sluice's webhook"
            + " received it and wrote the route back to 100% v1, as its /q/metrics say: the"
            + " reaction is what sluice_alert_reaction_seconds grew by over the scenario (one"
            + " rollback: its sum), the write's end sluice_alert_reaction_last_timestamp_seconds,"
            + " the arrival the one less the other; its decision is status.finishedAt. The mesh"
            + " routes by the write when its watch delivers it, which can be a millisecond before"
            + " Sluice's client has read the API server's answer (a negative"
            + " routeWriteToMeshRoutingMs). All processes share this machine's clock.");
    return d;
  }

  private static Map<String, Object> gates(ScenarioRun run, Canary canary) {
    Map<String, Object> g = new LinkedHashMap<>();
    Map<String, Instant> m = run.moments;
    Instant bad = m.get("turnedBad");
    Instant rollback = m.get("route100v1");
    double max = max(canary, ScenarioRun.CANARY_CHECK_ERRORS);
    g.put("errorRateGateMaxRatio", max);
    g.put("alertRuleThreshold", AlertPath.THRESHOLD);
    if (bad == null || rollback == null) {
      return g;
    }
    int evaluations = 0;
    boolean sluiceFailed = false;
    double sluiceHighest = Double.NaN;
    for (ScenarioRun.Evaluation e : run.evaluations) {
      if (!e.at().isBefore(bad) && !e.at().isAfter(rollback)) {
        evaluations++;
        sluiceFailed |= e.anyFail();
        if (e.errorRatio() != null) {
          sluiceHighest =
              Double.isNaN(sluiceHighest)
                  ? e.errorRatio()
                  : Math.max(sluiceHighest, e.errorRatio());
        }
      }
    }
    int probed = 0;
    boolean probeFailed = false;
    double probeHighest = Double.NaN;
    DetectionProbe probe = run.probe();
    if (probe != null) {
      for (dev.sluice.analysis.Measurement pm : probe.measurements) {
        if (pm.at().isAfter(rollback)) {
          continue;
        }
        probeFailed |= pm.outcome() == dev.sluice.analysis.Outcome.FAIL;
        if (pm.check().equals(ScenarioRun.CANARY_CHECK_ERRORS)) {
          probed++;
          if (pm.value().isPresent()) {
            double v = pm.value().getAsDouble();
            probeHighest = Double.isNaN(probeHighest) ? v : Math.max(probeHighest, v);
          }
        }
      }
    }
    long v2 = 0;
    long v2Errors = 0;
    for (Map.Entry<Long, LoadGenerator.Second> s : run.load.seconds().entrySet()) {
      if (s.getKey() >= bad.getEpochSecond() && s.getKey() <= rollback.getEpochSecond()) {
        v2 += s.getValue().v2.sum();
        v2Errors += s.getValue().v2Errors.sum();
      }
    }
    Double clientShare = v2 == 0 ? null : round4(v2Errors / (double) v2);
    g.put("sluiceEvaluationsFromBadToRollback", evaluations);
    g.put("sluiceHighestErrorRatio", nan(sluiceHighest));
    g.put("sluiceAnyCheckFailed", sluiceFailed);
    g.put("probeErrorRatioMeasurementsFromBadToRollback", probed);
    g.put("probeHighestErrorRatio", nan(probeHighest));
    g.put("probeAnyCheckFailed", probeFailed);
    g.put("v2ErrorShareClientsSawFromBadToRollback", clientShare);
    boolean wouldNotHaveFailed = !sluiceFailed && !probeFailed;
    g.put("gatesAloneHadNotFailedAtTheRollback", wouldNotHaveFailed);
    g.put(
        "why",
        String.format(
            Locale.ROOT,
            "The Canary's error-rate gate fails above %s 5xx over a 1m window; v2 answered %s of"
                + " its requests with 5xx (the clients saw %s from turning bad to the rollback),"
                + " and the 1m window still held v2's healthy requests from before: Sluice measured"
                + " at most %s in its %d evaluations, and the same checks run by the sandbox every"
                + " %d ms against the same Prometheus at most %s, %s. The alerting rule fires above"
                + " %s over %s, which v2 crossed %s s after turning bad.",
            pct(max),
            pct(AlertPath.V2_ERROR_RATIO),
            clientShare == null ? "?" : pct(clientShare),
            pct(sluiceHighest),
            evaluations,
            DetectionProbe.EVERY_MS,
            pct(probeHighest),
            wouldNotHaveFailed
                ? "so no gate failed (at " + pct(AlertPath.V2_ERROR_RATIO) + " it never would)"
                : "YET A GATE FAILED",
            pct(AlertPath.THRESHOLD),
            AlertPath.WINDOW,
            fmt(
                seconds(
                    bad, run.alertPath() == null ? null : run.alertPath().prometheusActiveAt))));
    return g;
  }

  private static Map<String, Object> sluiceMetrics(ScenarioRun run) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Double> before = run.daemonMetricsBefore;
    Map<String, Double> after = run.daemonMetricsAfter;
    List<String> ns = List.of("namespace=\"" + run.namespace() + "\"");
    List<String> alertReason = List.of("namespace=\"" + run.namespace() + "\"", "reason=\"alert\"");
    out.put(
        "sluice_rollbacks_total{reason=\"alert\"} (this namespace)",
        DaemonMetrics.sum(after, "sluice_rollbacks_total", alertReason));
    out.put(
        "sluice_rollbacks_total (this namespace, every reason)",
        DaemonMetrics.sum(after, "sluice_rollbacks_total", ns));
    out.put(
        "sluice_alerts_total{result=\"matched\"} (during the scenario)",
        delta(before, after, "sluice_alerts_total", List.of("result=\"matched\"")));
    double count = delta(before, after, "sluice_alert_reaction_seconds_count", List.of());
    double sum = delta(before, after, "sluice_alert_reaction_seconds_sum", List.of());
    out.put("sluice_alert_reaction_seconds_count (during the scenario)", count);
    out.put(
        "sluice_alert_reaction_seconds_sum (during the scenario), ms",
        Math.round(sum * 10_000) / 10.0);
    return out;
  }

  private static double delta(
      Map<String, Double> before, Map<String, Double> after, String name, List<String> labels) {
    return DaemonMetrics.sum(after, name, labels) - DaemonMetrics.sum(before, name, labels);
  }

  private static Double nan(double d) {
    return Double.isNaN(d) ? null : round4(d);
  }

  private static double round4(double d) {
    return Math.round(d * 10_000) / 10_000.0;
  }

  static String pct(Double v) {
    if (v == null || v.isNaN()) {
      return "?";
    }
    return String.format(Locale.ROOT, "%.1f%%", v * 100);
  }

  private static Instant earliest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.isBefore(b) ? a : b;
  }

  static Double seconds(Instant from, Instant to) {
    if (from == null || to == null) {
      return null;
    }
    return Math.round(Duration.between(from, to).toMillis() / 10.0) / 100.0;
  }

  /** When the release started, as the Canary's status says ({@code releaseStartedAt}), or null. */
  private static Instant releaseStarted(CanaryStatus status) {
    return status == null || status.releaseStartedAt == null
        ? null
        : Instant.parse(status.releaseStartedAt);
  }

  static String iso(Instant i) {
    return i == null ? null : i.toString();
  }

  /** The key figures in one short line (the chart's subtitle). */
  static String summary(ScenarioRun run) {
    Canary canary = run.canary();
    CanaryStatus status = canary == null ? null : canary.getStatus();
    Instant releaseStarted = releaseStarted(status);
    Map<String, Instant> m = run.moments;
    List<String> parts = new ArrayList<>();
    if ("promoted".equals(run.outcome)) {
      parts.add(
          "100% v2"
              + (run.routes.size() > 1 ? " on both routes " : " ")
              + fmt(seconds(releaseStarted, m.get("route100v2")))
              + " s after the release started");
      parts.add(
          "v1 retired "
              + fmt(seconds(m.get("route100v2"), m.get("helloworld-v1Deleted")))
              + " s later");
    } else if (run.scenario() == Scenario.ALERT && run.alertPath() != null) {
      AlertPath a = run.alertPath();
      if (rolledBackByTheAlert(run)) {
        parts.add(
            "v2 bad → alert firing "
                + fmt(seconds(m.get("turnedBad"), a.prometheusActiveAt))
                + " s → route written "
                + msText(a.prometheusActiveAt, a.sluiceWrittenAt)
                + " ms later (webhook → write "
                + fmt1(a.sluiceReactionMs)
                + " ms); "
                + (Boolean.TRUE.equals(
                        gates(run, run.canary()).get("gatesAloneHadNotFailedAtTheRollback"))
                    ? "no gate had failed"
                    : "a gate had failed too"));
      } else {
        parts.add("NOT rolled back by the alert");
      }
    } else if (m.get("turnedBad") != null && m.get("route100v1") != null) {
      Instant sluiceFail = m.get("firstFailingEvaluation");
      Instant detected =
          earliest(run.probe() == null ? null : run.probe().firstFailAt(), sluiceFail);
      parts.add(
          "v2 bad → 100% v1"
              + (run.routes.size() > 1 ? " on both routes in " : " in ")
              + fmt(seconds(m.get("turnedBad"), m.get("route100v1")))
              + " s (Prometheus "
              + fmt(seconds(m.get("turnedBad"), detected))
              + " s + Sluice "
              + fmt(seconds(detected, m.get("route100v1")))
              + " s)");
    } else {
      parts.add(String.valueOf(run.outcome));
    }
    if (run.load != null) {
      parts.add(
          run.load.sent()
              + " requests, "
              + run.load.injectedErrors()
              + " injected 5xx, "
              + run.load.lost()
              + " lost");
    }
    return String.join(" · ", parts);
  }

  /** Steps the canary went through (distinct weights above 0% that the mesh routed by). */
  /** The weights v2 was given, in order (the promotion's 100 included). */
  private static List<Integer> weights(ScenarioRun run) {
    return run.route.stream().map(p -> p.weight("v2")).filter(w -> w > 0).distinct().toList();
  }

  /** The scenario's last line in the terminal. */
  static String finalLine(ScenarioRun run) {
    StringBuilder b = new StringBuilder();
    String id = run.scenario().id();
    Canary canary = run.canary();
    CanaryStatus status = canary == null ? null : canary.getStatus();
    Instant releaseStarted = releaseStarted(status);
    Map<String, Instant> m = run.moments;
    if ("promoted".equals(run.outcome)) {
      b.append(
          String.format(
              Locale.ROOT,
              "%s: PROMOTED — v2 at 100%%%s %s s after the release started, weights %s, every"
                  + " step's checks passed; v1 retired (route, subset, Deployment) %s s later.",
              id,
              run.routes.size() > 1 ? " on both routes" : "",
              fmt(seconds(releaseStarted, m.get("route100v2"))),
              weights(run),
              fmt(seconds(m.get("route100v2"), m.get("helloworld-v1Deleted")))));
    } else if ("rolled back".equals(run.outcome)) {
      b.append(
          String.format(
              Locale.ROOT,
              "%s: ROLLED BACK %s s into the release — %s.",
              id,
              fmt(seconds(releaseStarted, m.get("route100v1"))),
              status == null ? "?" : status.rollbackReason));
      Instant bad = m.get("turnedBad");
      Instant stable = m.get("route100v1");
      if (run.scenario() == Scenario.ALERT) {
        b.append(' ').append(alertLine(run));
      } else if (bad != null && stable != null) {
        Instant sluiceFail = m.get("firstFailingEvaluation");
        Instant detected =
            earliest(run.probe() == null ? null : run.probe().firstFailAt(), sluiceFail);
        if (run.routes.size() > 1) {
          List<String> each = new ArrayList<>();
          List<Instant> ats = new ArrayList<>();
          for (String e : run.routes.keySet()) {
            Instant at = m.get("route100v1 " + e);
            ats.add(at);
            each.add("the " + e + "'s at " + fmt(seconds(bad, at)) + " s");
          }
          String apart =
              ats.contains(null)
                  ? "?"
                  : fmt1(
                      ms(
                          ats.stream().min(Instant::compareTo).get(),
                          ats.stream().max(Instant::compareTo).get()));
          b.append(
              String.format(
                  Locale.ROOT,
                  " v2 turned bad → 100%% v1 on both routes in %s s (Prometheus detection %s s,"
                      + " Sluice analysis wait %s s, Sluice route writes %s s; %s, %s ms apart).",
                  fmt(seconds(bad, stable)),
                  fmt(seconds(bad, detected)),
                  fmt(seconds(detected, sluiceFail)),
                  fmt(seconds(sluiceFail, stable)),
                  String.join(", ", each),
                  apart));
        } else {
          b.append(
              String.format(
                  Locale.ROOT,
                  " v2 turned bad → 100%% v1 in %s s (Prometheus detection %s s, Sluice analysis wait %s s, Sluice route write %s s).",
                  fmt(seconds(bad, stable)),
                  fmt(seconds(bad, detected)),
                  fmt(seconds(detected, sluiceFail)),
                  fmt(seconds(sluiceFail, stable))));
        }
      }
    } else {
      b.append(id)
          .append(": ")
          .append(String.valueOf(run.outcome).toUpperCase(Locale.ROOT))
          .append(".");
    }
    if (run.load != null) {
      b.append(
          String.format(
              Locale.ROOT,
              " Requests: %d sent, %d injected errors, %d lost%s.",
              run.load.sent(),
              run.load.injectedErrors(),
              run.load.lost(),
              run.load.lost() == 0 ? "" : " " + run.load.lostByReason()));
    }
    if (status != null && status.candidates != null) {
      // rule 1 holding: the debug build, labelled version: debug as in the guide, is never released
      status.candidates.stream()
          .filter(k -> !Boolean.TRUE.equals(k.candidate))
          .filter(k -> k.deployment != null && k.deployment.endsWith("-debug"))
          .forEach(
              k ->
                  b.append(" ")
                      .append(k.deployment)
                      .append(" (version ")
                      .append(k.version)
                      .append(") not released: ")
                      .append(k.reason)
                      .append('.'));
    }
    if (!run.scenario().expected.equals(run.outcome)) {
      b.append(" EXPECTED: ").append(run.scenario().expected).append('.');
    }
    if (run.scenario().throughGateway()) {
      b.append(routesLines(run));
    }
    b.append(StrategyChecks.line(run));
    if (run.webhooks != null) {
      b.append(run.webhooks.line());
    }
    b.append(sessionsLine(run));
    return b.toString();
  }

  /**
   * The sessions' line: how many, and while the weights moved how many of those answered twice or
   * more saw both versions (without session affinity many do: a request is drawn by weight).
   */
  static String sessionsLine(ScenarioRun run) {
    if (run.load == null) {
      return "";
    }
    SessionReport s = new SessionReport(run.load.sessions().all(), run.stages());
    return String.format(
        Locale.ROOT,
        "%n  sessions: %d %s; while the weights moved, %d of the %d sessions answered twice or"
            + " more saw both versions.",
        run.load.sessions().all().size(),
        s.sessionsByGroup(),
        s.sawBothVersionsWhileWeightsMoved(),
        s.answeredTwiceOrMoreWhileWeightsMoved());
  }

  /**
   * The gateway scenarios: one line per VirtualService (what was stored, when its proxy last
   * changed, what each version served through that entry point), and one on the lockstep.
   */
  static String routesLines(ScenarioRun run) {
    StringBuilder b = new StringBuilder();
    run.managedVirtualServices()
        .forEach(
            (entry, ref) -> {
              List<List<String>> written = weightsWritten(run, entry);
              List<ScenarioRun.RoutePoint> points = run.routes.get(entry);
              b.append(
                  String.format(
                      Locale.ROOT,
                      "%n  %-8s VirtualService %s/%s, route %s: v2 at %s (%d versions stored);"
                          + " last change routed at %s s.",
                      entry,
                      ref.get(0),
                      ref.get(1),
                      ref.get(2),
                      sequence(written),
                      written.size(),
                      points.isEmpty()
                          ? "?"
                          : fmt(seconds(run.startedAt(), points.get(points.size() - 1).at()))));
              if (run.load != null && run.load.entryPoints().contains(entry)) {
                Map<String, Object> counts = run.load.entry(entry);
                List<String> served = new ArrayList<>();
                run.load.byVersionAndStatus(entry).forEach((k, v) -> served.add(k + " ×" + v));
                b.append(
                    String.format(
                        Locale.ROOT,
                        " Requests through the %s: %s sent, answered %s; %s lost.",
                        entry,
                        counts.get("sent"),
                        String.join(" · ", served),
                        counts.get("lost")));
              }
            });
    Map<String, Object> l = lockstep(run);
    if (Boolean.TRUE.equals(l.get("held"))) {
      b.append(
          String.format(
              Locale.ROOT,
              "%n  lockstep: every stored version of the two routes carried the same weights, and"
                  + " their proxies routed by the two writes of each step at most %s ms apart.",
              fmt1((Double) l.get("routedApartMsMax"))));
    } else {
      b.append(
          String.format(
              Locale.ROOT,
              "%n  NOT IN LOCKSTEP: same stored weights %s, same weights as routed %s%s.",
              l.get("sameWeightsInEveryStoredVersion"),
              l.get("sameWeightsAsRouted"),
              l.containsKey("firstDifference") ? "; " + l.get("firstDifference") : ""));
    }
    return b.toString();
  }

  /** The alert scenario's figures in a sentence or two. */
  static String alertLine(ScenarioRun run) {
    AlertPath a = run.alertPath();
    Map<String, Instant> m = run.moments;
    if (a == null) {
      return "";
    }
    if (!rolledBackByTheAlert(run)) {
      return String.format(
          Locale.ROOT,
          "NOT rolled back by the alert%s.",
          a.prometheusActiveAt == null
              ? " (it never fired in Prometheus)"
              : " (it fired in Prometheus "
                  + fmt(seconds(m.get("turnedBad"), a.prometheusActiveAt))
                  + " s after v2 turned bad"
                  + (a.sluiceReactionMs == null ? "; Sluice's metrics show no alert rollback" : "")
                  + ")");
    }
    Map<String, Object> gates = gates(run, run.canary());
    return String.format(
        Locale.ROOT,
        "v2 turned bad → 100%% v1 in %s s: the alert fired in Prometheus after %s s, and %s ms"
            + " later the route was written (Prometheus → Alertmanager %s ms, Alertmanager dispatch"
            + " %s ms, → Sluice's webhook %s ms, Sluice %s ms); the mesh routed by it %s ms"
            + " after. Gates alone: 5xx at most %s (Sluice) / %s (probe) against a %s limit, %s.",
        fmt(seconds(m.get("turnedBad"), m.get("route100v1"))),
        fmt(seconds(m.get("turnedBad"), a.prometheusActiveAt)),
        msText(a.prometheusActiveAt, a.sluiceWrittenAt),
        msText(a.prometheusActiveAt, a.alertmanagerUpdatedAt),
        msText(a.alertmanagerUpdatedAt, a.alertmanagerFlushAt),
        msText(a.alertmanagerFlushAt, a.sluiceReceivedAt),
        fmt1(a.sluiceReactionMs),
        msText(a.sluiceWrittenAt, m.get("route100v1")),
        pct((Double) gates.get("sluiceHighestErrorRatio")),
        pct((Double) gates.get("probeHighestErrorRatio")),
        pct((Double) gates.get("errorRateGateMaxRatio")),
        Boolean.TRUE.equals(gates.get("gatesAloneHadNotFailedAtTheRollback"))
            ? "none failed"
            : "ONE FAILED");
  }

  private static String msText(Instant from, Instant to) {
    return fmt1(ms(from, to));
  }

  private static String fmt1(Double d) {
    return d == null ? "?" : String.format(Locale.ROOT, "%.1f", d);
  }

  static String fmt(Double d) {
    if (d == null) {
      return "?";
    }
    return String.format(Locale.ROOT, Math.abs(d) < 1 ? "%.2f" : "%.1f", d);
  }
}
