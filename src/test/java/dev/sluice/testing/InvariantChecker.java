package dev.sluice.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.rollout.StepPlan;
import dev.sluice.routing.Hosts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The traffic invariants of docs/architecture.md, checked over every version of the
 * VirtualServices, DestinationRules, Deployments and Canaries the API server stored during a run
 * (see {@link History}), replayed in the API server's order: by resourceVersion, which the fabric8
 * mock server (like etcd's revision) counts globally over every object, and not in the order the
 * versions arrived on separate watch streams.
 *
 * <p>A version is <em>Sluice's write</em> when it is a MODIFIED VirtualService or DestinationRule
 * (Sluice never creates or deletes them) whose resourceVersion the test did not declare as its own
 * ({@link Version#external}: a concurrent editor's write). Checked:
 *
 * <ol>
 *   <li><b>weights</b>: every route write by Sluice gives the managed route integer weights in
 *       0..100 that sum to 100 (a lone destination without weight has 100);
 *   <li><b>subsets</b>: no write by Sluice makes a route reference a subset the DestinationRule
 *       does not have at that moment (a route write before its subset, or a subset removed while a
 *       route references it); a subset that gains weight has a ready Deployment;
 *   <li><b>others' routes</b>: a route write by Sluice changes only the managed route's
 *       destinations and the Canary's own routes ({@code sluice/<namespace>/<name>/...}, which may
 *       come and go before the managed route): every other route and field is as in the version
 *       before it (so a concurrent editor's change to another route is never lost), and so is every
 *       Set-Cookie that is not Sluice's on a destination the managed route keeps; positions ({@code
 *       http[N]}) count only routes not named {@code sluice/...}; a DestinationRule write changes
 *       only whole entries of spec.subsets;
 *   <li><b>intent</b>: during a release the route Sluice writes is the one the Canary's status (the
 *       version preceding the write) asks for: the canary joins at 0 while Initializing,
 *       stable/canary at status.weight while Progressing or Paused, the canary alone while
 *       Finalizing; a route write outside a release is a violation;
 *   <li><b>gates</b>: the canary's weight never rises above the highest weight written in this
 *       release unless the Canary version before the write records a passing evaluation
 *       (lastEvaluationAt set and every measurement PASS), or a manual promote; the first step is
 *       exempt (there is nothing to judge before traffic); and it rises only to the next step of
 *       the plan (no step skipped; blue/green's plan is one step, 100); the canary at 0 (the mirror
 *       and A/B stages) is no rise;
 *   <li><b>rollback</b>: a rollback is one route write sending 100% to stable, before the status
 *       records RolledBack; a write by Sluice that takes the canary out of the route is followed by
 *       a rollback status, never by more of the release;
 *   <li><b>end</b>: every release started ends promoted (Succeeded, the canary alone at 100) or
 *       rolled back (RolledBack, stable at 100); one that ends otherwise is a lost release;
 *   <li><b>candidates</b>: a release that starts by itself (no targetVersion naming it) is of a
 *       version that no route of any kind, no mirror, in any VirtualService of any namespace sends
 *       traffic to, but the managed route's own destinations: neither its subset by name nor a
 *       subset whose labels select its Deployment's pods;
 *   <li><b>retirement</b>: a subset leaves a DestinationRule only while no VirtualService of any
 *       namespace references it (for that host), and a Deployment is deleted only while no
 *       VirtualService routes to a subset that selects its pods;
 *   <li><b>one owner</b>: two Canaries of one namespace that name the same app or VirtualService
 *       never have releases under way at the same time;
 *   <li><b>Sluice's additions</b> (issue 18; {@link OwnedRouteRules}): the Canary's own routes are
 *       well formed and sit immediately before a managed route; Sluice's mirror to the canary is on
 *       a managed route only while it sends 100% to stable and 0 to the canary (any other mirror is
 *       kept: see others' routes); these and Sluice's Set-Cookie headers on the managed routes'
 *       destinations exist only while the release runs: never in a write outside a release, nor in
 *       the write that rolls back or promotes, nor left when the status records RolledBack or
 *       Succeeded.
 * </ol>
 */
public final class InvariantChecker {

  /**
   * One stored version of an object.
   *
   * @param kind VirtualService, DestinationRule, Deployment or Canary
   * @param action ADDED, MODIFIED or DELETED (as the watch said)
   * @param order the API server's order: the resourceVersion (DELETED: see {@link History})
   * @param object the object as stored
   * @param external written by the test itself (a concurrent editor), not by Sluice
   */
  public record Version(
      String kind, String action, double order, JsonNode object, boolean external) {
    String namespace() {
      return object.path("metadata").path("namespace").asText();
    }

    String name() {
      return object.path("metadata").path("name").asText();
    }

    String key() {
      return namespace() + "/" + name();
    }

    boolean sluiceWrite() {
      return !external
          && action.equals("MODIFIED")
          && (kind.equals("VirtualService") || kind.equals("DestinationRule"));
    }
  }

  /** What was checked and what was found. */
  public record Report(
      List<String> violations,
      int versions,
      int routeWrites,
      int subsetWrites,
      int externalWrites,
      int releasesStarted,
      int promoted,
      int rolledBack,
      List<String> lost,
      Map<String, List<List<String>>> routeWritesByRelease) {

    public int releasesLost() {
      return lost.size();
    }

    @Override
    public String toString() {
      return String.format(
          "%d versions checked: %d route writes and %d DestinationRule writes by Sluice, %d by"
              + " others; %d releases started, %d promoted, %d rolled back, %d lost; %d"
              + " violations%s",
          versions,
          routeWrites,
          subsetWrites,
          externalWrites,
          releasesStarted,
          promoted,
          rolledBack,
          lost.size(),
          violations.size(),
          violations.isEmpty() ? "" : ":\n  " + String.join("\n  ", violations));
    }
  }

  /** One release as the Canary's status tells it. */
  private static final class Release {
    final String canaryKey;
    final String started;
    final String stable;
    final String canary;
    final List<Integer> plan;
    int maxWritten = -1;
    boolean ended;
    final List<List<String>> writes = new ArrayList<>();

    Release(String canaryKey, String started, String stable, String canary, List<Integer> plan) {
      this.canaryKey = canaryKey;
      this.started = started;
      this.stable = stable;
      this.canary = canary;
      this.plan = plan;
    }

    String id() {
      return canaryKey + " " + stable + "->" + canary + " (started " + started + ")";
    }
  }

  private final Map<String, JsonNode> virtualServices = new HashMap<>();
  private final Map<String, JsonNode> destinationRules = new HashMap<>();
  private final Map<String, JsonNode> deployments = new HashMap<>();
  private final Map<String, JsonNode> canaries = new HashMap<>();
  private final Map<String, Release> releases = new HashMap<>();
  private final Map<String, Double> lastCanaryOrder = new HashMap<>();
  private final Map<String, List<Version>> sluiceRouteWritesSinceStatus = new HashMap<>();
  private final Map<String, Boolean> canaryTakenOut = new HashMap<>();
  private final List<String> violations = new ArrayList<>();
  private final List<String> lost = new ArrayList<>();
  private final Map<String, List<List<String>>> byRelease = new LinkedHashMap<>();
  private int routeWrites;
  private int subsetWrites;
  private int externalWrites;
  private int started;
  private int promoted;
  private int rolledBack;

  private InvariantChecker() {}

  /** Replays {@code versions} in the API server's order and checks every invariant. */
  public static Report check(List<Version> versions) {
    InvariantChecker c = new InvariantChecker();
    List<Version> ordered = new ArrayList<>(dedupe(versions));
    ordered.sort(Comparator.comparingDouble(Version::order));
    for (Version v : ordered) {
      c.apply(v);
    }
    c.finish();
    return new Report(
        List.copyOf(c.violations),
        ordered.size(),
        c.routeWrites,
        c.subsetWrites,
        c.externalWrites,
        c.started,
        c.promoted,
        c.rolledBack,
        List.copyOf(c.lost),
        c.byRelease);
  }

  /** A version delivered twice (a watch that restarted) counts once. */
  private static List<Version> dedupe(List<Version> versions) {
    Map<String, Version> seen = new LinkedHashMap<>();
    for (Version v : versions) {
      seen.putIfAbsent(v.kind() + " " + v.action() + " " + v.key() + " " + v.order(), v);
    }
    return new ArrayList<>(seen.values());
  }

  private void violation(Version v, String what) {
    violations.add(
        v.kind()
            + " "
            + v.key()
            + " @"
            + rv(v)
            + (v.external() ? " (external)" : "")
            + ": "
            + what);
  }

  private static String rv(Version v) {
    return v.object().path("metadata").path("resourceVersion").asText("?");
  }

  private void apply(Version v) {
    if (v.external() && !v.action().equals("ADDED")) {
      externalWrites++;
    }
    switch (v.kind()) {
      case "Canary" -> canary(v);
      case "VirtualService" -> virtualService(v);
      case "DestinationRule" -> destinationRule(v);
      case "Deployment" -> {
        if (v.action().equals("DELETED")) {
          checkDeploymentRetired(v);
          deployments.remove(v.key());
        } else {
          deployments.put(v.key(), v.object());
        }
      }
      default -> throw new IllegalArgumentException("unknown kind " + v.kind());
    }
  }

  // ---- Canaries: releases start and end ------------------------------------------------------

  private void canary(Version v) {
    String key = v.key();
    if (v.action().equals("DELETED")) {
      canaries.remove(key);
      return;
    }
    canaries.put(key, v.object());
    JsonNode st = v.object().path("status");
    String phase = st.path("phase").asText("");
    String startedAt = text(st, "releaseStartedAt");
    Release r = releases.get(key);
    List<Version> writes = sluiceRouteWritesSinceStatus.getOrDefault(key, List.of());
    boolean releasing =
        Set.of("Initializing", "Progressing", "Paused", "Finalizing").contains(phase);
    if (Boolean.TRUE.equals(canaryTakenOut.get(key))
        && releasing
        && r != null
        && Objects.equals(r.started, startedAt)) {
      violation(
          v, "Sluice took the canary out of the route, yet the release went on (" + phase + ")");
    }
    canaryTakenOut.remove(key);
    if (releasing && startedAt != null && (r == null || !startedAt.equals(r.started))) {
      if (r != null && !r.ended) {
        lostRelease(r, "replaced by a new release while " + phase);
      }
      r =
          new Release(
              key,
              startedAt,
              text(st, "stableVersion"),
              text(st, "canaryVersion"),
              plan(v.object().path("spec")));
      releases.put(key, r);
      byRelease.put(r.id(), r.writes);
      started++;
      checkCandidate(v, r.canary);
    }
    if (releasing || phase.equals("RollingBack")) {
      checkOneOwner(v);
    }
    if (r != null && !r.ended && Objects.equals(r.started, startedAt)) {
      if (phase.equals("Succeeded") || phase.equals("RolledBack")) {
        checkNothingAddedLeft(v, r, phase);
      }
      if (phase.equals("Succeeded")) {
        r.ended = true;
        promoted++;
        for (Managed m : managedOf(v.object())) {
          JsonNode route = managedRouteOf(m);
          Map<String, Integer> w = route == null ? null : weights(route);
          if (w == null || !w.equals(Map.of(r.canary, 100))) {
            violation(v, "Succeeded recorded while the managed route of " + m + " is " + w);
          }
        }
      } else if (phase.equals("RolledBack")) {
        r.ended = true;
        rolledBack++;
        String stable = r.stable;
        for (Managed m : managedOf(v.object())) {
          if (!virtualServices.containsKey(m.vs())) {
            continue; // gone: it carries no traffic
          }
          JsonNode route = managedRouteOf(m);
          Map<String, Integer> w = route == null ? null : weights(route);
          if (w == null
              || w.getOrDefault(stable, 0) != 100
              || w.entrySet().stream()
                  .anyMatch(e -> !e.getKey().equals(stable) && e.getValue() != 0)) {
            violation(v, "RolledBack recorded while the managed route of " + m + " is " + w);
          }
        }
        // the writes from the first that took the canary out: the rollback, one write per
        // VirtualService
        List<Version> rollback = new ArrayList<>();
        for (Version w2 : writes) {
          if (!rollback.isEmpty() || takesCanaryOut(w2, r)) {
            rollback.add(w2);
          }
        }
        Map<String, List<Version>> byVs = new LinkedHashMap<>();
        rollback.forEach(w2 -> byVs.computeIfAbsent(w2.key(), k -> new ArrayList<>()).add(w2));
        byVs.forEach(
            (vs, list) -> {
              if (list.size() > 1) {
                violation(
                    v,
                    "the rollback took "
                        + list.size()
                        + " writes of VirtualService "
                        + vs
                        + " ("
                        + list.stream().map(this::describeRoute).toList()
                        + "), not one");
              }
            });
      }
    }
    sluiceRouteWritesSinceStatus.put(key, new ArrayList<>());
    lastCanaryOrder.put(key, v.order());
  }

  /** When a release ends, no VirtualService it manages keeps what Sluice added for it. */
  private void checkNothingAddedLeft(Version v, Release r, String phase) {
    OwnedRouteRules.Owner owner = OwnedRouteRules.Owner.of(v.object(), r.stable, r.canary);
    Set<String> seen = new LinkedHashSet<>();
    for (Managed m : managedOf(v.object())) {
      JsonNode vs = virtualServices.get(m.vs());
      if (vs != null && seen.add(m.vs())) {
        List<JsonNode> managed = new ArrayList<>();
        for (Managed n : managedOf(v.object())) {
          JsonNode route = n.vs().equals(m.vs()) ? managedRoute(vs, n.route()) : null;
          if (route != null) {
            managed.add(route);
          }
        }
        List<String> added = OwnedRouteRules.additions(vs, owner, managed);
        if (!added.isEmpty()) {
          violation(v, phase + " recorded while " + m.vs() + " still has Sluice's " + added);
        }
      }
    }
  }

  /**
   * The canary's weight at each step of the release, as the daemon numbers the steps: 0 for a
   * mirror stage and for a match stage (A/B, or blue/green's preview), then the weights
   * (blue/green: one switch to 100; an explicitly empty steps list after a stage: none).
   */
  private static List<Integer> plan(JsonNode spec) {
    List<Integer> plan = new ArrayList<>();
    if (spec.path("mirror").isObject()) {
      plan.add(0);
    }
    if (spec.path("blueGreen").isObject()) {
      plan.add(0);
      plan.add(100); // after the preview, one switch
      return plan;
    }
    if (spec.path("match").isArray()) {
      plan.add(0);
    }
    List<Integer> steps = new ArrayList<>();
    spec.path("steps").forEach(s -> steps.add(s.asInt()));
    if (spec.path("steps").isArray() && steps.isEmpty() && !plan.isEmpty()) {
      return plan;
    }
    try {
      plan.addAll(
          StepPlan.of(spec.path("stepWeight").asInt(10), spec.path("maxWeight").asInt(100), steps));
      return plan;
    } catch (IllegalArgumentException e) {
      return List.of();
    }
  }

  private void lostRelease(Release r, String why) {
    r.ended = true;
    lost.add(r.id() + ": " + why);
  }

  private void finish() {
    for (Release r : releases.values()) {
      if (!r.ended) {
        JsonNode c = canaries.get(r.canaryKey);
        String phase = c == null ? "deleted" : c.path("status").path("phase").asText();
        lostRelease(r, "ended neither promoted nor rolled back; last phase " + phase);
        violations.add(
            "Canary " + r.canaryKey + ": release " + r.id() + " did not end (phase " + phase + ")");
      }
    }
  }

  // ---- VirtualServices ------------------------------------------------------------------------

  private void virtualService(Version v) {
    String key = v.key();
    if (v.action().equals("DELETED")) {
      virtualServices.remove(key);
      return;
    }
    JsonNode before = virtualServices.put(key, v.object());
    if (!v.sluiceWrite()) {
      return;
    }
    routeWrites++;
    JsonNode canary = managingCanary(key);
    List<String> routeNames = canary == null ? nullList() : routesIn(canary, key);
    if (before != null) {
      JsonNode rest = withoutManagedRoutes(v.object(), routeNames, canary);
      JsonNode restBefore = withoutManagedRoutes(before, routeNames, canary);
      if (!rest.equals(restBefore)) {
        violation(
            v,
            "changed more than the managed routes' destinations: "
                + firstDifference(restBefore, rest, ""));
      }
      for (String routeName : routeNames) {
        JsonNode was = managedRoute(before, routeName);
        JsonNode now = managedRoute(v.object(), routeName);
        if (was != null && now != null) {
          OwnedRouteRules.othersCookieChanges(was, now).forEach(m -> violation(v, m));
        }
      }
    }
    checkDangling(v, before, v.object(), destinationRuleFor(canary));
    String ckey = canary == null ? null : key(canary);
    if (ckey != null) {
      sluiceRouteWritesSinceStatus.computeIfAbsent(ckey, k -> new ArrayList<>()).add(v);
    }
    for (String routeName : routeNames) {
      JsonNode route = managedRoute(v.object(), routeName);
      if (route == null) {
        violation(v, "Sluice wrote a VirtualService without its managed route " + routeName);
        continue;
      }
      Map<String, Integer> w = checkWeights(v, route);
      if (canary == null || w == null) {
        continue;
      }
      checkReadiness(v, canary, before == null ? null : managedRoute(before, routeName), w);
      checkIntent(v, ckey, canary, w);
    }
    if (canary != null) {
      checkAdditions(v, canary, routeNames);
    }
  }

  private static final Set<String> RUNNING =
      Set.of("Initializing", "Progressing", "Paused", "Finalizing", "RollingBack", "Failed");

  /**
   * What a write of Sluice's adds besides the managed routes' weights (the Canary's own routes,
   * Sluice's mirror and cookies) obeys {@link OwnedRouteRules}, and exists only while the release
   * runs: none in a write outside a release, none in the write that rolls back or promotes.
   */
  private void checkAdditions(Version v, JsonNode canary, List<String> routeNames) {
    OwnedRouteRules.Owner owner = OwnedRouteRules.Owner.of(canary);
    Set<Integer> managedHttp = new LinkedHashSet<>();
    List<JsonNode> managed = new ArrayList<>();
    for (String routeName : routeNames) {
      Located at = locate(v.object(), routeName);
      if (at != null) {
        if (at.kind().equals("http")) {
          managedHttp.add(at.index());
        }
        managed.add(v.object().path("spec").path(at.kind()).get(at.index()));
      }
    }
    String phase = canary.path("status").path("phase").asText("");
    OwnedRouteRules.checkWrite(
            v.object(), owner, managedHttp, managed, phase, RUNNING.contains(phase))
        .forEach(m -> violation(v, m));
  }

  private Map<String, Integer> checkWeights(Version v, JsonNode route) {
    JsonNode list = route.path("route");
    if (!list.isArray() || list.isEmpty()) {
      violation(v, "the managed route has no destinations");
      return null;
    }
    Map<String, Integer> out = new LinkedHashMap<>();
    int sum = 0;
    for (JsonNode entry : list) {
      String subset = entry.path("destination").path("subset").asText("");
      JsonNode weight = entry.get("weight");
      int value;
      if (weight == null || weight.isNull()) {
        if (list.size() != 1) {
          violation(v, "destination " + subset + " has no weight beside others");
          return null;
        }
        value = 100;
      } else if (!weight.isIntegralNumber() || !weight.canConvertToInt()) {
        violation(v, "destination " + subset + " has weight " + weight + ", not an integer");
        return null;
      } else {
        value = weight.intValue();
      }
      if (value < 0 || value > 100) {
        violation(v, "destination " + subset + " has weight " + value + ", outside 0..100");
      }
      if (out.put(subset, value) != null) {
        violation(v, "subset " + subset + " named twice in the managed route");
      }
      sum += value;
    }
    if (sum != 100) {
      violation(v, "the managed route's weights " + out + " sum to " + sum + ", not 100");
    }
    return out;
  }

  private void checkReadiness(
      Version v, JsonNode canary, JsonNode routeBefore, Map<String, Integer> w) {
    Map<String, Integer> was = routeBefore == null ? Map.of() : weightsOrEmpty(routeBefore);
    String app = canary.path("spec").path("app").asText();
    String label = canary.path("spec").path("versionLabel").asText("version");
    for (Map.Entry<String, Integer> e : w.entrySet()) {
      if (e.getValue() > 0 && was.getOrDefault(e.getKey(), 0) == 0) {
        boolean ready =
            deployments.values().stream()
                .filter(
                    d ->
                        d.path("metadata")
                            .path("namespace")
                            .asText()
                            .equals(canary.path("metadata").path("namespace").asText()))
                .filter(d -> app.equals(d.path("metadata").path("labels").path("app").asText()))
                .filter(
                    d -> e.getKey().equals(d.path("metadata").path("labels").path(label).asText()))
                .anyMatch(d -> d.path("status").path("readyReplicas").asInt(0) > 0);
        if (!ready) {
          violation(v, "subset " + e.getKey() + " got traffic without a ready Deployment");
        }
      }
    }
  }

  private void checkIntent(Version v, String ckey, JsonNode canary, Map<String, Integer> w) {
    JsonNode st = canary.path("status");
    String phase = st.path("phase").asText("");
    String stable = text(st, "stableVersion");
    String cv = text(st, "canaryVersion");
    Release r = releases.get(ckey);
    boolean open = r != null && !r.ended && Objects.equals(r.started, text(st, "releaseStartedAt"));
    if (open) {
      r.writes.add(describe(w));
    }
    Integer canaryWeight = cv == null ? null : w.get(cv);
    boolean allStable = stable != null && w.getOrDefault(stable, 0) == 100 && canaryWeight == null;
    switch (phase) {
      case "Initializing" -> {
        if (allStable) {
          canaryTakenOut.put(ckey, true);
        } else if (!w.equals(Map.of(stable, 100, cv, 0))) {
          violation(v, "while Initializing the canary joins at 0; Sluice wrote " + w);
        }
      }
      case "Progressing", "Paused" -> {
        if (allStable) {
          canaryTakenOut.put(ckey, true); // a rollback write: its status follows
          return;
        }
        int recorded = st.path("weight").asInt(-1);
        if (!w.equals(Map.of(stable, 100 - recorded, cv, recorded))) {
          violation(
              v,
              "the route written "
                  + w
                  + " is not the one the status recorded before it ("
                  + stable
                  + " "
                  + (100 - recorded)
                  + ", "
                  + cv
                  + " "
                  + recorded
                  + ")");
        }
        if (open && canaryWeight != null) {
          checkIncrease(v, r, st, canaryWeight);
        }
      }
      case "Finalizing" -> {
        if (!w.equals(Map.of(cv, 100))) {
          violation(v, "while Finalizing the canary takes 100% alone; Sluice wrote " + w);
        }
        if (open && canaryWeight != null) {
          checkIncrease(v, r, st, canaryWeight);
        }
      }
      case "RollingBack", "Failed" -> {
        if (!allStable) {
          violation(v, "a rollback under way writes 100% stable; Sluice wrote " + w);
        }
      }
      default -> violation(v, "route written outside a release (phase " + phase + "): " + w);
    }
  }

  private void checkIncrease(Version v, Release r, JsonNode st, int weight) {
    if (weight <= r.maxWritten || weight == 0) {
      return; // 0 is no traffic: the mirror and A/B stages hold the canary there while Progressing
    }
    String phase = st.path("phase").asText();
    int step = st.path("step").asInt(-1);
    boolean promotedByHand =
        "promote".equals(st.path("lastAction").path("action").asText())
            && st.path("lastAction").path("at").asText("").compareTo(r.started) >= 0;
    boolean firstStep = phase.equals("Progressing") && step == 0;
    if (!firstStep && !promotedByHand && !passed(st)) {
      violation(
          v,
          "the canary's weight rose from "
              + Math.max(r.maxWritten, 0)
              + " to "
              + weight
              + " without a passing evaluation recorded before it (lastEvaluationAt "
              + text(st, "lastEvaluationAt")
              + ", measurements "
              + outcomes(st)
              + ")");
    }
    if (phase.equals("Progressing") || phase.equals("Paused")) {
      int expected = step >= 0 && step < r.plan.size() ? r.plan.get(step) : -1;
      int previousIndex = r.plan.indexOf(r.maxWritten);
      boolean next =
          r.maxWritten <= 0
              ? step == r.plan.lastIndexOf(0) + 1
              : previousIndex >= 0 && step == previousIndex + 1;
      if (weight != expected || !next) {
        violation(
            v,
            "step skipped: the canary went from "
                + Math.max(r.maxWritten, 0)
                + " to "
                + weight
                + " (plan "
                + r.plan
                + ", step "
                + step
                + ")");
      }
    }
    r.maxWritten = weight;
  }

  private static boolean passed(JsonNode st) {
    if (text(st, "lastEvaluationAt") == null) {
      return false;
    }
    for (JsonNode m : st.path("measurements")) {
      if (!"PASS".equals(m.path("outcome").asText())) {
        return false;
      }
    }
    return true;
  }

  private static List<String> outcomes(JsonNode st) {
    List<String> out = new ArrayList<>();
    st.path("measurements").forEach(m -> out.add(m.path("outcome").asText()));
    return out;
  }

  // ---- DestinationRules -----------------------------------------------------------------------

  private void destinationRule(Version v) {
    String key = v.key();
    if (v.action().equals("DELETED")) {
      destinationRules.remove(key);
      return;
    }
    JsonNode before = destinationRules.put(key, v.object());
    if (!v.sluiceWrite()) {
      return;
    }
    subsetWrites++;
    if (before != null) {
      ObjectNode a = stripped(before);
      ObjectNode b = stripped(v.object());
      ((ObjectNode) a.path("spec")).remove("subsets");
      ((ObjectNode) b.path("spec")).remove("subsets");
      if (!a.equals(b)) {
        violation(v, "changed more than spec.subsets: " + firstDifference(a, b, ""));
      }
      Map<String, JsonNode> old = subsetsByName(before);
      for (Map.Entry<String, JsonNode> e : subsetsByName(v.object()).entrySet()) {
        if (old.containsKey(e.getKey()) && !old.get(e.getKey()).equals(e.getValue())) {
          violation(v, "subset " + e.getKey() + " was rewritten");
        }
      }
    }
    if (before != null) {
      Set<String> removed = new LinkedHashSet<>(subsetsByName(before).keySet());
      removed.removeAll(subsetsByName(v.object()).keySet());
      String host = ruleHost(v.object());
      for (String subset : removed) {
        List<String> holders = referencesTo(host, subset, Set.of());
        if (!holders.isEmpty()) {
          violation(v, "subset " + subset + " removed while " + holders + " reference it");
        }
      }
    }
    // every VirtualService a Canary pairs with this DestinationRule
    for (JsonNode canary : canaries.values()) {
      if (canary.path("metadata").path("namespace").asText().equals(v.namespace())
          && v.name().equals(canary.path("spec").path("destinationRule").path("name").asText())) {
        for (Managed m : managedOf(canary)) {
          JsonNode vs = virtualServices.get(m.vs());
          if (vs != null) {
            Set<String> danglingBefore = dangling(vs, before);
            Set<String> danglingAfter = dangling(vs, v.object());
            danglingAfter.removeAll(danglingBefore);
            if (!danglingAfter.isEmpty()) {
              violation(v, "subsets " + danglingAfter + " removed while a route references them");
            }
          }
        }
      }
    }
  }

  private void checkDangling(Version v, JsonNode vsBefore, JsonNode vsAfter, JsonNode dr) {
    if (dr == null) {
      return;
    }
    Set<String> now = dangling(vsAfter, dr);
    if (vsBefore != null) {
      now.removeAll(dangling(vsBefore, dr));
    }
    if (!now.isEmpty()) {
      violation(v, "routes reference subsets " + now + " the DestinationRule does not have");
    }
  }

  private static Set<String> dangling(JsonNode vs, JsonNode dr) {
    Set<String> referenced = referencedSubsets(vs);
    if (dr == null) {
      return referenced;
    }
    referenced.removeAll(subsetsByName(dr).keySet());
    return referenced;
  }

  /** Every subset any route of the VirtualService names: HTTP, TCP, TLS routes and mirrors. */
  static Set<String> referencedSubsets(JsonNode vs) {
    Set<String> out = new LinkedHashSet<>();
    JsonNode spec = vs.path("spec");
    for (String kind : List.of("http", "tcp", "tls")) {
      for (JsonNode route : spec.path(kind)) {
        for (JsonNode entry : route.path("route")) {
          add(out, entry.path("destination"));
        }
        add(out, route.path("mirror"));
        for (JsonNode m : route.path("mirrors")) {
          add(out, m.path("destination"));
        }
      }
    }
    return out;
  }

  private static void add(Set<String> out, JsonNode destination) {
    String s = destination.path("subset").asText("");
    if (!s.isEmpty()) {
      out.add(s);
    }
  }

  private static Map<String, JsonNode> subsetsByName(JsonNode dr) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (JsonNode s : dr.path("spec").path("subsets")) {
      out.put(s.path("name").asText(), s);
    }
    return out;
  }

  // ---- the whole mesh: candidates, retirement, ownership ---------------------------------------

  private static String ruleHost(JsonNode dr) {
    return Hosts.key(
        dr.path("spec").path("host").asText(null), dr.path("metadata").path("namespace").asText());
  }

  /**
   * Where any VirtualService sends traffic to {@code subset} of {@code host} (a DestinationRule's
   * host key), but the destinations of the {@code managed} routes ({@code vs kind[index]}).
   */
  private List<String> referencesTo(String host, String subset, Set<String> managed) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : virtualServices.entrySet()) {
      JsonNode spec = e.getValue().path("spec");
      String ns = e.getValue().path("metadata").path("namespace").asText();
      for (String kind : List.of("http", "tcp", "tls")) {
        JsonNode routes = spec.path(kind);
        for (int i = 0; i < routes.size(); i++) {
          JsonNode route = routes.get(i);
          String where = e.getKey() + " " + kind + "[" + i + "]";
          boolean managedRoute = managed.contains(e.getKey() + " " + kind + "[" + i + "]");
          if (!managedRoute) {
            for (JsonNode entry : route.path("route")) {
              collect(out, where, entry.path("destination"), ns, host, subset);
            }
          }
          collect(out, where + " mirror", route.path("mirror"), ns, host, subset);
          for (JsonNode m : route.path("mirrors")) {
            collect(out, where + " mirror", m.path("destination"), ns, host, subset);
          }
        }
      }
    }
    return out;
  }

  private static void collect(
      List<String> out, String where, JsonNode dest, String ns, String host, String subset) {
    if (subset.equals(dest.path("subset").asText(""))
        && (host == null || Hosts.covers(host, Hosts.key(dest.path("host").asText(null), ns)))) {
      out.add(where);
    }
  }

  /**
   * The subsets of DestinationRules in {@code d}'s namespace that send traffic to its pods, by
   * rule: the one named after its version, and those whose labels select its pods.
   */
  private Map<JsonNode, List<String>> subsetsSelecting(JsonNode d, String versionLabel) {
    Map<JsonNode, List<String>> out = new LinkedHashMap<>();
    String ns = d.path("metadata").path("namespace").asText();
    JsonNode pod = d.path("spec").path("template").path("metadata").path("labels");
    String version = d.path("metadata").path("labels").path(versionLabel).asText(null);
    for (JsonNode dr : destinationRules.values()) {
      if (!dr.path("metadata").path("namespace").asText().equals(ns)) {
        continue;
      }
      if (version != null) {
        // the subset named after its version, whether the rule still has it or not
        out.computeIfAbsent(dr, k -> new ArrayList<>()).add(version);
      }
      for (JsonNode subset : dr.path("spec").path("subsets")) {
        JsonNode labels = subset.path("labels");
        boolean selects = labels.size() > 0;
        for (var it = labels.fields(); it.hasNext(); ) {
          var l = it.next();
          selects &= l.getValue().asText().equals(pod.path(l.getKey()).asText(null));
        }
        String name = subset.path("name").asText();
        if (selects && !name.equals(version)) {
          out.computeIfAbsent(dr, k -> new ArrayList<>()).add(name);
        }
      }
    }
    return out;
  }

  private void checkCandidate(Version v, String version) {
    JsonNode canary = v.object();
    if (version == null || version.equals(text(canary.path("spec"), "targetVersion"))) {
      return; // the user's own word
    }
    String ns = v.namespace();
    String label = canary.path("spec").path("versionLabel").asText("version");
    String app = canary.path("spec").path("app").asText();
    Set<String> managed = new LinkedHashSet<>();
    for (Managed m : managedOf(canary)) {
      JsonNode vs = virtualServices.get(m.vs());
      Located at = vs == null ? null : locate(vs, m.route());
      if (at != null) {
        managed.add(m.vs() + " " + at.kind() + "[" + at.index() + "]");
      }
    }
    JsonNode dr = destinationRuleFor(canary);
    String host = dr == null ? null : ruleHost(dr);
    Set<String> subsets = new LinkedHashSet<>(Set.of(version));
    for (JsonNode d : deployments.values()) {
      if (d.path("metadata").path("namespace").asText().equals(ns)
          && app.equals(d.path("metadata").path("labels").path("app").asText())
          && version.equals(d.path("metadata").path("labels").path(label).asText())) {
        subsetsSelecting(d, label).getOrDefault(dr, List.of()).forEach(subsets::add);
      }
    }
    for (String subset : subsets) {
      List<String> holders = referencesTo(host, subset, managed);
      if (!holders.isEmpty()) {
        violation(
            v,
            "a release of "
                + version
                + " started by itself while "
                + holders
                + " send traffic to its subset "
                + subset);
      }
    }
  }

  private void checkDeploymentRetired(Version v) {
    JsonNode d = v.object();
    for (Map.Entry<JsonNode, List<String>> e : subsetsSelecting(d, "version").entrySet()) {
      String host = ruleHost(e.getKey());
      for (String subset : e.getValue()) {
        List<String> holders = referencesTo(host, subset, Set.of());
        if (!holders.isEmpty()) {
          violation(
              v, "deleted while " + holders + " route to subset " + subset + ", which selects it");
        }
      }
    }
  }

  private void checkOneOwner(Version v) {
    JsonNode self = v.object();
    for (JsonNode other : canaries.values()) {
      boolean sameNamespace =
          other.path("metadata").path("namespace").asText().equals(v.namespace());
      if (other == self
          || (sameNamespace && other.path("metadata").path("name").asText().equals(v.name()))) {
        continue;
      }
      boolean sameApp =
          sameNamespace
              && self.path("spec")
                  .path("app")
                  .asText()
                  .equals(other.path("spec").path("app").asText());
      boolean sameVs = managedOf(self).stream().anyMatch(managedOf(other)::contains);
      String phase = other.path("status").path("phase").asText("");
      boolean releasing =
          Set.of("Initializing", "Progressing", "Paused", "Finalizing", "RollingBack")
              .contains(phase);
      if ((sameApp || sameVs) && releasing) {
        violation(
            v,
            "releases while Canary "
                + other.path("metadata").path("name").asText()
                + " ("
                + phase
                + ") releases the same "
                + (sameApp ? "app" : "VirtualService"));
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /**
   * A route a Canary manages: its VirtualService ({@code namespace/name}) and the route as named.
   */
  private record Managed(String vs, String route) {
    @Override
    public String toString() {
      return vs + (route == null ? "" : " route " + route);
    }
  }

  /** The routes {@code canary} manages: {@code virtualServices}, or the {@code virtualService}. */
  private static List<Managed> managedOf(JsonNode canary) {
    String ns = canary.path("metadata").path("namespace").asText();
    JsonNode spec = canary.path("spec");
    List<JsonNode> refs = new ArrayList<>();
    if (spec.path("virtualServices").isArray() && !spec.path("virtualServices").isEmpty()) {
      spec.path("virtualServices").forEach(refs::add);
    } else if (spec.has("virtualService")) {
      refs.add(spec.path("virtualService"));
    }
    List<Managed> out = new ArrayList<>();
    for (JsonNode ref : refs) {
      String namespace = text(ref, "namespace");
      out.add(
          new Managed(
              (namespace == null ? ns : namespace) + "/" + ref.path("name").asText(),
              text(ref, "route")));
    }
    return out;
  }

  private static String key(JsonNode o) {
    return o.path("metadata").path("namespace").asText()
        + "/"
        + o.path("metadata").path("name").asText();
  }

  /**
   * The Canary that manages a route of VirtualService {@code vs} ({@code namespace/name}): of
   * several, the one Sluice did not refuse as a Conflict.
   */
  private JsonNode managingCanary(String vs) {
    JsonNode found = null;
    for (JsonNode c : canaries.values()) {
      if (managedOf(c).stream().anyMatch(m -> m.vs().equals(vs))) {
        if (found == null || conflicted(found)) {
          found = c;
        }
      }
    }
    return found;
  }

  /** The routes of {@code vs} that {@code canary} manages, as it names them (null: default). */
  private static List<String> routesIn(JsonNode canary, String vs) {
    List<String> out = new ArrayList<>();
    for (Managed m : managedOf(canary)) {
      if (m.vs().equals(vs)) {
        out.add(m.route());
      }
    }
    return out;
  }

  private static List<String> nullList() {
    List<String> one = new ArrayList<>();
    one.add(null);
    return one;
  }

  private static boolean conflicted(JsonNode canary) {
    for (JsonNode c : canary.path("status").path("conditions")) {
      if ("Ready".equals(c.path("type").asText()) && "Conflict".equals(c.path("reason").asText())) {
        return true;
      }
    }
    return false;
  }

  private JsonNode destinationRuleFor(JsonNode canary) {
    if (canary == null) {
      return null;
    }
    return destinationRules.get(
        canary.path("metadata").path("namespace").asText()
            + "/"
            + canary.path("spec").path("destinationRule").path("name").asText());
  }

  private JsonNode managedRouteOf(Managed m) {
    JsonNode vs = virtualServices.get(m.vs());
    return vs == null ? null : managedRoute(vs, m.route());
  }

  /** Where a route is: its kind and position. */
  record Located(String kind, int index) {}

  private static final java.util.regex.Pattern POSITIONAL =
      java.util.regex.Pattern.compile("(http|tls|tcp)\\[([0-9]+)\\]");

  /**
   * The route a Canary names, written here again from the documented rules (not the daemon's code):
   * an http route by name; {@code kind[N]} by position; by default the first http route without
   * match, or in a VirtualService without http routes the tcp/tls route without match, or the only
   * one. Null when there is none. Positions, and the default, count only the http routes whose
   * names do not start with {@code sluice/} (Sluice's own, {@link OwnedRouteRules}); the index
   * returned is the route's place in the whole list.
   */
  static Located locate(JsonNode vs, String routeName) {
    JsonNode spec = vs.path("spec");
    if (routeName != null) {
      java.util.regex.Matcher m = POSITIONAL.matcher(routeName);
      if (m.matches()) {
        String kind = m.group(1);
        int wanted = Integer.parseInt(m.group(2));
        JsonNode routes = spec.path(kind);
        int counted = 0;
        for (int i = 0; i < routes.size(); i++) {
          if (kind.equals("http") && OwnedRouteRules.sluiceNamed(routes.get(i))) {
            continue;
          }
          if (counted++ == wanted) {
            return new Located(kind, i);
          }
        }
        return null;
      }
      JsonNode http = spec.path("http");
      for (int i = 0; i < http.size(); i++) {
        if (routeName.equals(http.get(i).path("name").asText(null))) {
          return new Located("http", i);
        }
      }
      return null;
    }
    String kind;
    if (spec.has("http")) {
      kind = "http";
    } else if (spec.path("tls").size() > 0 && spec.path("tcp").size() == 0) {
      kind = "tls";
    } else if (spec.path("tcp").size() > 0 && spec.path("tls").size() == 0) {
      kind = "tcp";
    } else {
      return null;
    }
    JsonNode routes = spec.path(kind);
    for (int i = 0; i < routes.size(); i++) {
      if (kind.equals("http") && OwnedRouteRules.sluiceNamed(routes.get(i))) {
        continue;
      }
      JsonNode match = routes.get(i).get("match");
      if (match == null || match.isNull() || (match.isArray() && match.isEmpty())) {
        return new Located(kind, i);
      }
    }
    return !kind.equals("http") && routes.size() == 1 ? new Located(kind, 0) : null;
  }

  /** The route a Canary names (see {@link #locate}); null when there is none. */
  static JsonNode managedRoute(JsonNode vs, String routeName) {
    Located at = locate(vs, routeName);
    return at == null ? null : vs.path("spec").path(at.kind()).get(at.index());
  }

  /**
   * {@code vs} without what a write for {@code canary} may change: the managed routes' destinations
   * (their hosts kept), Sluice's mirror on them, and the Canary's own routes ({@link
   * OwnedRouteRules}).
   */
  private static JsonNode withoutManagedRoutes(
      JsonNode vs, List<String> routeNames, JsonNode canary) {
    ObjectNode copy = stripped(vs);
    OwnedRouteRules.Owner owner = canary == null ? null : OwnedRouteRules.Owner.of(canary);
    String ns = vs.path("metadata").path("namespace").asText();
    for (String routeName : routeNames) {
      Located at = locate(copy, routeName);
      if (at != null) {
        ObjectNode route = (ObjectNode) copy.path("spec").path(at.kind()).get(at.index());
        OwnedRouteRules.removeMirror(route, owner, ns);
        ArrayNode hosts = route.arrayNode();
        route.path("route").forEach(e -> hosts.add(e.path("destination").path("host")));
        route.remove("route");
        route.set("sluiceCheckerHosts", hosts.isEmpty() ? hosts : distinct(hosts));
      }
    }
    if (owner != null) {
      OwnedRouteRules.removeOwned(copy, owner.prefix());
    }
    return copy;
  }

  private static ArrayNode distinct(ArrayNode hosts) {
    Set<JsonNode> seen = new LinkedHashSet<>();
    hosts.forEach(seen::add);
    ArrayNode out = hosts.arrayNode();
    seen.forEach(out::add);
    return out;
  }

  /** A copy without what the API server changes on every write. */
  private static ObjectNode stripped(JsonNode o) {
    ObjectNode copy = o.deepCopy();
    if (copy.get("metadata") instanceof ObjectNode meta) {
      meta.remove(
          List.of("resourceVersion", "generation", "managedFields", "creationTimestamp", "uid"));
    }
    copy.remove("status");
    return copy;
  }

  private static Map<String, Integer> weights(JsonNode route) {
    Map<String, Integer> out = weightsOrEmpty(route);
    return out.isEmpty() ? null : out;
  }

  static Map<String, Integer> weightsOrEmpty(JsonNode route) {
    Map<String, Integer> out = new LinkedHashMap<>();
    JsonNode list = route.path("route");
    for (JsonNode e : list) {
      JsonNode w = e.get("weight");
      out.put(
          e.path("destination").path("subset").asText(),
          w == null || w.isNull() ? (list.size() == 1 ? 100 : 0) : w.asInt());
    }
    return out;
  }

  private boolean takesCanaryOut(Version v, Release r) {
    JsonNode canary = managingCanary(v.key());
    List<String> routeNames = canary == null ? nullList() : routesIn(canary, v.key());
    for (String routeName : routeNames) {
      JsonNode route = managedRoute(v.object(), routeName);
      if (route != null && !weightsOrEmpty(route).containsKey(r.canary)) {
        return true;
      }
    }
    return false;
  }

  private String describeRoute(Version v) {
    JsonNode canary = managingCanary(v.key());
    List<String> routeNames = canary == null ? nullList() : routesIn(canary, v.key());
    List<String> out = new ArrayList<>();
    for (String routeName : routeNames) {
      JsonNode route = managedRoute(v.object(), routeName);
      out.add(route == null ? "no route" : describe(weightsOrEmpty(route)).toString());
    }
    return String.join(" ", out);
  }

  static List<String> describe(Map<String, Integer> w) {
    List<String> out = new ArrayList<>();
    w.forEach((s, x) -> out.add(s + "=" + x));
    return out;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String firstDifference(JsonNode a, JsonNode b, String path) {
    if (a == null || b == null || a.getNodeType() != b.getNodeType()) {
      return path + ": " + a + " -> " + b;
    }
    if (a.isObject()) {
      Set<String> names = new LinkedHashSet<>();
      a.fieldNames().forEachRemaining(names::add);
      b.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        if (!Objects.equals(a.get(n), b.get(n))) {
          return firstDifference(a.get(n), b.get(n), path + "/" + n);
        }
      }
    } else if (a.isArray() && a.size() == b.size()) {
      for (int i = 0; i < a.size(); i++) {
        if (!a.get(i).equals(b.get(i))) {
          return firstDifference(a.get(i), b.get(i), path + "/" + i);
        }
      }
    }
    return path + ": " + a + " -> " + b;
  }
}
