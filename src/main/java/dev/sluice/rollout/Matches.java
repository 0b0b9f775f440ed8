package dev.sluice.rollout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Combines Istio HTTPMatchRequests, as plain maps and lists. A route's {@code match} list is an OR
 * of its requests, the fields of one request an AND; a route of Sluice's placed before a managed
 * route that has its own match must take only requests the managed route would have taken, so its
 * match is the managed route's AND the stage's.
 */
public final class Matches {
  // fields whose value is a map of independent conditions (one per header, parameter, label)
  private static final List<String> MAP_FIELDS =
      List.of("headers", "queryParams", "withoutHeaders", "sourceLabels");

  private Matches() {}

  /** The outcome: the combined match, or why the two cannot be combined. */
  public record Combined(List<Map<String, Object>> match, String conflict) {
    public Optional<String> problem() {
      return Optional.ofNullable(conflict);
    }
  }

  /**
   * Every request of {@code route} AND every request of {@code stage} (the cross product); {@code
   * stage} itself when {@code route} is empty (a fallback route matches everything).
   */
  public static Combined and(List<Map<String, Object>> route, List<Map<String, Object>> stage) {
    if (route.isEmpty()) {
      return new Combined(stage, null);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> r : route) {
      for (Map<String, Object> s : stage) {
        Map<String, Object> both = new LinkedHashMap<>(r);
        for (Map.Entry<String, Object> e : s.entrySet()) {
          String field = e.getKey();
          Object mine = both.get(field);
          if (mine == null || field.equals("name")) {
            both.putIfAbsent(field, e.getValue());
            continue;
          }
          if (MAP_FIELDS.contains(field)
              && mine instanceof Map<?, ?> a
              && e.getValue() instanceof Map<?, ?> b) {
            Map<Object, Object> merged = new LinkedHashMap<>(a);
            for (Map.Entry<?, ?> c : b.entrySet()) {
              Object already = merged.putIfAbsent(c.getKey(), c.getValue());
              if (already != null && !already.equals(c.getValue())) {
                return conflict(field + "." + c.getKey(), r, s);
              }
            }
            both.put(field, merged);
          } else if (!mine.equals(e.getValue())) {
            return conflict(field, r, s);
          }
        }
        out.add(both);
      }
    }
    return new Combined(out, null);
  }

  private static Combined conflict(
      String field, Map<String, Object> route, Map<String, Object> stage) {
    return new Combined(
        List.of(),
        "the managed route matches "
            + route
            + " and the stage "
            + stage
            + ": both set "
            + field
            + ", so Sluice cannot combine them (leave "
            + field
            + " out of the Canary's match)");
  }
}
