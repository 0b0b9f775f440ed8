package dev.sluice.routing;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which route of a VirtualService a Canary manages, as its {@code route} field names it:
 *
 * <ul>
 *   <li>absent: the default route — the http fallback route (the first http route without {@code
 *       match}); in a VirtualService without http routes, the tcp or tls route without {@code
 *       match}, or the only one;
 *   <li>{@code http[N]}, {@code tls[N]}, {@code tcp[N]}: the route at that position (from 0) of
 *       that kind; tls and tcp routes have no names in Istio, so this is how they are named;
 *   <li>anything else: the http route with that {@code name}.
 * </ul>
 *
 * @param kind {@code http}, {@code tls} or {@code tcp}; null for the default route
 * @param name the http route's name, or null
 * @param index the position, or -1
 */
public record RouteSelector(String kind, String name, int index) {
  private static final Pattern POSITIONAL = Pattern.compile("(http|tls|tcp)\\[([0-9]{1,4})\\]");
  private static final Pattern LOOKS_POSITIONAL = Pattern.compile("(?i)(http|tls|tcp)\\s*\\[.*");

  /** The default route. */
  public static final RouteSelector DEFAULT = new RouteSelector(null, null, -1);

  /** Reads a Canary's {@code route}; see {@link #problem} for what is refused. */
  public static RouteSelector parse(String route) {
    if (route == null) {
      return DEFAULT;
    }
    Matcher m = POSITIONAL.matcher(route);
    if (m.matches()) {
      return new RouteSelector(m.group(1), null, Integer.parseInt(m.group(2)));
    }
    return new RouteSelector("http", route, -1);
  }

  /**
   * Why {@code route} names no route, or empty: a value that looks positional but is not {@code
   * kind[N]} ("tcp[first]", "TCP[0]", "tcp[-1]") is refused rather than taken for an http name.
   */
  public static Optional<String> problem(String route) {
    if (route == null || POSITIONAL.matcher(route).matches()) {
      return Optional.empty();
    }
    if (route.isBlank()) {
      return Optional.of("route must not be empty (leave it out for the default route)");
    }
    if (LOOKS_POSITIONAL.matcher(route).matches()) {
      return Optional.of(
          "route \""
              + route
              + "\" must be http[N], tls[N] or tcp[N] with N a position from 0, or an http route's"
              + " name");
    }
    return Optional.empty();
  }

  /** Whether this is the default route. */
  public boolean isDefault() {
    return kind == null;
  }
}
