package dev.sluice.rollout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How an old version is retired, one step at a time: its subset leaves the DestinationRule once no
 * route references it; then (after a promotion) its Deployments are retired, each once no route
 * sends traffic to its pods. Every effect waits for the retirement delay since the version was last
 * seen free, so that every proxy has the routes without it first. Pure; part of {@link Rollout}.
 */
final class Retirements {
  private final ReleaseSpec spec;
  private final World world;
  private final Instant now;

  Retirements(ReleaseSpec spec, World world, Instant now) {
    this.spec = spec;
    this.world = world;
    this.now = now;
  }

  /**
   * One step of a retirement.
   *
   * @param after the retirement as it stands after this step; empty when it is finished
   * @param effects what to carry out now
   * @param wakeAt when the retirement delay is over, if it is what this step waits for
   */
  record Step(Optional<Retiring> after, List<Effect> effects, Optional<Instant> wakeAt) {}

  /** Takes {@code r} one step on. */
  Step advance(Retiring r) {
    String v = r.version();
    Optional<ManagedRoute> unmanageable = world.unmanageable();
    if (unmanageable.isPresent()) {
      return held(
          r,
          world.where(unmanageable.get())
              + "the managed route cannot be read ("
              + unmanageable.get().observation().problem()
              + ")");
    }
    if (world.hasSubset(v)) {
      List<String> holders = new ArrayList<>();
      for (ManagedRoute managed : world.managedRoutesTo(v)) {
        holders.add(
            world.routes().size() == 1
                ? "the managed route"
                : "the managed route of " + managed.ref().describe(world.namespace()));
      }
      world.holdersOf(v).forEach(ref -> holders.add(ref.describe(world.namespace())));
      if (!holders.isEmpty()) {
        return held(r, "subset " + v + " is routed to by " + join(holders));
      }
      return whenDue(r, List.of(new Effect.RemoveSubset(v)));
    }
    if (r.scope() == Retiring.Scope.SUBSET) {
      return new Step(Optional.empty(), List.of(), Optional.empty());
    }
    List<String> held = new ArrayList<>();
    List<Effect> due = new ArrayList<>();
    for (DeploymentView d : world.deploymentsOf(v)) {
      List<Reference> serving = world.serving(d);
      if (!serving.isEmpty()) {
        held.add(
            "Deployment "
                + d.name()
                + " is served by "
                + join(serving.stream().map(ref -> ref.describe(world.namespace())).toList()));
      } else if (needsRetiring(d)) {
        due.add(new Effect.RetireDeployment(v, d.name(), spec.retirement()));
      }
    }
    if (!due.isEmpty()) {
      return whenDue(r, due);
    }
    if (!held.isEmpty()) {
      return held(r, join(held));
    }
    return new Step(Optional.empty(), List.of(), Optional.empty());
  }

  /** What people read when a retirement finished. */
  String finished(Retiring r) {
    return r.scope() == Retiring.Scope.SUBSET
        ? "subset " + r.version() + " left the DestinationRule"
        : r.version() + " retired (" + policy() + "): nothing routes to it any more";
  }

  /** What people read when something holds a version. */
  static String kept(Retiring r) {
    return r.version()
        + " is kept: "
        + r.heldBy()
        + "; it is retired by itself once nothing routes to it";
  }

  /** The retirement policy as people write it: delete, scale to zero, keep. */
  String policy() {
    return spec.retirement().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
  }

  private boolean needsRetiring(DeploymentView d) {
    return switch (spec.retirement()) {
      case DELETE -> true;
      case SCALE_TO_ZERO -> d.replicas() > 0;
      case KEEP -> false;
    };
  }

  /** {@code effects} now if the retirement delay since {@code r} was last seen free is over. */
  private Step whenDue(Retiring r, List<Effect> effects) {
    Instant since = r.freeSince() == null ? now : r.freeSince();
    Retiring free = new Retiring(r.version(), r.scope(), since, null);
    Instant due = since.plus(spec.retirementDelay());
    if (now.isBefore(due)) {
      return new Step(Optional.of(free), List.of(), Optional.of(due));
    }
    return new Step(Optional.of(free), List.copyOf(effects), Optional.empty());
  }

  private static Step held(Retiring r, String by) {
    return new Step(
        Optional.of(new Retiring(r.version(), r.scope(), null, by)), List.of(), Optional.empty());
  }

  private static String join(List<String> parts) {
    int shown = Math.min(parts.size(), 3);
    String text = String.join("; ", parts.subList(0, shown));
    return parts.size() > shown ? text + " (and " + (parts.size() - shown) + " more)" : text;
  }
}
