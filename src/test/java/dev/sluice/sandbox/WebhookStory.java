package dev.sluice.sandbox;

import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@code webhooks} scenario: the Canary's webhooks, answered by the sandbox's {@link
 * WebhookReceiver} as a team's tooling would answer them.
 *
 * <ol>
 *   <li>Release 1 of v2: a confirm-rollout gate ({@code approval}) answers 403 until the scenario,
 *       playing the approver, opens it for that release after {@value #POLLS_BEFORE_OPENING} polls;
 *       then the pre-rollout test suite ({@code smoke-tests}) answers 422 "3 of 40 smoke tests
 *       failed": Sluice rolls back before v2 gets any traffic.
 *   <li>The suite is fixed (it answers 200 from then on) and the release retried with the {@code
 *       sluice.dev/action: retry} annotation. The gate is closed again for the new release and
 *       opened the same way; the suite passes; the step webhook ({@code load}, with a bearer token
 *       from a Secret) starts the load generator on its first call: the service had no traffic
 *       before it, and the Canary's checks measured at that moment are inconclusive. Promoted.
 * </ol>
 *
 * <p>What it must show ({@link #report}'s {@code held}) is checked from the calls the receiver got,
 * the route versions the mesh routed by, and the Canary's status; nothing is assumed.
 */
final class WebhookStory {
  static final int POLLS_BEFORE_OPENING = 3;
  static final String SECRET = "load-tester-token";
  static final WebhookReceiver.Answer TESTS_FAIL =
      new WebhookReceiver.Answer(422, "3 of 40 smoke tests failed: checkout, login, search");
  static final WebhookReceiver.Answer TESTS_PASS =
      new WebhookReceiver.Answer(200, "40 of 40 smoke tests passed");

  private final ScenarioRun run;
  private final WebhookReceiver receiver;
  private final String prefix;
  private final WebhookReceiver.Gate gate = new WebhookReceiver.Gate();
  private final Map<String, Integer> closedPolls = new ConcurrentHashMap<>();
  private volatile boolean listening;

  /** The releases, by their {@code releaseStartedAt} as the payloads carry it, in order. */
  final List<String> releases = new CopyOnWriteArrayList<>();

  /** When the scenario opened the gate, by release. */
  final Map<String, Instant> gateOpened = new ConcurrentHashMap<>();

  /** The calls of this scenario's webhooks and the notifications received while it ran. */
  final List<WebhookReceiver.Call> calls = new CopyOnWriteArrayList<>();

  final List<WebhookReceiver.Call> notifications = new CopyOnWriteArrayList<>();

  volatile Instant loadStartedAt;
  volatile List<Measurement> checksWithoutLoad = List.of();
  volatile String firstRollbackReason;
  volatile Instant firstRolledBackSeen;
  volatile Instant testsFixedAt;
  volatile Instant retriedAt;

  WebhookStory(ScenarioRun run, WebhookReceiver receiver) {
    this.run = run;
    this.receiver = receiver;
    this.prefix = "/" + run.namespace() + "/";
  }

  String path(String hook) {
    return prefix + hook;
  }

  /** The Canary's webhooks (the seed's spec otherwise). */
  void editCanary(Map<String, Object> spec) {
    List<Map<String, Object>> hooks = new ArrayList<>();
    hooks.add(hook("approval", "confirm-rollout", "gate", null));
    Map<String, Object> tests = hook("smoke-tests", "pre-rollout", "tests", "30s");
    tests.put(
        "metadata",
        Map.of("suite", "smoke", "target", "http://helloworld." + run.namespace() + ":5000/hello"));
    hooks.add(tests);
    Map<String, Object> load = hook("load", "step", "load", null);
    load.put("secretRef", Map.of("name", SECRET));
    load.put(
        "metadata",
        Map.of(
            "cmd",
            "load --rate "
                + ScenarioRun.fmt(run.options().rate())
                + " http://helloworld."
                + run.namespace()
                + ":5000/hello"));
    hooks.add(load);
    spec.put("webhooks", hooks);
  }

  private Map<String, Object> hook(String name, String type, String path, String timeout) {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("name", name);
    h.put("type", type);
    h.put("url", receiver.url(path(path)).toString());
    if (timeout != null) {
      h.put("timeout", timeout);
    }
    return h;
  }

  /**
   * The Secret of the step webhook's token, and the receiver's answers: the gate closed, the test
   * suite failing, the load hook starting the load ({@code startLoad}) on its first call.
   */
  void seed(KubernetesClient client, Runnable startLoad) {
    client
        .secrets()
        .inNamespace(run.namespace())
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(SECRET)
                .endMetadata()
                .addToStringData("token", "sandbox-" + Long.toHexString(System.nanoTime()))
                .build())
        .create();
    receiver.on(path("gate"), gate);
    receiver.on(path("tests"), request -> TESTS_FAIL);
    receiver.on(
        path("load"),
        WebhookReceiver.onFirstCall(
            startLoad,
            new WebhookReceiver.Answer(
                200, "load running: " + ScenarioRun.fmt(run.options().rate()) + " req/s")));
    receiver.onCall(this::received);
    listening = true;
  }

  /** Called by the step hook's first call: the checks as they read without load, then the load. */
  void startLoad(DetectionProbe probe, LoadGenerator load) {
    checksWithoutLoad = probe.measureOnce();
    load.start();
    loadStartedAt = load.startedAt();
    run.say(
        "load started by the step hook: %s req/s; just before, with no load, the Canary's checks"
            + " read: %s",
        ScenarioRun.fmt(run.options().rate()), measurements(checksWithoutLoad, true));
  }

  private void received(WebhookReceiver.Call c) {
    if (!listening) {
      return;
    }
    if (c.notification()) {
      notifications.add(c);
      run.say("notification %s: %s", c.path(), abbreviate(c.body(), 160));
      return;
    }
    if (!c.path().startsWith(prefix)) {
      return;
    }
    calls.add(c);
    String release = c.field("releaseStartedAt");
    if (release != null && !releases.contains(release)) {
      releases.add(release);
    }
    run.say(
        "webhook  %-16s %-12s%s weight %3s%%  → %s  (release %d, +%s s)%s",
        c.field("type"),
        c.field("webhook"),
        c.intField("step") == null
            ? "        "
            : String.format(Locale.ROOT, " step %-2d", c.intField("step")),
        c.intField("weight"),
        abbreviate(c.answer().toString(), 60),
        releases.indexOf(release) + 1,
        SandboxReport.fmt(sinceRelease(c)),
        c.authorization() ? "  [Authorization sent]" : "");
    if ("confirm-rollout".equals(c.field("type"))
        && !c.answer().passed()
        && release != null
        && closedPolls.merge(release, 1, Integer::sum) >= POLLS_BEFORE_OPENING
        && !gate.isOpen(release)) {
      gate.open(release);
      gateOpened.put(release, Instant.now());
      run.say(
          "the approver opens the gate for release %d after %d polls",
          releases.indexOf(release) + 1, POLLS_BEFORE_OPENING);
    }
  }

  /** Release 1 fails its tests and is rolled back; the suite is fixed; the release is retried. */
  void firstReleaseThenRetry(KubernetesClient client) {
    run.awaitTrue(
        Duration.ofSeconds(120),
        "the first release to be rolled back",
        () -> "RolledBack".equals(run.phase()) && !run.subsets().contains("v2"));
    firstRolledBackSeen = Instant.now();
    CanaryStatus s = run.canary().getStatus();
    firstRollbackReason = s.rollbackReason;
    String first = s.releaseStartedAt;
    run.say("first release rolled back: %s", s.rollbackReason);
    dev.sluice.testing.Processes.sleep(2000); // the team reads the failure and fixes the suite
    receiver.on(path("tests"), request -> TESTS_PASS);
    testsFixedAt = Instant.now();
    run.say("the test suite is fixed (it answers %s); retrying the release", TESTS_PASS);
    client
        .resources(Canary.class)
        .inNamespace(run.namespace())
        .withName(ScenarioRun.APP)
        .edit(
            c -> {
              Map<String, String> a =
                  c.getMetadata().getAnnotations() == null
                      ? new HashMap<>()
                      : new HashMap<>(c.getMetadata().getAnnotations());
              a.put("sluice.dev/action", "retry");
              a.put("sluice.dev/action-by", "sandbox");
              c.getMetadata().setAnnotations(a);
              return c;
            });
    retriedAt = Instant.now();
    run.say("annotated sluice.dev/action=retry");
    run.awaitTrue(
        Duration.ofSeconds(60),
        "the retried release to start",
        () -> {
          Canary c = run.canary();
          CanaryStatus st = c == null ? null : c.getStatus();
          return st != null
              && st.releaseStartedAt != null
              && !st.releaseStartedAt.equals(first)
              && !"RolledBack".equals(st.phase);
        });
  }

  /** Stops printing what the (shared) receiver gets. */
  void stop() {
    listening = false;
  }

  // ---- what it showed -------------------------------------------------------------------------

  private List<WebhookReceiver.Call> calls(int release, String type) {
    String r = release <= releases.size() ? releases.get(release - 1) : null;
    return calls.stream()
        .filter(c -> r != null && r.equals(c.field("releaseStartedAt")))
        .filter(c -> type == null || type.equals(c.field("type")))
        .toList();
  }

  private static Instant releaseStart(WebhookReceiver.Call c) {
    String r = c.field("releaseStartedAt");
    try {
      return r == null ? null : Instant.parse(r);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private static Double sinceRelease(WebhookReceiver.Call c) {
    return SandboxReport.seconds(releaseStart(c), c.at());
  }

  private Double t(Instant at) {
    return SandboxReport.seconds(run.startedAt(), at);
  }

  private Double sinceRelease(int release, Instant at) {
    if (release > releases.size() || at == null) {
      return null;
    }
    return SandboxReport.seconds(Instant.parse(releases.get(release - 1)), at);
  }

  /** The mesh's route version in effect at {@code at}. */
  private ScenarioRun.RoutePoint routeAt(Instant at) {
    ScenarioRun.RoutePoint in = null;
    for (ScenarioRun.RoutePoint p : run.meshVersions) {
      if (p.at().isAfter(at)) {
        break;
      }
      in = p;
    }
    return in;
  }

  /** The report's {@code webhooks} section; {@code held} says whether it showed what it must. */
  Map<String, Object> report() {
    Map<String, Object> r = new LinkedHashMap<>();
    List<Map<String, Object>> list = new ArrayList<>();
    for (WebhookReceiver.Call c : calls) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("t", t(c.at()));
      one.put("release", releases.indexOf(c.field("releaseStartedAt")) + 1);
      one.put("sinceReleaseStartSeconds", sinceRelease(c));
      one.put("path", c.path());
      one.put("type", c.field("type"));
      one.put("webhook", c.field("webhook"));
      one.put("phase", c.field("phase"));
      one.put("step", c.intField("step"));
      one.put("weight", c.intField("weight"));
      one.put("answer", c.answer().status());
      one.put("answerBody", c.answer().body());
      one.put("authorizationSent", c.authorization());
      list.add(one);
    }
    r.put("calls", list);

    // release 1: the gate, then the failing suite, while the route stays at 100% v1
    Map<String, Object> first = new LinkedHashMap<>();
    List<WebhookReceiver.Call> tests1 = calls(1, "pre-rollout");
    WebhookReceiver.Call failure =
        tests1.stream().filter(c -> !c.answer().passed()).findFirst().orElse(null);
    Instant failedAt = failure == null ? null : failure.at();
    Instant end1 = retriedAt == null ? run.moments.get("end") : retriedAt;
    Instant applied = run.moments.get("v2Applied");
    int maxV2 = 0;
    boolean allV1 = applied != null && end1 != null;
    if (allV1) {
      for (ScenarioRun.RoutePoint p : run.meshVersions) {
        if (!p.at().isBefore(applied) && !p.at().isAfter(end1)) {
          maxV2 = Math.max(maxV2, p.weight("v2"));
          allV1 &= p.everyoneOn("v1");
        }
      }
    }
    ScenarioRun.RoutePoint atFailure = failedAt == null ? null : routeAt(failedAt);
    boolean v1AtFailure = atFailure != null && atFailure.everyoneOn("v1");
    Instant subsetAdded = run.moments.get("subset v2 added");
    Instant opened1 = releases.isEmpty() ? null : gateOpened.get(releases.get(0));
    long stepCalls1 = calls(1, "step").size();
    first.putAll(gateTimeline(1));
    first.put("subsetV2AddedSinceReleaseStartSeconds", sinceRelease(1, subsetAdded));
    first.put(
        "subsetV2AddedAfterTheGateOpened",
        opened1 != null && subsetAdded != null && subsetAdded.isAfter(opened1));
    first.put("preRolloutCalls", tests1.size());
    first.put(
        "preRolloutFailedSinceReleaseStartSeconds", failure == null ? null : sinceRelease(failure));
    first.put("preRolloutAnswer", failure == null ? null : failure.answer().toString());
    first.put("routeAtThePreRolloutFailure", atFailure == null ? null : atFailure.weights());
    first.put(
        "routeAt100PercentV1SinceSeconds", v1AtFailure ? sinceRelease(1, atFailure.at()) : null);
    first.put("routeEveryoneOnV1UntilTheRetry", allV1);
    first.put("v2HighestWeightInTheRelease", maxV2);
    // the first RolledBack phase the sandbox saw is release 1's (phases keeps the first of each)
    Instant rolledBack = run.phases.get("RolledBack");
    first.put("rolledBackPhaseSinceReleaseStartSeconds", sinceRelease(1, rolledBack));
    first.put(
        "subsetV2RemovedSinceReleaseStartSeconds",
        sinceRelease(1, run.moments.get("subset v2 removed")));
    first.put("rollbackReason", firstRollbackReason);
    first.put("stepWebhookCalls", stepCalls1);
    boolean firstHeld =
        failure != null
            && v1AtFailure
            && allV1
            && maxV2 == 0
            && rolledBack != null
            && rolledBack.isAfter(failedAt)
            && firstRolledBackSeen != null
            && firstRollbackReason != null
            && firstRollbackReason.contains("smoke-tests")
            && stepCalls1 == 0
            && opened1 != null
            && Boolean.TRUE.equals(first.get("subsetV2AddedAfterTheGateOpened"));
    first.put("held", firstHeld);
    r.put("release1", first);

    // release 2: the gate again, the suite passing, the step hook starting the load
    Map<String, Object> second = new LinkedHashMap<>();
    second.putAll(gateTimeline(2));
    Instant opened2 = releases.size() < 2 ? null : gateOpened.get(releases.get(1));
    Instant firstWeight = run.moments.get("firstTrafficToV2");
    List<WebhookReceiver.Call> tests2 = calls(2, "pre-rollout");
    List<WebhookReceiver.Call> steps2 = calls(2, "step");
    WebhookReceiver.Call firstStep = steps2.isEmpty() ? null : steps2.get(0);
    second.put("canaryFirstGotWeightSinceReleaseStartSeconds", sinceRelease(2, firstWeight));
    second.put(
        "canaryGotWeightOnlyAfterTheGateOpened",
        opened2 != null && firstWeight != null && firstWeight.isAfter(opened2));
    second.put(
        "preRolloutAnswers", tests2.stream().map(c -> c.answer().toString()).distinct().toList());
    boolean testsPassed = !tests2.isEmpty() && tests2.stream().allMatch(c -> c.answer().passed());
    second.put("stepWebhookCalls", steps2.size());
    second.put("stepsCalled", steps2.stream().map(c -> c.intField("step")).distinct().toList());
    second.put(
        "firstStepCallSinceReleaseStartSeconds",
        firstStep == null ? null : sinceRelease(firstStep));
    second.put("firstStepCallStep", firstStep == null ? null : firstStep.intField("step"));
    second.put("firstStepCallWeight", firstStep == null ? null : firstStep.intField("weight"));
    Instant loadAt = loadStartedAt;
    second.put("loadStartedSinceReleaseStartSeconds", sinceRelease(2, loadAt));
    second.put(
        "loadStartedAfterTheFirstStepCallMs",
        firstStep == null ? null : SandboxReport.ms(firstStep.at(), loadAt));
    second.put("requestsSent", run.load == null ? null : run.load.sent());
    Map<String, Object> without = new LinkedHashMap<>();
    for (Measurement m : checksWithoutLoad) {
      without.put(m.check(), m.outcome() + (m.message() == null ? "" : ": " + m.message()));
    }
    second.put("checksWithoutLoadAtTheFirstStepCall", without);
    boolean inconclusiveWithoutLoad =
        !checksWithoutLoad.isEmpty()
            && checksWithoutLoad.stream().allMatch(m -> m.outcome() == Outcome.INCONCLUSIVE);
    second.put("checksWithoutLoadAllInconclusive", inconclusiveWithoutLoad);
    second.put("sluiceEvaluationsAfterTheLoadStarted", evaluationsAfter(loadAt));
    boolean tokens =
        !steps2.isEmpty()
            && calls.stream().allMatch(c -> c.authorization() == "step".equals(c.field("type")));
    second.put("bearerTokenOnStepCallsOnly", tokens);
    boolean secondHeld =
        opened2 != null
            && Boolean.TRUE.equals(second.get("canaryGotWeightOnlyAfterTheGateOpened"))
            && testsPassed
            && firstStep != null
            && Integer.valueOf(1).equals(firstStep.intField("step"))
            && loadAt != null
            && !loadAt.isBefore(firstStep.at())
            && run.load != null
            && run.load.sent() > 0
            && inconclusiveWithoutLoad
            && tokens;
    second.put("held", secondHeld);
    r.put("release2", second);

    r.put("repeatedCalls", repeatedCalls());
    r.put("notifications", notificationsReport());
    r.put("held", releases.size() == 2 && firstHeld && secondHeld);
    return r;
  }

  /**
   * The pre-rollout and step calls made more than once for the same release (and step): {@code
   * docs/webhooks.md} says each is called once (again only after a failure, or when the daemon
   * restarted mid-call). Not part of {@code held} (a receiver must tolerate a repeat), but shown.
   */
  private List<String> repeatedCalls() {
    Map<String, Integer> n = new LinkedHashMap<>();
    for (WebhookReceiver.Call c : calls) {
      String type = c.field("type");
      // a step webhook is called again after a failed call: only passed ones count for it
      if ("pre-rollout".equals(type) || ("step".equals(type) && c.answer().passed())) {
        n.merge(
            "release "
                + (releases.indexOf(c.field("releaseStartedAt")) + 1)
                + " "
                + type
                + " "
                + c.field("webhook")
                + (c.intField("step") == null ? "" : " step " + c.intField("step")),
            1,
            Integer::sum);
      }
    }
    List<String> out = new ArrayList<>();
    n.forEach(
        (k, v) -> {
          if (v > 1) {
            out.add(k + " called " + v + " times");
          }
        });
    return out;
  }

  private Map<String, Object> gateTimeline(int release) {
    Map<String, Object> g = new LinkedHashMap<>();
    List<WebhookReceiver.Call> polls = calls(release, "confirm-rollout");
    String key = release <= releases.size() ? releases.get(release - 1) : null;
    Instant opened = key == null ? null : gateOpened.get(key);
    WebhookReceiver.Call pass =
        polls.stream().filter(c -> c.answer().passed()).findFirst().orElse(null);
    g.put("releaseStartedAt", key);
    g.put("releaseStartedAtScenarioSeconds", key == null ? null : t(Instant.parse(key)));
    g.put("gatePolls", polls.size());
    g.put("gatePollsAnsweredClosed", polls.stream().filter(c -> !c.answer().passed()).count());
    g.put(
        "gateFirstPolledSinceReleaseStartSeconds",
        polls.isEmpty() ? null : sinceRelease(polls.get(0)));
    g.put("gateOpenedSinceReleaseStartSeconds", sinceRelease(release, opened));
    g.put("gateFirstPassedSinceReleaseStartSeconds", pass == null ? null : sinceRelease(pass));
    return g;
  }

  /** Sluice's own evaluations from {@code since}: how many, and their outcomes in order. */
  private Map<String, Object> evaluationsAfter(Instant since) {
    Map<String, Object> e = new LinkedHashMap<>();
    if (since == null) {
      return e;
    }
    List<ScenarioRun.Evaluation> after =
        run.evaluations.stream().filter(v -> v.at().isAfter(since)).toList();
    int inconclusiveFirst = 0;
    for (ScenarioRun.Evaluation v : after) {
      if (v.outcomes().values().stream().allMatch("PASS"::equals)) {
        e.put("firstAllPassSinceLoadStartSeconds", SandboxReport.seconds(since, v.at()));
        break;
      }
      if (v.outcomes().containsValue("INCONCLUSIVE")) {
        inconclusiveFirst++;
      }
    }
    e.put("count", after.size());
    e.put("inconclusiveBeforeTheFirstAllPass", inconclusiveFirst);
    e.put("anyFail", after.stream().anyMatch(ScenarioRun.Evaluation::anyFail));
    return e;
  }

  private Map<String, Object> notificationsReport() {
    Map<String, Object> n = new LinkedHashMap<>();
    List<Map<String, Object>> list = new ArrayList<>();
    for (WebhookReceiver.Call c : notifications) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("t", t(c.at()));
      one.put("path", c.path());
      one.put("cloudEvent", c.cloudEventTime() != null);
      one.put("type", c.json() == null ? c.header("ce-type") : c.field("type"));
      one.put("body", abbreviate(c.body(), 400));
      list.add(one);
    }
    n.put("received", list);
    n.put("cloudEventLatency", WebhookReceiver.cloudEventLatency(notifications));
    if (list.isEmpty()) {
      n.put(
          "note",
          Sandbox.notificationSettings(receiver).isEmpty()
              ? "no notifications configured"
              : "notifications configured, none received");
    }
    return n;
  }

  // ---- printing -------------------------------------------------------------------------------

  /** The story's moments for the chart, by label, in order. */
  Map<String, Instant> markers() {
    Map<String, Instant> m = new LinkedHashMap<>();
    for (int i = 0; i < releases.size(); i++) {
      m.put("gate opened (release " + (i + 1) + ")", gateOpened.get(releases.get(i)));
      if (i == 0) {
        calls(1, "pre-rollout").stream()
            .filter(c -> !c.answer().passed())
            .findFirst()
            .ifPresent(c -> m.put("pre-rollout " + c.answer().status() + ": rolled back", c.at()));
        m.put("retry", retriedAt);
      }
    }
    m.put("step hook: load started", loadStartedAt);
    m.values().removeIf(java.util.Objects::isNull);
    return m;
  }

  /** The scenario's figures in sentences, for its final line. */
  String line() {
    Map<String, Object> r = report();
    Map<String, Object> a = map(r.get("release1"));
    Map<String, Object> b = map(r.get("release2"));
    Map<String, Object> evals = map(b.get("sluiceEvaluationsAfterTheLoadStarted"));
    String text =
        String.format(
            Locale.ROOT,
            " Release 1: the gate answered 403 to %s polls and was opened at +%s s; pre-rollout"
                + " smoke-tests answered \"%s\" at +%s s while the route was at %s (%s, v2's"
                + " highest weight in the release %s%%); Sluice's RolledBack at +%s s, subset v2"
                + " removed at +%s s. Release 2 (retry):"
                + " the gate answered 403 to %s polls, opened at +%s s, passed at +%s s; the canary"
                + " first got weight at +%s s; smoke-tests %s; the step hook's first call (step %s,"
                + " %s%%) at +%s s started the load %s ms later, after measuring the checks without"
                + " load: %s;"
                + " %s step calls for steps %s, a bearer token on each; Sluice's evaluations"
                + " after the load started: %s inconclusive before the first all-pass %s s in.%s",
            a.get("gatePollsAnsweredClosed"),
            SandboxReport.fmt((Double) a.get("gateOpenedSinceReleaseStartSeconds")),
            a.get("preRolloutAnswer"),
            SandboxReport.fmt((Double) a.get("preRolloutFailedSinceReleaseStartSeconds")),
            a.get("routeAtThePreRolloutFailure"),
            since100V1((Double) a.get("routeAt100PercentV1SinceSeconds")),
            a.get("v2HighestWeightInTheRelease"),
            SandboxReport.fmt((Double) a.get("rolledBackPhaseSinceReleaseStartSeconds")),
            SandboxReport.fmt((Double) a.get("subsetV2RemovedSinceReleaseStartSeconds")),
            b.get("gatePollsAnsweredClosed"),
            SandboxReport.fmt((Double) b.get("gateOpenedSinceReleaseStartSeconds")),
            SandboxReport.fmt((Double) b.get("gateFirstPassedSinceReleaseStartSeconds")),
            SandboxReport.fmt((Double) b.get("canaryFirstGotWeightSinceReleaseStartSeconds")),
            b.get("preRolloutAnswers"),
            b.get("firstStepCallStep"),
            b.get("firstStepCallWeight"),
            SandboxReport.fmt((Double) b.get("firstStepCallSinceReleaseStartSeconds")),
            b.get("loadStartedAfterTheFirstStepCallMs") == null
                ? "?"
                : String.format(
                    Locale.ROOT, "%.1f", (Double) b.get("loadStartedAfterTheFirstStepCallMs")),
            measurements(checksWithoutLoad, false),
            b.get("stepWebhookCalls"),
            b.get("stepsCalled"),
            evals.get("inconclusiveBeforeTheFirstAllPass"),
            SandboxReport.fmt((Double) evals.get("firstAllPassSinceLoadStartSeconds")),
            Boolean.TRUE.equals(r.get("held")) ? "" : " NOT AS EXPECTED: " + failed(a, b));
    List<?> repeated = (List<?>) r.get("repeatedCalls");
    return text
        + (repeated.isEmpty()
            ? ""
            : " NOTE, against docs/webhooks.md (called once): "
                + String.join("; ", repeated.stream().map(String::valueOf).toList())
                + ".")
        + "\n  notifications: "
        + notificationsLine(map(r.get("notifications")));
  }

  private static String since100V1(Double since) {
    if (since == null) {
      return "NOT 100% v1";
    }
    return since < 0
        ? "100% v1 unchanged since before the release started"
        : "100% v1 since +" + SandboxReport.fmt(since) + " s";
  }

  private static String failed(Map<String, Object> a, Map<String, Object> b) {
    List<String> f = new ArrayList<>();
    if (!Boolean.TRUE.equals(a.get("held"))) {
      f.add("release 1");
    }
    if (!Boolean.TRUE.equals(b.get("held"))) {
      f.add("release 2");
    }
    return f.isEmpty() ? "not two releases" : String.join(" and ", f) + " (see report.json)";
  }

  private static String notificationsLine(Map<String, Object> n) {
    List<?> received = (List<?>) n.get("received");
    if (received.isEmpty()) {
      return String.valueOf(n.get("note"));
    }
    Map<String, Object> latency = map(n.get("cloudEventLatency"));
    return received.size()
        + " received"
        + (latency.isEmpty()
            ? ", none of them a CloudEvent"
            : String.format(
                Locale.ROOT,
                "; CloudEvents' time → receipt over %s: p50 %s ms, p99 %s ms",
                latency.get("count"),
                latency.get("p50Ms"),
                latency.get("p99Ms")));
  }

  /** Every call in a table, for the terminal after the scenario. */
  String table() {
    StringBuilder b =
        new StringBuilder("  webhook calls received (time since their release's start):\n");
    for (WebhookReceiver.Call c : calls) {
      b.append(
          String.format(
              Locale.ROOT,
              "    release %d  +%6s s  %-16s %-26s step %-4s weight %3s%%  → %s%n",
              releases.indexOf(c.field("releaseStartedAt")) + 1,
              SandboxReport.fmt(sinceRelease(c)),
              c.field("type"),
              c.path(),
              c.intField("step") == null ? "-" : c.intField("step"),
              c.intField("weight"),
              abbreviate(c.answer().toString(), 60)));
    }
    return b.toString();
  }

  /** Each check and its outcome, with its message when {@code why} (less the check's name). */
  private static String measurements(List<Measurement> ms, boolean why) {
    List<String> parts = new ArrayList<>();
    for (Measurement m : ms) {
      String message = m.message();
      if (message != null && message.startsWith(m.check() + ": ")) {
        message = message.substring(m.check().length() + 2);
      }
      parts.add(
          m.check()
              + " "
              + m.outcome().name().toLowerCase(Locale.ROOT)
              + (why && message != null ? " (" + message + ")" : ""));
    }
    return String.join(" · ", parts);
  }

  static String abbreviate(String s, int max) {
    if (s == null) {
      return "";
    }
    String one = s.replaceAll("\\s+", " ").strip();
    return one.length() <= max ? one : one.substring(0, max - 1) + "…";
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o == null ? Map.of() : (Map<String, Object>) o;
  }
}
