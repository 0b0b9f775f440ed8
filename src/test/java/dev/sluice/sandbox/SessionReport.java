package dev.sluice.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the simulated users saw of a release, from their sessions ({@link Sessions}) and the stage
 * of the VirtualService version each answer was routed by ({@link ReleaseStages}): sessions by
 * group, answers by group, stage and version, the sessions that saw both versions while the weights
 * were moving, and the canary's answers by the kind of route that led there (plus the mirrored
 * copies, which no user saw).
 */
final class SessionReport {
  static final String STABLE = "v1";
  static final String CANARY = "v2";

  /** The kind of route an answer came through, from the route's name. */
  enum RouteKind {
    MATCH("match"),
    STICKY("sticky"),
    WEIGHTED("weighted");

    final String key;

    RouteKind(String key) {
      this.key = key;
    }

    /**
     * {@code sluice/.../match}: MATCH; {@code sluice/.../sticky-*}: STICKY; any other: WEIGHTED.
     */
    static RouteKind of(String route) {
      if (route != null && route.startsWith("sluice/")) {
        String purpose = route.substring(route.lastIndexOf('/') + 1);
        if (purpose.equals("match")) {
          return MATCH;
        }
        if (purpose.startsWith("sticky-")) {
          return STICKY;
        }
      }
      return WEIGHTED;
    }
  }

  /** What {@link #of} reports as the affinity count, in words. */
  static final String AFFINITY_HOW =
      "sessionsThatSawBothVersions counts the sessions that were answered by both v1 and v2 in"
          + " answers routed by versions of the VirtualService of the stage weightsMoving: from the"
          + " first version whose managed route gives v2 weight, up to (not including) the first"
          + " that sends everyone to one version with nothing of Sluice's left (the promotion or"
          + " the rollback); sessionsAnsweredTwiceOrMoreWhileWeightsMoved counts those that could"
          + " have (two or more such answers). Debug requests are left out.";

  private final List<Sessions.Session> sessions;
  private final ReleaseStages stages;

  SessionReport(List<Sessions.Session> sessions, ReleaseStages stages) {
    this.sessions = sessions;
    this.stages = stages;
  }

  /** The stage key of an answer, {@code unknown} when its version of the VirtualService is. */
  private String stageOf(Sessions.Answer a) {
    ReleaseStages.Stage s = stages.of(a.routedBy());
    return s == null ? "unknown" : s.key;
  }

  /** Sessions by group name. */
  Map<String, Long> sessionsByGroup() {
    Map<String, Long> out = new TreeMap<>();
    sessions.forEach(s -> out.merge(s.groupName(), 1L, Long::sum));
    return out;
  }

  /** Answers by group, stage and version: {@code {users: {beforeWeights: {v1: 120}}}}. */
  Map<String, Map<String, Map<String, Long>>> answers() {
    Map<String, Map<String, Map<String, Long>>> out = new TreeMap<>();
    for (Sessions.Session s : sessions) {
      for (Sessions.Answer a : s.answers()) {
        out.computeIfAbsent(s.groupName(), g -> new LinkedHashMap<>())
            .computeIfAbsent(stageOf(a), k -> new TreeMap<>())
            .merge(a.version(), 1L, Long::sum);
      }
    }
    return out;
  }

  /** Answers of {@code version} to group {@code group} in stage {@code stage}. */
  long answers(String group, ReleaseStages.Stage stage, String version) {
    return answers()
        .getOrDefault(group, Map.of())
        .getOrDefault(stage.key, Map.of())
        .getOrDefault(version, 0L);
  }

  /** Sessions answered by both versions while the weights were moving. */
  long sawBothVersionsWhileWeightsMoved() {
    return sessions.stream().filter(s -> versionsWhileWeightsMoved(s).size() > 1).count();
  }

  /** Sessions answered twice or more while the weights were moving. */
  long answeredTwiceOrMoreWhileWeightsMoved() {
    return sessions.stream()
        .filter(
            s ->
                s.answers().stream()
                        .filter(a -> stages.of(a.routedBy()) == ReleaseStages.Stage.WEIGHTS_MOVING)
                        .count()
                    > 1)
        .count();
  }

  private Set<String> versionsWhileWeightsMoved(Sessions.Session s) {
    Set<String> out = new TreeSet<>();
    for (Sessions.Answer a : s.answers()) {
      if (stages.of(a.routedBy()) == ReleaseStages.Stage.WEIGHTS_MOVING
          && (a.version().equals(STABLE) || a.version().equals(CANARY))) {
        out.add(a.version());
      }
    }
    return out;
  }

  /** The canary's answers to users by route kind, before the release ended. */
  Map<String, Long> canaryAnswersByRouteKind() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (RouteKind k : RouteKind.values()) {
      out.put(k.key, 0L);
    }
    for (Sessions.Session s : sessions) {
      for (Sessions.Answer a : s.answers()) {
        if (a.version().equals(CANARY) && stages.of(a.routedBy()) != ReleaseStages.Stage.ENDED) {
          out.merge(RouteKind.of(a.route()).key, 1L, Long::sum);
        }
      }
    }
    return out;
  }

  /** The report's {@code sessions} section; {@code mirrors} the proxy's copies (or null). */
  Map<String, Object> toMap(Sessions.Profile profile, Mirrors mirrors) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("total", sessions.size());
    out.put("byGroup", sessionsByGroup());
    out.put("openAtOnce", profile.concurrent());
    out.put("requestsPerSession", profile.requestsPerSession());
    out.put(
        "groups",
        profile.groups().stream()
            .map(g -> g.name() + ": " + g.header() + ": " + g.value() + " (" + g.share() + ")")
            .toList());
    out.put("sessionsThatSawBothVersions", sawBothVersionsWhileWeightsMoved());
    out.put("sessionsAnsweredTwiceOrMoreWhileWeightsMoved", answeredTwiceOrMoreWhileWeightsMoved());
    out.put("how", AFFINITY_HOW);
    out.put("answersByGroupStageAndVersion", answers());
    Map<String, Long> kinds = canaryAnswersByRouteKind();
    if (mirrors != null) {
      kinds.put(
          "mirrorCopies",
          mirrors.byVersionAndStatus().entrySet().stream()
              .filter(e -> e.getKey().startsWith(CANARY + " "))
              .mapToLong(Map.Entry::getValue)
              .sum());
    }
    out.put("canaryAnswersByRouteKindBeforeTheEnd", kinds);
    return out;
  }
}
