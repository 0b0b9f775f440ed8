package dev.sluice.rollout;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One owner per route: of two Canaries that would manage the same route of the same VirtualService,
 * or release the same app in the same namespace, only one acts; the other writes nothing until the
 * first is deleted or changed. Pure, so every replica and every reconcile of either Canary comes to
 * the same answer from the same objects.
 *
 * <p>The owner is the one with a release under way (a release is never left half done, with a
 * canary at some weight and nobody judging it), else the one created first, ties broken by name.
 */
public final class Ownership {
  private Ownership() {}

  /**
   * What one Canary claims.
   *
   * @param namespace the Canary's namespace
   * @param name the Canary's name
   * @param createdAt its creation time
   * @param app the app it releases
   * @param virtualService the VirtualService it manages ({@code namespace/name})
   * @param routePosition the managed route's index in its http routes, or -1 when unknown
   * @param routeName the route the Canary names, or null for the fallback route
   * @param releasing whether a release of it is under way
   */
  public record Claim(
      String namespace,
      String name,
      Instant createdAt,
      String app,
      String virtualService,
      int routePosition,
      String routeName,
      boolean releasing) {

    /** Whether both claims would act on the same route or the same app. */
    boolean contends(Claim other) {
      if (!namespace.equals(other.namespace) || name.equals(other.name)) {
        return false;
      }
      if (Objects.equals(app, other.app)) {
        return true;
      }
      if (!Objects.equals(virtualService, other.virtualService)) {
        return false;
      }
      if (routePosition >= 0 && other.routePosition >= 0) {
        return routePosition == other.routePosition;
      }
      return Objects.equals(routeName, other.routeName);
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
        Objects.equals(self.app(), owner.app())
            ? "releases the same app (" + self.app() + ")"
            : "manages the same route of VirtualService " + self.virtualService();
    return "Canary "
        + owner.describe()
        + " "
        + what
        + (owner.releasing() ? " and has a release under way" : " and was created first")
        + "; nothing is done for this Canary until that one is deleted or changed";
  }
}
