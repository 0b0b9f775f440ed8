package dev.sluice.controller;

import dev.sluice.analysis.Check;
import dev.sluice.analysis.InvalidTemplateException;
import dev.sluice.model.Canary;
import dev.sluice.model.CanarySpec;
import dev.sluice.rollout.Ownership;
import dev.sluice.rollout.Reason;
import dev.sluice.rollout.ReleaseSpec;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.RouteObservation;
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

  Result check(Canary canary, ReleaseStatus status, GenericKubernetesResource virtualService) {
    SpecReader.Result read = SpecReader.read(canary);
    if (!read.valid()) {
      return refuse(Reason.InvalidSpec, String.join("; ", read.problems()));
    }
    Optional<String> conflict = conflict(canary, status, virtualService);
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
  private Optional<String> conflict(
      Canary canary, ReleaseStatus status, GenericKubernetesResource virtualService) {
    List<Canary> rivals = cache.rivalsOf(canary);
    if (rivals.isEmpty()) {
      return Optional.empty();
    }
    String namespace = canary.getMetadata().getNamespace();
    Ownership.Claim self = claim(canary, status, virtualService);
    List<Ownership.Claim> others = new ArrayList<>();
    for (Canary rival : rivals) {
      CanarySpec.VirtualServiceRef ref = rival.getSpec().virtualService;
      GenericKubernetesResource vs =
          ref == null ? null : worlds.virtualService(namespace, ref.name);
      others.add(claim(rival, StatusMapper.read(rival.getStatus()), vs));
    }
    return Ownership.ownerOver(self, others).map(owner -> Ownership.conflict(self, owner));
  }

  private Ownership.Claim claim(Canary c, ReleaseStatus status, GenericKubernetesResource vs) {
    String namespace = c.getMetadata().getNamespace();
    CanarySpec spec = c.getSpec();
    String vsName = spec.virtualService == null ? null : spec.virtualService.name;
    String routeName = spec.virtualService == null ? null : spec.virtualService.route;
    RouteObservation route =
        vs == null ? RouteObservation.notFound("") : worlds.observe(vs, routeName);
    return new Ownership.Claim(
        namespace,
        c.getMetadata().getName(),
        Timestamps.parse(c.getMetadata().getCreationTimestamp()),
        spec.app,
        vsName == null ? null : namespace + "/" + vsName,
        route.position(),
        routeName,
        status.phase().underWay());
  }
}
