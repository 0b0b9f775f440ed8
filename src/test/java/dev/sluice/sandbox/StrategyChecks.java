package dev.sluice.sandbox;

import static dev.sluice.sandbox.ReleaseStages.Stage.BEFORE_WEIGHTS;
import static dev.sluice.sandbox.ReleaseStages.Stage.ENDED;
import static dev.sluice.sandbox.ReleaseStages.Stage.WEIGHTS_MOVING;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether a release-strategy scenario showed what it is there to show, from what the users were
 * answered ({@link SessionReport}) and the versions of the VirtualService the mesh routed by
 * ({@link ReleaseStages}):
 *
 * <ul>
 *   <li>{@code abtest}: before the promotion only insiders were answered by v2, through the match
 *       route, and no weight step was written;
 *   <li>{@code mirror}: copies reached v2 while v2 answered no user, v2 never had weight, and the
 *       rollback came while the mirror was on;
 *   <li>{@code affinity}: no session was answered by both versions while the weights moved, and v2
 *       answered through the sticky routes;
 *   <li>{@code bluegreen}: no user (preview testers aside) was answered by v2 before the switch,
 *       the switch went from 0 to 100% in one write, and after it v2 answered every user.
 * </ul>
 */
final class StrategyChecks {
  private StrategyChecks() {}

  /** The report's {@code strategy} section: the figures, and {@code held}. */
  static Map<String, Object> of(ScenarioRun run) {
    if (run.load == null) {
      return new LinkedHashMap<>(Map.of("held", false));
    }
    ReleaseStages stages = run.stages();
    return of(
        run.scenario(),
        stages,
        new SessionReport(run.load.sessions().all(), stages),
        run.load.byVersionAndStatus(),
        run.mesh == null ? Map.of() : run.mesh.mirrors().byVersionAndStatus(),
        run.startedAt());
  }

  /**
   * The checks of {@code scenario} from the stages of its release, its sessions' answers, every
   * answer by "version status" ({@code answered}), the mirrored copies' ({@code copies}) and when
   * it started.
   */
  static Map<String, Object> of(
      Scenario scenario,
      ReleaseStages stages,
      SessionReport sessions,
      Map<String, Long> answered,
      Map<String, Long> copies,
      Instant start) {
    Map<String, Object> c = new LinkedHashMap<>();
    boolean held;
    switch (scenario) {
      case ABTEST -> {
        String insiders = Scenario.INSIDERS.name();
        long usersV2 = beforeTheEnd(sessions, Sessions.USERS, "v2");
        long insidersV2 = beforeTheEnd(sessions, insiders, "v2");
        c.put("usersAnsweredByV2BeforeTheEnd", usersV2);
        c.put("usersAnsweredBeforeTheEnd", beforeTheEnd(sessions, Sessions.USERS, null));
        c.put("insidersAnsweredByV2BeforeTheEnd", insidersV2);
        c.put("insidersAnsweredBeforeTheEnd", beforeTheEnd(sessions, insiders, null));
        c.put("canaryAnswersByRouteKindBeforeTheEnd", sessions.canaryAnswersByRouteKind());
        c.put("anyWeightStep", stages.first(WEIGHTS_MOVING) != null);
        held = usersV2 == 0 && insidersV2 > 0 && stages.first(WEIGHTS_MOVING) == null;
      }
      case MIRROR -> {
        long toV2 = sum(copies, "v2 ");
        long usersV2 = sum(answered, "v2 ");
        boolean everWeighted = stages.versions().stream().anyMatch(v -> v.weight("v2") > 0);
        ReleaseStages.Version end = stages.first(ENDED);
        int i = end == null ? -1 : stages.versions().indexOf(end);
        boolean mirrorOnAtTheEnd =
            i > 0
                && stages.versions().get(i - 1).sluice().stream()
                    .anyMatch(p -> p.startsWith("mirror"));
        c.put("copiesMirroredToV2", toV2);
        c.put("copiesByVersionAndStatus", copies);
        c.put("requestsAnsweredByV2", usersV2);
        c.put("v2EverGivenWeight", everWeighted);
        c.put("rolledBackWhileTheMirrorWasOn", mirrorOnAtTheEnd);
        held = toV2 > 0 && usersV2 == 0 && !everWeighted && mirrorOnAtTheEnd;
      }
      case AFFINITY -> {
        long both = sessions.sawBothVersionsWhileWeightsMoved();
        long twice = sessions.answeredTwiceOrMoreWhileWeightsMoved();
        Map<String, Long> kinds = sessions.canaryAnswersByRouteKind();
        c.put("sessionsThatSawBothVersions", both);
        c.put("sessionsAnsweredTwiceOrMoreWhileWeightsMoved", twice);
        c.put("canaryAnswersByRouteKindBeforeTheEnd", kinds);
        held = both == 0 && twice > 0 && kinds.get("sticky") > 0;
      }
      case BLUEGREEN -> {
        String testers = Scenario.PREVIEW_TESTERS.name();
        long usersV2Before = beforeTheEnd(sessions, Sessions.USERS, "v2");
        long testersV2Before = beforeTheEnd(sessions, testers, "v2");
        long usersAfter = total(sessions, Sessions.USERS, ENDED);
        long usersV2After = sessions.answers(Sessions.USERS, ENDED, "v2");
        ReleaseStages.Version switched = stages.first(ENDED);
        boolean oneWrite =
            !stages.anyPartialWeight()
                && switched != null
                && switched.weight("v2") == 100
                && stages.first(WEIGHTS_MOVING) == null;
        c.put("usersAnsweredByV2BeforeTheSwitch", usersV2Before);
        c.put("usersAnsweredBeforeTheSwitch", beforeTheEnd(sessions, Sessions.USERS, null));
        c.put("previewTestersAnsweredByV2BeforeTheSwitch", testersV2Before);
        c.put("previewTestersAnsweredBeforeTheSwitch", beforeTheEnd(sessions, testers, null));
        c.put("switchInOneWrite", oneWrite);
        c.put(
            "switchRoutedAtSeconds",
            switched == null ? null : SandboxReport.seconds(start, switched.at()));
        c.put("usersAnsweredAfterTheSwitch", usersAfter);
        c.put("usersAnsweredByV2AfterTheSwitch", usersV2After);
        held =
            usersV2Before == 0
                && testersV2Before > 0
                && oneWrite
                && usersAfter > 0
                && usersV2After == usersAfter;
      }
      default -> held = true;
    }
    c.put("held", held);
    return c;
  }

  /** The scenario's figures in a sentence, for its final line; empty for the other scenarios. */
  static String line(ScenarioRun run) {
    if (!run.scenario().strategy() || run.load == null) {
      return "";
    }
    Map<String, Object> c = of(run);
    String text =
        switch (run.scenario()) {
          case ABTEST ->
              String.format(
                  Locale.ROOT,
                  "Before the promotion v2 answered %s of the users' %s requests and %s of the"
                      + " insiders' %s (by route kind: %s); weight steps: %s.",
                  c.get("usersAnsweredByV2BeforeTheEnd"),
                  c.get("usersAnsweredBeforeTheEnd"),
                  c.get("insidersAnsweredByV2BeforeTheEnd"),
                  c.get("insidersAnsweredBeforeTheEnd"),
                  c.get("canaryAnswersByRouteKindBeforeTheEnd"),
                  Boolean.TRUE.equals(c.get("anyWeightStep")) ? "SOME" : "none");
          case MIRROR ->
              String.format(
                  Locale.ROOT,
                  "Mirror: %s copies reached v2 (%s), their answers discarded; v2 answered %s of"
                      + " the users' requests; v2 %s given weight; rolled back %s.",
                  c.get("copiesMirroredToV2"),
                  c.get("copiesByVersionAndStatus"),
                  c.get("requestsAnsweredByV2"),
                  Boolean.TRUE.equals(c.get("v2EverGivenWeight")) ? "WAS" : "was never",
                  Boolean.TRUE.equals(c.get("rolledBackWhileTheMirrorWasOn"))
                      ? "while the mirror was on"
                      : "NOT during the mirror stage");
          case AFFINITY ->
              String.format(
                  Locale.ROOT,
                  "Session affinity: %s of the %s sessions answered twice or more while the"
                      + " weights moved saw both versions; v2's answers by route kind: %s.",
                  c.get("sessionsThatSawBothVersions"),
                  c.get("sessionsAnsweredTwiceOrMoreWhileWeightsMoved"),
                  c.get("canaryAnswersByRouteKindBeforeTheEnd"));
          case BLUEGREEN ->
              String.format(
                  Locale.ROOT,
                  "Until the switch v2 answered %s of the users' %s requests (%s of the preview"
                      + " testers' %s); the switch (%s s) %s; after it v2 answered %s of the"
                      + " users' %s requests.",
                  c.get("usersAnsweredByV2BeforeTheSwitch"),
                  c.get("usersAnsweredBeforeTheSwitch"),
                  c.get("previewTestersAnsweredByV2BeforeTheSwitch"),
                  c.get("previewTestersAnsweredBeforeTheSwitch"),
                  SandboxReport.fmt((Double) c.get("switchRoutedAtSeconds")),
                  Boolean.TRUE.equals(c.get("switchInOneWrite"))
                      ? "sent everyone from 0 to 100% v2 in one write"
                      : "was NOT one write from 0 to 100%",
                  c.get("usersAnsweredByV2AfterTheSwitch"),
                  c.get("usersAnsweredAfterTheSwitch"));
          default -> "";
        };
    return " " + text + (Boolean.TRUE.equals(c.get("held")) ? "" : " NOT AS EXPECTED.");
  }

  /** The scenario's figures in a few words, for the chart's subtitle; null for the others. */
  static String summary(ScenarioRun run) {
    if (!run.scenario().strategy() || run.load == null) {
      return null;
    }
    Map<String, Object> c = of(run);
    return switch (run.scenario()) {
      case ABTEST ->
          "before the promotion v2 answered "
              + c.get("usersAnsweredByV2BeforeTheEnd")
              + " users' and "
              + c.get("insidersAnsweredByV2BeforeTheEnd")
              + " insiders' requests";
      case MIRROR ->
          c.get("copiesMirroredToV2")
              + " copies mirrored to v2, "
              + c.get("requestsAnsweredByV2")
              + " users' requests answered by v2";
      case AFFINITY ->
          c.get("sessionsThatSawBothVersions")
              + " of "
              + c.get("sessionsAnsweredTwiceOrMoreWhileWeightsMoved")
              + " sessions saw both versions while the weights moved";
      case BLUEGREEN ->
          "users on v2: "
              + share(
                  c.get("usersAnsweredByV2BeforeTheSwitch"), c.get("usersAnsweredBeforeTheSwitch"))
              + " before the switch, "
              + share(
                  c.get("usersAnsweredByV2AfterTheSwitch"), c.get("usersAnsweredAfterTheSwitch"))
              + " after";
      default -> null;
    };
  }

  private static String share(Object part, Object whole) {
    long w = ((Number) whole).longValue();
    return w == 0
        ? "?"
        : String.format(Locale.ROOT, "%.0f%%", 100.0 * ((Number) part).longValue() / w);
  }

  /** Answers to {@code group} before the release's end, of {@code version} (null: any). */
  private static long beforeTheEnd(SessionReport sessions, String group, String version) {
    long n = 0;
    for (ReleaseStages.Stage s : List.of(BEFORE_WEIGHTS, WEIGHTS_MOVING)) {
      n += version == null ? total(sessions, group, s) : sessions.answers(group, s, version);
    }
    return n;
  }

  private static long total(SessionReport sessions, String group, ReleaseStages.Stage stage) {
    return sessions
        .answers()
        .getOrDefault(group, Map.of())
        .getOrDefault(stage.key, Map.of())
        .values()
        .stream()
        .mapToLong(Long::longValue)
        .sum();
  }

  private static long sum(Map<String, Long> byVersionAndStatus, String prefix) {
    return byVersionAndStatus.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }
}
