package dev.sluice.controller;

import dev.sluice.model.CanarySpec;
import dev.sluice.model.HttpMatch;
import dev.sluice.rollout.Strategy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a Canary's stages (mirror, match, sessionAffinity, blueGreen) into the state machine's
 * {@link Strategy}, and the weight steps they leave; every problem is reported at once.
 */
final class StrategyReader {
  static final int DEFAULT_MATCH_ITERATIONS = 10;
  static final int DEFAULT_MIRROR_ITERATIONS = 5;
  static final int DEFAULT_BLUE_GREEN_ITERATIONS = 5;
  static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);
  static final String PREVIEW_HEADER = "x-sluice-preview";

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** The strategy and the weights of the steps after its stages. */
  record Read(Strategy strategy, List<Integer> plan) {}

  private StrategyReader() {}

  /**
   * @param plan the weights stepWeight, maxWeight or steps give (null when they are invalid)
   */
  static Read read(List<String> problems, CanarySpec s, List<Integer> plan) {
    Strategy.MirrorStage mirror = mirror(problems, s.mirror);
    Strategy.MatchStage match = null;
    if (s.match != null) {
      match =
          matchStage(
              problems,
              "match",
              s.match,
              SpecReader.positive(problems, "iterations", s.iterations, DEFAULT_MATCH_ITERATIONS));
    } else if (s.iterations != null) {
      problems.add("iterations is the length of the match (A/B) stage: give match too");
    }
    Strategy.SessionAffinity affinity = affinity(problems, s.sessionAffinity);
    boolean explicitlyNoSteps = s.steps != null && s.steps.isEmpty();
    if (s.blueGreen != null) {
      return blueGreen(problems, s, mirror);
    }
    if (explicitlyNoSteps) {
      if (mirror == null && match == null) {
        problems.add("steps is empty: give weights, or a match or mirror stage to judge instead");
      } else if (affinity != null) {
        problems.add("sessionAffinity applies to weight steps, and steps is empty");
      }
      plan = List.of();
    }
    Strategy strategy = new Strategy(mirror, match, affinity, false, 1);
    checkRoutes(problems, s, strategy);
    return new Read(strategy, plan);
  }

  private static Read blueGreen(List<String> problems, CanarySpec s, Strategy.MirrorStage mirror) {
    CanarySpec.BlueGreen b = s.blueGreen;
    Map<String, Object> excluded = new LinkedHashMap<>();
    excluded.put("match", s.match);
    excluded.put("iterations", s.iterations);
    excluded.put("steps", s.steps);
    excluded.put("stepWeight", s.stepWeight);
    excluded.put("maxWeight", s.maxWeight);
    excluded.put("sessionAffinity", s.sessionAffinity);
    excluded.forEach(
        (field, value) -> {
          if (value != null) {
            problems.add(
                "blueGreen switches 100% in one step: "
                    + field
                    + " cannot be given with it (the preview is blueGreen.preview)");
          }
        });
    List<HttpMatch> preview = b.preview;
    if (preview == null) {
      HttpMatch header = new HttpMatch();
      header.headers = Map.of(PREVIEW_HEADER, new HttpMatch.StringMatch("true", null, null));
      preview = List.of(header);
    }
    Strategy.MatchStage match =
        matchStage(
            problems,
            "blueGreen.preview",
            preview,
            SpecReader.positive(
                problems,
                "blueGreen.previewIterations",
                b.previewIterations,
                DEFAULT_BLUE_GREEN_ITERATIONS));
    int after =
        SpecReader.positive(
            problems,
            "blueGreen.postSwitchIterations",
            b.postSwitchIterations,
            DEFAULT_BLUE_GREEN_ITERATIONS);
    Strategy strategy = new Strategy(mirror, match, null, true, after);
    checkRoutes(problems, s, strategy);
    return new Read(strategy, List.of(100));
  }

  private static Strategy.MirrorStage mirror(List<String> problems, CanarySpec.Mirror m) {
    if (m == null) {
      return null;
    }
    // an invalid value is reported and its default used: the spec is refused either way
    return new Strategy.MirrorStage(
        SpecReader.weight(problems, "mirror.percent", m.percent, 100),
        SpecReader.positive(
            problems, "mirror.iterations", m.iterations, DEFAULT_MIRROR_ITERATIONS));
  }

  private static Strategy.SessionAffinity affinity(
      List<String> problems, CanarySpec.SessionAffinity a) {
    if (a == null) {
      return null;
    }
    if (a.cookieName == null || !a.cookieName.matches("[A-Za-z0-9_-]{1,64}")) {
      problems.add(
          "sessionAffinity.cookieName must be 1..64 letters, digits, '-' or '_', was "
              + a.cookieName);
      return null;
    }
    Duration maxAge =
        SpecReader.duration(problems, "sessionAffinity.maxAge", a.maxAge, DEFAULT_MAX_AGE);
    return new Strategy.SessionAffinity(a.cookieName, maxAge);
  }

  private static Strategy.MatchStage matchStage(
      List<String> problems, String field, List<HttpMatch> matches, int iterations) {
    if (matches.isEmpty()) {
      problems.add(field + " is empty: give at least one match");
      return null;
    }
    int before = problems.size();
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < matches.size(); i++) {
      HttpMatch m = matches.get(i);
      String where = field + "[" + i + "]";
      if (m == null) {
        problems.add(where + " is empty");
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = JSON.convertValue(m, Map.class);
      if (map.keySet().stream().allMatch(k -> k.equals("name") || k.equals("ignoreUriCase"))) {
        problems.add(where + " matches every request: give headers, uri, queryParams, ...");
      }
      checkStrings(problems, where, m);
      out.add(map);
    }
    return problems.size() > before ? null : new Strategy.MatchStage(out, iterations);
  }

  private static void checkStrings(List<String> problems, String where, HttpMatch m) {
    check(problems, where + ".uri", m.uri);
    check(problems, where + ".scheme", m.scheme);
    check(problems, where + ".method", m.method);
    check(problems, where + ".authority", m.authority);
    Map<String, Map<String, HttpMatch.StringMatch>> groups = new java.util.LinkedHashMap<>();
    groups.put("headers", m.headers);
    groups.put("withoutHeaders", m.withoutHeaders);
    groups.put("queryParams", m.queryParams);
    groups.forEach(
        (group, matches) -> {
          if (matches != null) {
            matches.forEach((k, v) -> check(problems, where + "." + group + "." + k, v));
          }
        });
  }

  private static void check(List<String> problems, String where, HttpMatch.StringMatch m) {
    if (m == null) {
      return;
    }
    int given = (m.exact == null ? 0 : 1) + (m.prefix == null ? 0 : 1) + (m.regex == null ? 0 : 1);
    if (given != 1) {
      problems.add(where + " must give exactly one of exact, prefix, regex");
      return;
    }
    if (m.regex != null) {
      try {
        java.util.regex.Pattern.compile(m.regex);
      } catch (PatternSyntaxException e) {
        problems.add(where + ".regex is not a regular expression: " + e.getDescription());
      }
    }
  }

  /** Routes of Sluice's are named after the Canary: one managed route per VirtualService. */
  private static void checkRoutes(List<String> problems, CanarySpec s, Strategy strategy) {
    if (!strategy.needsHttp() || s.virtualServices == null) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (CanarySpec.VirtualServiceRef ref : s.virtualServices) {
      if (ref != null && !seen.add(ref.namespace + "/" + ref.name)) {
        problems.add(
            "virtualServices names VirtualService "
                + ref.name
                + " twice: with mirror, match, sessionAffinity or blueGreen, list each"
                + " VirtualService once");
        return;
      }
    }
  }
}
