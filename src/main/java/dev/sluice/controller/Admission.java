package dev.sluice.controller;

import dev.sluice.analysis.Check;
import dev.sluice.analysis.InvalidTemplateException;
import dev.sluice.model.Canary;
import dev.sluice.rollout.Ownership;
import dev.sluice.rollout.Reason;
import dev.sluice.rollout.ReleaseSpec;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.rollout.RouteRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether Sluice may act for a Canary at all, and with what: its spec read and checked ({@link
 * SpecReader}), one owner per route and app ({@link Ownership}), and its analysis templates
 * rendered into checks. Templates are checked before a release may start; during one, a template
 * that can no longer be rendered is an error evaluation (hold, then roll back at the error limit)
 * rather than a silent stop.
 */
final class Admission {
  private final ClusterCache cache;
  private final WorldReader worlds;
  private final AnalysisRunner analysis;

  Admission(ClusterCache cache, WorldReader worlds, AnalysisRunner analysis) {
    this.cache = cache;
    this.worlds = worlds;
    this.analysis = analysis;
  }

  /**
   * What may be acted on: the spec and the checks, or a template that cannot be rendered (during a
   * release only).
   */
  record Admitted(ReleaseSpec spec, List<Check> checks, InvalidTemplateException templateProblem) {}

  /** Either admitted, or refused with a reason and a message for the Ready condition. */
  record Result(Admitted admitted, Reason refusal, String problem) {
    boolean refused() {
      return refusal != null;
    }
  }

  Result check(Canary canary, ReleaseStatus status) {
    SpecReader.Result read = SpecReader.read(canary);
    if (!read.valid()) {
      return refuse(Reason.InvalidSpec, String.join("; ", read.problems()));
    }
    Optional<String> conflict = conflict(canary, status);
    if (conflict.isPresent()) {
      return refuse(Reason.Conflict, conflict.get());
    }
    try {
      List<Check> checks = analysis.checks(canary, status.stableVersion(), status.canaryVersion());
      return new Result(new Admitted(read.spec(), checks, null), null, null);
    } catch (InvalidTemplateException e) {
      if (!status.phase().releasing()) {
        return refuse(Reason.InvalidSpec, e.getMessage());
      }
      return new Result(new Admitted(read.spec(), List.of(), e), null, null);
    }
  }

  private static Result refuse(Reason reason, String problem) {
    return new Result(null, reason, problem);
  }

  /**
   * Why another Canary owns what this one claims (the same route, or the same app), or empty when
   * this one may act.
   */
  private Optional<String> conflict(Canary canary, ReleaseStatus status) {
    List<Canary> rivals = cache.rivalsOf(canary);
    if (rivals.isEmpty()) {
      return Optional.empty();
    }
    Ownership.Claim self = claim(canary, status);
    List<Ownership.Claim> others = new ArrayList<>();
    for (Canary rival : rivals) {
      others.add(claim(rival, StatusMapper.read(rival.getStatus())));
    }
    return Ownership.ownerOver(self, others).map(owner -> Ownership.conflict(self, owner));
  }

  /** What {@code c} claims, its routes read from the caches (with this daemon's writes). */
  private Ownership.Claim claim(Canary c, ReleaseStatus status) {
    List<Ownership.RouteClaim> routes = new ArrayList<>();
    for (RouteRef ref : SpecReader.routes(c)) {
      GenericKubernetesResource vs = worlds.virtualService(ref.namespace(), ref.name());
      RouteObservation route =
          vs == null ? RouteObservation.notFound("") : worlds.observe(vs, ref.route());
      routes.add(new Ownership.RouteClaim(ref.key(), route.kind(), route.position(), ref.route()));
    }
    return new Ownership.Claim(
        c.getMetadata().getNamespace(),
        c.getMetadata().getName(),
        Timestamps.parse(c.getMetadata().getCreationTimestamp()),
        c.getSpec() == null ? null : c.getSpec().app,
        routes,
        status.phase().underWay());
  }
}
