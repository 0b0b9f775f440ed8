package dev.sluice.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A cluster in memory and a driver that runs the state machine the way the controller does: decide,
 * carry out the actions, decide again until nothing changes. Records every route and every decision
 * so tests can check the history.
 */
final class SimulatedCluster {
  final ReleaseSpec spec;
  List<Destination> route;
  Set<String> usedElsewhere = new LinkedHashSet<>();
  RouteObservation.State routeState = RouteObservation.State.OK;
  Set<String> subsets = new LinkedHashSet<>();
  final Map<String, DeploymentView> deployments = new HashMap<>();
  ReleaseStatus status = ReleaseStatus.initial();
  Instant now = Instant.parse("2026-01-01T00:00:00Z");

  final List<List<Destination>> routeHistory = new ArrayList<>();

  /** What the managed route carries beside its destinations (a mirror, Sluice's routes...). */
  RouteExtras extras = RouteExtras.NONE;

  /** The route kind ({@code http}, {@code tls}, {@code tcp}). */
  String routeKind = "http";

  /** Every route write: destinations and what the route carried after it. */
  final List<Written> writes = new ArrayList<>();

  /** One stored version of the managed route. */
  record Written(Instant at, List<Destination> destinations, RouteExtras extras) {}

  final List<Effect> effectHistory = new ArrayList<>();
  final List<Decision> decisions = new ArrayList<>();
  final List<Decision.Note> events = new ArrayList<>();

  /** Every decision carried out, with what it was made from. */
  final List<DecisionLoop.Turn> traces = new ArrayList<>();

  /**
   * Answers webhook calls as they are made: 2xx (true), failed (false), or not yet (empty: the call
   * stays under way and is asked again after each reconcile). The default answers 2xx.
   */
  BiFunction<HookCall, Instant, Optional<Boolean>> hookAnswers = (call, at) -> Optional.of(true);

  /** Every webhook call made, in order (a call under way is not made twice). */
  final List<HookCall> hookCalls = new ArrayList<>();

  private final Set<HookCall> hooksUnderWay = new LinkedHashSet<>();

  /** Answers the checks when they are due; the default passes everything. */
  Function<Instant, Evaluation> checks = at -> new Evaluation(Gate.PASS, "all passed", at);

  SimulatedCluster(ReleaseSpec spec) {
    this.spec = spec;
    route = List.of(new Destination("v1", 100));
    usedElsewhere.add("debug");
    subsets.add("v1");
    subsets.add("debug");
    deploy("v1", 2, 2, now.minus(Duration.ofDays(1)));
  }

  static ReleaseSpec spec() {
    return spec(StepPlan.of(10, 100, null));
  }

  /** The default spec with a retirement delay. */
  static ReleaseSpec spec(List<Integer> plan, Duration retirementDelay) {
    return spec(plan).withRetirementDelay(retirementDelay);
  }

  /** The default spec (plan null: 10% steps) releasing {@code targetVersion} only. */
  static ReleaseSpec spec(List<Integer> plan, String targetVersion) {
    return spec(plan == null ? StepPlan.of(10, 100, null) : plan).withTargetVersion(targetVersion);
  }

  static ReleaseSpec spec(List<Integer> plan) {
    return new ReleaseSpec(
        plan,
        Duration.ofSeconds(60),
        Duration.ofSeconds(15),
        1,
        3,
        3,
        Duration.ofMinutes(5),
        RetirementPolicy.DELETE,
        true,
        null);
  }

  void deploy(String version, int replicas, int ready, Instant created) {
    deployments.put(
        version, new DeploymentView(version, "helloworld-" + version, replicas, ready, created));
  }

  /** Other routes, by subset: another route of the VirtualService names each of them. */
  final List<Reference> otherRoutes = new ArrayList<>();

  World world() {
    RouteObservation obs =
        switch (routeState) {
          case OK -> RouteObservation.ok(routeKind, route, 1, "helloworld").withExtras(extras);
          case NOT_FOUND -> RouteObservation.notFound("VirtualService helloworld not found");
          case INVALID -> RouteObservation.invalid("match routes have no fallback route");
        };
    List<Reference> refs = new ArrayList<>(otherRoutes);
    for (String subset : usedElsewhere) {
      refs.add(
          new Reference(
              "default/helloworld", "http", 0, subset, false, "helloworld.default", subset));
    }
    Map<String, Map<String, String>> labels = new java.util.LinkedHashMap<>();
    for (String subset : subsets) {
      labels.put(subset, subsetLabels.getOrDefault(subset, Map.of("version", subset)));
    }
    List<DeploymentView> all = new ArrayList<>(deployments.values());
    all.addAll(extraDeployments);
    return new World("default", obs, labels, all, refs);
  }

  /** Subsets whose labels are not just {@code version=<name>}. */
  final Map<String, Map<String, String>> subsetLabels = new HashMap<>();

  /** Deployments beside the one per version in {@link #deployments} (same version, no version). */
  final List<DeploymentView> extraDeployments = new ArrayList<>();

  /** A route of another VirtualService (or of another kind) that sends traffic to a subset. */
  static Reference route(String virtualService, String kind, String name, String subset) {
    return new Reference(virtualService, kind, 0, name, false, "helloworld.default", subset);
  }

  /** A mirror of the managed VirtualService's fallback route to {@code subset}. */
  static Reference mirror(String subset) {
    return new Reference("default/helloworld", "http", 1, null, true, "helloworld.default", subset);
  }

  /**
   * One reconcile, as the reconciler runs it: checks when due, then the decision loop the
   * reconciler uses, against this cluster in memory. Returns the first decision (the one that saw
   * the signal).
   */
  Decision reconcile(Optional<Signal> signal) {
    Optional<Evaluation> evaluation =
        Rollout.evaluationDue(spec, status, now)
            ? Optional.of(checks.apply(now))
            : Optional.empty();
    int before = decisions.size();
    DecisionLoop.Result result =
        DecisionLoop.run(spec, status, signal, evaluation, () -> now, inMemory);
    if (result.ending() != DecisionLoop.Ending.SETTLED) {
      throw new AssertionError("the decision loop ended " + result.ending());
    }
    return decisions.get(before);
  }

  /** This cluster as the decision loop sees it: effects applied at once, never a conflict. */
  private final DecisionLoop.Cluster inMemory =
      new DecisionLoop.Cluster() {
        @Override
        public World world() {
          return SimulatedCluster.this.world();
        }

        @Override
        public boolean carryOut(Effect effect) {
          apply(effect);
          return true;
        }

        @Override
        public void readAgain() {}

        @Override
        public boolean analysisShownFailing() {
          return false;
        }

        @Override
        public boolean record(ReleaseStatus recorded, boolean evaluated) {
          status = recorded;
          return true;
        }

        @Override
        public void remember(ReleaseStatus remembered) {
          status = remembered;
        }

        @Override
        public void recordFailedWrite(Decision d, ReleaseStatus recorded, String error) {
          throw new AssertionError("nothing fails in memory: " + error);
        }

        @Override
        public void decided(DecisionLoop.Turn turn) {
          decisions.add(turn.decision());
          traces.add(turn);
        }

        @Override
        public void announce(DecisionLoop.Turn turn) {
          events.addAll(turn.decision().events());
          for (HookCall call : turn.decision().calls()) {
            if (hooksUnderWay.add(call)) {
              hookCalls.add(call);
            }
          }
        }
      };

  Decision reconcile() {
    return reconcile(Optional.empty());
  }

  void apply(Effect a) {
    effectHistory.add(a);
    if (a instanceof Effect.AddSubset add) {
      subsets.add(add.version());
    } else if (a instanceof Effect.RemoveSubset rm) {
      if (route.stream().anyMatch(d -> d.subset().equals(rm.version()))
          || usedElsewhere.contains(rm.version())
          || otherRoutes.stream().anyMatch(r -> r.subset().equals(rm.version()))) {
        throw new AssertionError("subset " + rm.version() + " removed while referenced");
      }
      subsets.remove(rm.version());
    } else if (a instanceof Effect.SetRoute set) {
      for (Destination d : set.destinations()) {
        if (!subsets.contains(d.subset())) {
          throw new AssertionError("route references missing subset " + d.subset());
        }
        DeploymentView dep = deployments.get(d.subset());
        if (dep == null || !dep.serving()) {
          throw new AssertionError("route references " + d.subset() + " which is not serving");
        }
      }
      route = set.destinations();
      routeHistory.add(route);
      extras = afterWrite(extras, set);
      writes.add(new Written(now, route, extras));
    } else if (a instanceof Effect.RetireDeployment r) {
      if (subsets.contains(r.version())) {
        throw new AssertionError("Deployment retired before its subset left the DestinationRule");
      }
      World w = world();
      w.deployments().stream()
          .filter(d -> d.name().equals(r.deployment()))
          .filter(d -> !w.serving(d).isEmpty())
          .findAny()
          .ifPresent(
              d -> {
                throw new AssertionError(d.name() + " retired while " + w.serving(d) + " serve it");
              });
      if (extraDeployments.removeIf(d -> d.name().equals(r.deployment()))) {
        return;
      }
      if (!deployments.get(r.version()).name().equals(r.deployment())) {
        throw new AssertionError("retired " + r.deployment() + " as version " + r.version());
      }
      deployments.remove(r.version());
    }
  }

  /** The route's extras after {@code set} is written, as the routing layer writes them. */
  static RouteExtras afterWrite(RouteExtras before, Effect.SetRoute set) {
    RouteAdditions a = set.additions();
    RouteAdditions.Mirror mirror = before.mirror();
    if (a.mirror() != null) {
      mirror = a.mirror();
    } else if (mirror != null && mirror.subset().equals(a.ownMirror())) {
      mirror = null;
    }
    List<RouteAdditions.Route> owned = new ArrayList<>();
    for (RouteAdditions.Route r : a.routes()) {
      owned.add(
          new RouteAdditions.Route(
              r.purpose(), Matches.and(before.match(), r.match()).match(), r.subset()));
    }
    return new RouteExtras(
        before.match(), mirror, before.otherMirrors(), owned, a.cookies(), before.foreignCookie());
  }

  /** Hands the answers of the webhook calls under way to the state machine, one reconcile each. */
  void answerHooks() {
    boolean answered = true;
    while (answered) {
      answered = false;
      for (HookCall call : List.copyOf(hooksUnderWay)) {
        Optional<Boolean> passed = hookAnswers.apply(call, now);
        if (passed.isPresent()) {
          hooksUnderWay.remove(call);
          reconcile(
              Optional.of(
                  call.answered(passed.get(), passed.get() ? "HTTP 200" : "HTTP 500", now)));
          answered = true;
        }
      }
    }
  }

  /**
   * Moves the clock on and reconciles whenever the state machine asked to be woken, answering
   * webhook calls after each reconcile.
   */
  void runFor(Duration total) {
    Instant end = now.plus(total);
    reconcile();
    answerHooks();
    while (now.isBefore(end)) {
      Optional<Instant> wake = decisions.get(decisions.size() - 1).wakeAt();
      if (wake.isEmpty() || wake.get().isAfter(end)) {
        now = end;
      } else {
        now = wake.get().isAfter(now) ? wake.get() : now.plusMillis(1);
      }
      reconcile();
      answerHooks();
    }
  }

  int canaryWeight() {
    return route.stream()
        .filter(d -> d.subset().equals(status.canaryVersion()))
        .mapToInt(Destination::weight)
        .findFirst()
        .orElse(0);
  }
}
