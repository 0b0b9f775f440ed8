package dev.sluice.sandbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The cookies of one simulated user, as a browser keeps them for one site (RFC 6265, the parts the
 * sandbox needs): {@code Set-Cookie: name=value} stores or replaces the cookie {@code name}; {@code
 * Max-Age} (seconds) makes it expire, at once when 0 or less; {@code Expires} is ignored, as a
 * browser ignores it beside {@code Max-Age} (no cookie here has it alone); {@code Path} limits the
 * requests it goes with (a path prefix at a {@code /}); {@code Domain}, {@code Secure} and the
 * other attributes are ignored (one site, plain HTTP). The request's {@code cookie} header lists
 * the live cookies as {@code a=b; c=d}, in the order they were first set.
 *
 * <p>Not thread-safe: one session's requests use it one at a time.
 */
final class CookieJar {
  private record Cookie(String value, String path, Instant expires) {}

  private final Map<String, Cookie> cookies = new LinkedHashMap<>();

  /** Takes the {@code Set-Cookie} values of an answer received at {@code now}. */
  void receive(List<String> setCookies, Instant now) {
    for (String header : setCookies) {
      String[] parts = header.split(";");
      int eq = parts[0].indexOf('=');
      if (eq <= 0) {
        continue; // no name: a browser ignores it
      }
      String name = parts[0].substring(0, eq).trim();
      String value = parts[0].substring(eq + 1).trim();
      String path = "/";
      Instant expires = null;
      for (int i = 1; i < parts.length; i++) {
        String attribute = parts[i].trim();
        int aeq = attribute.indexOf('=');
        String key = (aeq < 0 ? attribute : attribute.substring(0, aeq)).toLowerCase(Locale.ROOT);
        String arg = aeq < 0 ? "" : attribute.substring(aeq + 1).trim();
        if (key.equals("max-age")) {
          try {
            expires = now.plusSeconds(Long.parseLong(arg));
          } catch (NumberFormatException e) {
            // an invalid Max-Age is ignored
          }
        } else if (key.equals("path") && arg.startsWith("/")) {
          path = arg;
        }
      }
      if (expires != null && !expires.isAfter(now)) {
        cookies.remove(name);
      } else if (cookies.containsKey(name)) {
        cookies.replace(name, new Cookie(value, path, expires)); // keeps its place
      } else {
        cookies.put(name, new Cookie(value, path, expires));
      }
    }
  }

  /** The {@code cookie} header for a request of {@code path} at {@code now}, if any cookie goes. */
  Optional<String> header(String path, Instant now) {
    List<String> out = new ArrayList<>();
    cookies
        .entrySet()
        .removeIf(e -> e.getValue().expires() != null && !e.getValue().expires().isAfter(now));
    cookies.forEach(
        (name, c) -> {
          if (pathMatches(path, c.path())) {
            out.add(name + "=" + c.value());
          }
        });
    return out.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", out));
  }

  /** The value of cookie {@code name}, if it is stored and live at {@code now}. */
  Optional<String> value(String name, Instant now) {
    Cookie c = cookies.get(name);
    return c == null || (c.expires() != null && !c.expires().isAfter(now))
        ? Optional.empty()
        : Optional.of(c.value());
  }

  /** RFC 6265's path-match: the same path, or a prefix of it ending at a {@code /}. */
  private static boolean pathMatches(String requestPath, String cookiePath) {
    int q = requestPath.indexOf('?');
    String p = q < 0 ? requestPath : requestPath.substring(0, q);
    return p.equals(cookiePath)
        || (p.startsWith(cookiePath)
            && (cookiePath.endsWith("/") || p.charAt(cookiePath.length()) == '/'));
  }
}
