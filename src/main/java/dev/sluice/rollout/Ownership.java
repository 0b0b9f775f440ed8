package dev.sluice.rollout;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One owner per route: of two Canaries that would manage the same route of the same VirtualService
 * (wherever each Canary lives), or release the same app in the same namespace, only one acts; the
 * other writes nothing until the first is deleted or changed. Pure, so every replica and every
 * reconcile of either Canary comes to the same answer from the same objects.
 *
 * <p>The owner is the one with a release under way (a release is never left half done, with a
 * canary at some weight and nobody judging it), else the one created first, ties broken by name.
 */
public final class Ownership {
  private Ownership() {}

  /**
   * One route a Canary claims.
   *
   * @param virtualService the VirtualService ({@code namespace/name})
   * @param kind {@code http}, {@code tls} or {@code tcp}, or null when unknown (the route cannot be
   *     read now)
   * @param position the route's index among its kind's, or -1 when unknown
   * @param route the route as the Canary names it, or null for the default route
   */
  public record RouteClaim(String virtualService, String kind, int position, String route) {
    boolean same(RouteClaim other) {
      if (!virtualService.equals(other.virtualService)) {
        return false;
      }
      if (position >= 0 && other.position >= 0) {
        return kind.equals(other.kind) && position == other.position;
      }
      return Objects.equals(route, other.route);
    }
  }

  /**
   * What one Canary claims.
   *
   * @param namespace the Canary's namespace
   * @param name the Canary's name
   * @param createdAt its creation time
   * @param app the app it releases
   * @param routes the routes it manages
   * @param releasing whether a release of it is under way
   */
  public record Claim(
      String namespace,
      String name,
      Instant createdAt,
      String app,
      List<RouteClaim> routes,
      boolean releasing) {

    public Claim {
      routes = List.copyOf(routes);
    }

    /**
     * Whether both claims would act on the same route (in any namespace) or the same app (in the
     * same namespace).
     */
    boolean contends(Claim other) {
      if (namespace.equals(other.namespace) && name.equals(other.name)) {
        return false;
      }
      if (namespace.equals(other.namespace) && Objects.equals(app, other.app)) {
        return true;
      }
      return sharedRoute(other).isPresent();
    }

    /** A route both claim, if any. */
    Optional<RouteClaim> sharedRoute(Claim other) {
      return routes.stream().filter(r -> other.routes.stream().anyMatch(r::same)).findFirst();
    }

    String describe() {
      return namespace + "/" + name;
    }
  }

  private static final Comparator<Claim> PRECEDENCE =
      Comparator.comparing((Claim c) -> !c.releasing())
          .thenComparing(Claim::createdAt, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(Claim::name);

  /**
   * The Canary that owns what {@code self} claims, when it is another one; empty when {@code self}
   * may act.
   */
  public static Optional<Claim> ownerOver(Claim self, List<Claim> others) {
    return others.stream()
        .filter(self::contends)
        .filter(o -> PRECEDENCE.compare(o, self) < 0)
        .min(PRECEDENCE);
  }

  /** Why {@code self} may not act, for its Ready condition. */
  public static String conflict(Claim self, Claim owner) {
    String what =
        self.namespace().equals(owner.namespace()) && Objects.equals(self.app(), owner.app())
            ? "releases the same app (" + self.app() + ")"
            : "manages the same route of VirtualService "
                + self.sharedRoute(owner).map(RouteClaim::virtualService).orElse("?");
    return "Canary "
        + owner.describe()
        + " "
        + what
        + (owner.releasing() ? " and has a release under way" : " and was created first")
        + "; nothing is done for this Canary until that one is deleted or changed";
  }
}
