package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.AlertmanagerServer;
import dev.sluice.testing.PrometheusServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end: the local sandbox ({@code scripts/sandbox good errors alert gateway gateway-errors
 * abtest mirror affinity bluegreen --interval 2s}) against the packaged daemon ({@code
 * target/quarkus-app/quarkus-run.jar}, built by {@code package} before this runs), a real
 * Prometheus and, for {@code alert}, a real Alertmanager. Asserts the final objects, the debug
 * route in every stored version of the VirtualService, that no request was lost, and in the gateway
 * scenarios that the gateway's and the mesh's VirtualServices carried the same weights in every
 * stored version; in the release-strategy scenarios (issue 18: A/B, mirror, session affinity,
 * blue/green) what the users were answered at each stage; in {@code webhooks} the calls the
 * sandbox's receiver got and what they did to the release. Times are printed, never asserted (only
 * that the alert's two latencies were measured).
 *
 * <p>Needs {@code prometheus} and {@code prometheus-alertmanager} ({@code
 * scripts/install-prometheus}; CI installs them): without them the test fails, it does not skip.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxIT {
  private static Sandbox sandbox;

  @BeforeAll
  static void start() {
    assertThat(PrometheusServer.find())
        .as("SandboxIT: no prometheus binary; " + PrometheusServer.INSTALL_HINT)
        .isNotNull();
    assertThat(AlertmanagerServer.find())
        .as("SandboxIT: no Alertmanager binary; " + AlertmanagerServer.INSTALL_HINT)
        .isNotNull();
    Path project = Path.of(System.getProperty("sluice.project.dir", ".")).toAbsolutePath();
    Options options =
        Options.defaults(project)
            .with("2s", 50, 0.2, 800, 30, project.resolve("target/sandbox-it"))
            .withScenarios(
                List.of(
                    Scenario.GOOD,
                    Scenario.ERRORS,
                    Scenario.ALERT,
                    Scenario.GATEWAY,
                    Scenario.GATEWAY_ERRORS,
                    Scenario.ABTEST,
                    Scenario.MIRROR,
                    Scenario.AFFINITY,
                    Scenario.BLUEGREEN,
                    Scenario.WEBHOOKS,
                    Scenario.SUBTLE,
                    Scenario.SUBTLE_COMPARE));
    sandbox = Sandbox.start(options, System.out);
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
      System.out.println("SandboxIT report: " + sandbox.writeReport());
    }
  }

  /** Every stored version of a promoted route: v2 added at 0, ten steps of 10%, v1 removed. */
  private static List<List<String>> promotedTenPercentAtATime() {
    List<List<String>> expected = new ArrayList<>();
    for (int w = 0; w <= 100; w += 10) {
      expected.add(List.of("v1=" + (100 - w), "v2=" + w));
    }
    expected.add(List.of("v2=100"));
    return expected;
  }

  @Test
  @Order(1)
  void good_v2IsPromotedTenPercentAtATimeAndV1RetiredWithoutLosingARequest() {
    Map<String, Object> r = run(Scenario.GOOD, "promoted");
    List<List<String>> expected = promotedTenPercentAtATime();
    assertThat(r.get("defaultRouteOfEachVersionWritten")).isEqualTo(expected);
    Map<String, Object> fin = map(r.get("final"));
    assertThat(map(fin.get("virtualServiceRoutes")).get("default")).isEqualTo(Map.of("v2", 100));
    assertThat(fin.get("destinationRuleSubsets")).isEqualTo(List.of("debug", "v2"));
    assertThat(fin.get("deployments")).isEqualTo(List.of("helloworld-debug", "helloworld-v2"));
    assertThat(fin.get("runningPods"))
        .isEqualTo(List.of("helloworld-debug-0", "helloworld-v2-0", "helloworld-v2-1"));
    assertThat(r.get("debugRouteUntouched")).isEqualTo(true);
    Map<String, Object> requests = map(r.get("requests"));
    assertThat(requests.get("lost")).as(() -> "lost: " + requests).isEqualTo(0L);
    assertThat(requests.get("injectedErrors")).isEqualTo(0L);
    assertThat(map(requests.get("byVersionAndStatus")))
        .containsKeys("v1 200", "v2 200", "debug 200");
    // the debug build is labelled version: debug, as in Istio's guide, and never released
    assertThat(list(map(fin.get("canary")).get("candidates")))
        .contains(
            Map.of(
                "deployment",
                "helloworld-debug",
                "version",
                "debug",
                "candidate",
                false,
                "reason",
                "it is served by route `debug` of VirtualService helloworld"));
  }

  @Test
  @Order(2)
  void errors_v2Answering5xxIsRolledBackToV1InOneWriteWithoutLosingARequest() {
    Map<String, Object> r = run(Scenario.ERRORS, "rolled back");
    assertThat(String.valueOf(r.get("why"))).contains("error-rate/error-ratio");
    assertRolledBackInOneWriteWithoutLosingARequest(r);
    assertThat(map(map(r.get("durations")).get("v2BadTo100PercentV1")))
        .containsKeys("totalSeconds", "prometheusDetectionSeconds", "sluiceRouteWriteSeconds");
  }

  @Test
  @Order(3)
  void alert_aFiringPrometheusAlertSentByAlertmanagerRollsV2BackBeforeAnyGateFails() {
    Map<String, Object> r = run(Scenario.ALERT, "rolled back");
    // rolled back by the alert, not by a check: the reason, the condition and an event say so
    String reason =
        "alert " + AlertPath.ALERT + " fired (namespace=\"sandbox-alert\", app=\"helloworld\"";
    assertThat(String.valueOf(r.get("why"))).startsWith(reason);
    Map<String, Object> fin = map(r.get("final"));
    Map<String, Object> canary = map(fin.get("canary"));
    assertThat(canary.get("phase")).isEqualTo("RolledBack");
    assertThat(String.valueOf(canary.get("rollbackReason"))).startsWith(reason);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> conditions = (List<Map<String, Object>>) canary.get("conditions");
    assertThat(conditions)
        .anySatisfy(
            c -> {
              assertThat(c.get("type")).isEqualTo("Progressing");
              assertThat(c.get("status")).isEqualTo("False");
              assertThat(c.get("reason")).isEqualTo("RolledBack");
              assertThat(String.valueOf(c.get("message"))).contains(reason);
            });
    @SuppressWarnings("unchecked")
    List<String> events = (List<String>) canary.get("warningEvents");
    assertThat(events).anyMatch(e -> e.startsWith("RollingBack: ") && e.contains(reason));
    assertThat(
            map(r.get("sluiceMetrics"))
                .get("sluice_rollbacks_total{reason=\"alert\"} (this namespace)"))
        .isEqualTo(1.0);
    // ... while the Canary's own gates had not failed (none of Sluice's evaluations, none of the
    // sandbox's probe running the same checks against the same Prometheus)
    Map<String, Object> gates = map(r.get("gates"));
    assertThat(gates.get("sluiceAnyCheckFailed")).as(() -> "gates: " + gates).isEqualTo(false);
    assertThat(gates.get("probeAnyCheckFailed")).as(() -> "gates: " + gates).isEqualTo(false);
    assertThat((Integer) gates.get("probeErrorRatioMeasurementsFromBadToRollback")).isPositive();

    assertRolledBackInOneWriteWithoutLosingARequest(r);

    // the two latencies were measured (their values are printed, not asserted)
    Map<String, Object> alert = map(map(r.get("durations")).get("alert"));
    assertThat((Double) alert.get("webhookArrivalToRouteWriteMs"))
        .as(() -> "alert durations: " + alert)
        .isNotNull()
        .isPositive();
    assertThat((Double) alert.get("alertFiringToRouteWriteMs"))
        .as(() -> "alert durations: " + alert)
        .isNotNull()
        .isPositive();
  }

  @Test
  @Order(4)
  void gateway_theGatewayAndTheMeshRouteMoveInLockstepToV2WithoutLosingARequest() {
    Map<String, Object> r = run(Scenario.GATEWAY, "promoted");
    List<List<String>> expected = promotedTenPercentAtATime();
    List<Map<String, Object>> vss = virtualServices(r);
    assertThat(vss)
        .extracting(v -> List.of(v.get("entryPoint"), v.get("namespace"), v.get("name")))
        .containsExactly(
            List.of("gateway", "istio-ingress", "helloworld-sandbox-gateway"),
            List.of("mesh", "sandbox-gateway", "helloworld"));
    // both routes: every stored version, in order, the same weights
    for (Map<String, Object> v : vss) {
      assertThat(v.get("weightsOfEachVersionWritten"))
          .as(v.get("entryPoint")::toString)
          .isEqualTo(expected);
    }
    assertLockstep(r);
    Map<String, Object> fin = map(r.get("final"));
    Map<String, Object> routes = map(fin.get("virtualServiceRoutes"));
    assertThat(routes.get("default")).isEqualTo(Map.of("v2", 100));
    assertThat(routes.get("gateway")).isEqualTo(Map.of("v2", 100));
    assertThat(fin.get("destinationRuleSubsets")).isEqualTo(List.of("debug", "v2"));
    assertThat(fin.get("deployments")).isEqualTo(List.of("helloworld-debug", "helloworld-v2"));
    assertThat(r.get("debugRouteUntouched")).isEqualTo(true);
    Map<String, Object> requests = map(r.get("requests"));
    assertThat(requests.get("lost")).as(() -> "lost: " + requests).isEqualTo(0L);
    // each entry point's requests reached v1 and v2 by its own route, none lost
    Map<String, Object> byEntry = map(requests.get("byEntryPoint"));
    assertThat(map(map(byEntry.get("gateway")).get("byVersionAndStatus")))
        .containsOnlyKeys("v1 200", "v2 200");
    assertThat(map(map(byEntry.get("mesh")).get("byVersionAndStatus")))
        .containsOnlyKeys("v1 200", "v2 200", "debug 200");
    assertThat(map(byEntry.get("gateway")).get("lost")).isEqualTo(0L);
    assertThat(map(byEntry.get("mesh")).get("lost")).isEqualTo(0L);
  }

  @Test
  @Order(5)
  void gatewayErrors_bothRoutesAreRolledBackToV1AtOnceWithoutLosingARequest() {
    Map<String, Object> r = run(Scenario.GATEWAY_ERRORS, "rolled back");
    assertThat(String.valueOf(r.get("why"))).contains("error-rate/error-ratio");
    // the mesh's route as in errors: one write from a step of 30% or more to 100% v1
    assertRolledBackInOneWriteWithoutLosingARequest(r);
    // the gateway's: the same weights in every stored version, so the same rollback
    List<Map<String, Object>> vss = virtualServices(r);
    assertThat(vss.get(0).get("entryPoint")).isEqualTo("gateway");
    assertThat(vss.get(0).get("weightsOfEachVersionWritten"))
        .isEqualTo(r.get("defaultRouteOfEachVersionWritten"));
    assertLockstep(r);
    Map<String, Object> routes = map(map(r.get("final")).get("virtualServiceRoutes"));
    assertThat(routes.get("gateway")).isEqualTo(Map.of("v1", 100));
    Map<String, Object> rollback = map(map(r.get("durations")).get("v2BadTo100PercentV1"));
    assertThat(map(rollback.get("byEntryPoint"))).containsOnlyKeys("gateway", "mesh");
    assertThat(rollback.get("betweenTheRoutesMs")).as(() -> "rollback: " + rollback).isNotNull();
    Map<String, Object> byEntry = map(map(r.get("requests")).get("byEntryPoint"));
    for (String entry : List.of("gateway", "mesh")) {
      assertThat(map(map(byEntry.get(entry)).get("byVersionAndStatus"))).containsKey("v2 200");
      assertThat(map(byEntry.get(entry)).get("lost")).isEqualTo(0L);
    }
  }

  @Test
  @Order(6)
  void abtest_onlyInsidersReachV2BeforeItIsPromotedWithoutWeightSteps() {
    Map<String, Object> r = run(Scenario.ABTEST, "promoted");
    Map<String, Object> strategy = map(r.get("strategy"));
    assertThat(strategy.get("usersAnsweredByV2BeforeTheEnd")).as(() -> "" + strategy).isEqualTo(0L);
    assertThat((Long) strategy.get("insidersAnsweredByV2BeforeTheEnd")).isPositive();
    assertThat(strategy.get("anyWeightStep")).isEqualTo(false);
    assertPromotedWithoutLosingARequest(r);
  }

  @Test
  @Order(7)
  void mirror_v2FailingOnMirroredCopiesIsRolledBackBeforeAnyUserReachesIt() {
    Map<String, Object> r = run(Scenario.MIRROR, "rolled back");
    assertThat(String.valueOf(r.get("why"))).contains("error-rate/error-ratio");
    Map<String, Object> strategy = map(r.get("strategy"));
    assertThat(strategy.get("requestsAnsweredByV2")).as(() -> "" + strategy).isEqualTo(0L);
    assertThat((Long) strategy.get("copiesMirroredToV2")).isPositive();
    assertThat(strategy.get("v2EverGivenWeight")).isEqualTo(false);
    assertThat(strategy.get("rolledBackWhileTheMirrorWasOn")).isEqualTo(true);
    Map<String, Object> fin = map(r.get("final"));
    assertThat(map(fin.get("virtualServiceRoutes")).get("default")).isEqualTo(Map.of("v1", 100));
    assertThat(fin.get("destinationRuleSubsets")).isEqualTo(List.of("v1", "debug"));
    Map<String, Object> requests = map(r.get("requests"));
    assertThat(requests.get("lost")).as(() -> "lost: " + requests).isEqualTo(0L);
    assertThat(map(requests.get("byVersionAndStatus"))).doesNotContainKeys("v2 200", "v2 500");
    assertThat(r.get("ok")).isEqualTo(true);
  }

  @Test
  @Order(8)
  void affinity_noSessionIsAnsweredByBothVersionsWhileTheWeightsMove() {
    Map<String, Object> r = run(Scenario.AFFINITY, "promoted");
    Map<String, Object> strategy = map(r.get("strategy"));
    assertThat(strategy.get("sessionsThatSawBothVersions")).as(() -> "" + strategy).isEqualTo(0L);
    assertThat((Long) strategy.get("sessionsAnsweredTwiceOrMoreWhileWeightsMoved")).isPositive();
    assertThat((Long) map(strategy.get("canaryAnswersByRouteKindBeforeTheEnd")).get("sticky"))
        .isPositive();
    assertPromotedWithoutLosingARequest(r);
  }

  @Test
  @Order(9)
  void bluegreen_usersStayOnV1UntilOneWriteSwitchesThemAllToV2() {
    Map<String, Object> r = run(Scenario.BLUEGREEN, "promoted");
    Map<String, Object> strategy = map(r.get("strategy"));
    assertThat(strategy.get("usersAnsweredByV2BeforeTheSwitch"))
        .as(() -> "" + strategy)
        .isEqualTo(0L);
    assertThat((Long) strategy.get("previewTestersAnsweredByV2BeforeTheSwitch")).isPositive();
    assertThat(strategy.get("switchInOneWrite")).isEqualTo(true);
    assertThat(strategy.get("usersAnsweredByV2AfterTheSwitch"))
        .isEqualTo(strategy.get("usersAnsweredAfterTheSwitch"));
    assertPromotedWithoutLosingARequest(r);
  }

  @Test
  @Order(10)
  void webhooks_aFailingTestSuiteRollsBackBeforeTrafficThenTheGateAndTheLoadHookCarryTheRetry() {
    Map<String, Object> r = run(Scenario.WEBHOOKS, "promoted");
    Map<String, Object> w = map(r.get("webhooks"));
    Map<String, Object> first = map(w.get("release1"));
    Map<String, Object> second = map(w.get("release2"));
    // release 1: gated, then the failing suite rolled it back while the route stayed 100% v1
    assertThat((Long) first.get("gatePollsAnsweredClosed")).as(() -> "" + first).isPositive();
    assertThat(first.get("subsetV2AddedAfterTheGateOpened")).isEqualTo(true);
    assertThat((String) first.get("preRolloutAnswer")).startsWith("422 ");
    assertThat(first.get("routeAtThePreRolloutFailure")).isEqualTo(Map.of("v1", 100));
    assertThat(first.get("routeEveryoneOnV1UntilTheRetry")).isEqualTo(true);
    assertThat(first.get("v2HighestWeightInTheRelease")).isEqualTo(0);
    assertThat((String) first.get("rollbackReason"))
        .contains("pre-rollout webhook smoke-tests failed");
    assertThat(first.get("stepWebhookCalls")).isEqualTo(0L);
    assertThat(first.get("held")).isEqualTo(true);
    // release 2 (retry): gated again; the suite passed; the first step call started the load
    assertThat((Long) second.get("gatePollsAnsweredClosed")).as(() -> "" + second).isPositive();
    assertThat(second.get("canaryGotWeightOnlyAfterTheGateOpened")).isEqualTo(true);
    assertThat(second.get("firstStepCallStep")).isEqualTo(1);
    assertThat((Double) second.get("loadStartedAfterTheFirstStepCallMs")).isNotNegative();
    assertThat(second.get("checksWithoutLoadAllInconclusive")).isEqualTo(true);
    assertThat(second.get("bearerTokenOnStepCallsOnly")).isEqualTo(true);
    assertThat(second.get("held")).isEqualTo(true);
    // the daemon's Slack, Teams and CloudEvents receivers heard of every transition
    Map<String, Object> notifications = map(w.get("notifications"));
    assertThat(list(notifications.get("received")))
        .as(() -> "" + notifications)
        .hasSizeGreaterThanOrEqualTo(3 * 4);
    assertThat(((Number) map(notifications.get("cloudEventLatency")).get("count")).intValue())
        .isGreaterThanOrEqualTo(4);
    // every call is listed; none of the Canary's webhooks is a notification
    assertThat(list(w.get("calls"))).hasSizeGreaterThanOrEqualTo(4 + 1 + 4 + 1 + 1);
    assertPromotedWithoutLosingARequest(r);
  }

  @Test
  @Order(11)
  void subtle_fixedThresholdsPromoteAV2TwentyFivePercentSlowerThatTheJudgeShowsWorse() {
    Map<String, Object> r = run(Scenario.SUBTLE, "promoted");
    assertPromotedWithoutLosingARequest(r);
    // latency-compare ran as a dry-run check: shown, never counted (with 2 s steps the release
    // may end before it has six points per version, so it may still be inconclusive then)
    Map<String, Object> judged = scoreCheck(r);
    assertThat(judged.get("dryRun")).isEqualTo(true);
    assertThat(judged.get("outcome")).as(() -> "" + judged).isIn("FAIL", "INCONCLUSIVE");
    if ("FAIL".equals(judged.get("outcome"))) {
      assertComparedSlower(judged);
    }
  }

  @Test
  @Order(12)
  void subtleCompare_theComparingCanaryRollsTheSlowerV2Back() {
    Map<String, Object> r = run(Scenario.SUBTLE_COMPARE, "rolled back");
    Map<String, Object> fin = map(r.get("final"));
    assertThat(map(fin.get("virtualServiceRoutes")).get("default")).isEqualTo(Map.of("v1", 100));
    Map<String, Object> canary = map(fin.get("canary"));
    assertThat((String) canary.get("rollbackReason")).contains("latency-compare/score: fail");
    assertThat(r.get("debugRouteUntouched")).isEqualTo(true);
    assertThat(map(r.get("requests")).get("lost")).isEqualTo(0L);
    assertComparedSlower(scoreCheck(r));
  }

  /** The last measurement of latency-compare's scored check in the scenario's final status. */
  private static Map<String, Object> scoreCheck(Map<String, Object> r) {
    Map<String, Object> canary = map(map(r.get("final")).get("canary"));
    // the report holds the status's own objects until it is written as JSON: read them as JSON
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    return list(canary.get("measurements")).stream()
        .map(m -> map(json.convertValue(m, Map.class)))
        .filter(m -> "latency-compare/score".equals(m.get("check")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no latency-compare/score in " + canary));
  }

  /** The judge found v2's median latency significantly above v1's, by more than the effect. */
  private static void assertComparedSlower(Map<String, Object> judged) {
    assertThat(judged.get("outcome")).as(() -> "" + judged).isEqualTo("FAIL");
    Map<String, Object> metric = map(list(judged.get("compared")).get(0));
    assertThat(metric.get("decision")).as(() -> "" + metric).isEqualTo("fail");
    assertThat(Double.parseDouble((String) metric.get("canaryMedian")))
        .isGreaterThan(Double.parseDouble((String) metric.get("stableMedian")));
    assertThat(Double.parseDouble((String) metric.get("pValue"))).isLessThan(0.05);
  }

  /** A promotion: 100% v2, v1's subset and Deployment gone, the debug route kept, none lost. */
  private static void assertPromotedWithoutLosingARequest(Map<String, Object> r) {
    Map<String, Object> fin = map(r.get("final"));
    assertThat(map(fin.get("virtualServiceRoutes")).get("default")).isEqualTo(Map.of("v2", 100));
    assertThat(fin.get("destinationRuleSubsets")).isEqualTo(List.of("debug", "v2"));
    assertThat(fin.get("deployments")).isEqualTo(List.of("helloworld-debug", "helloworld-v2"));
    assertThat(r.get("debugRouteUntouched")).isEqualTo(true);
    Map<String, Object> requests = map(r.get("requests"));
    assertThat(requests.get("lost")).as(() -> "lost: " + requests).isEqualTo(0L);
    assertThat(r.get("ok")).as(() -> "report: " + r).isEqualTo(true);
  }

  /** The two VirtualServices' stored versions carried the same weights, as their proxies saw. */
  private static void assertLockstep(Map<String, Object> r) {
    Map<String, Object> lockstep = map(r.get("lockstep"));
    assertThat(lockstep.get("sameWeightsInEveryStoredVersion"))
        .as(() -> "lockstep: " + lockstep)
        .isEqualTo(true);
    assertThat(lockstep.get("sameWeightsAsRouted"))
        .as(() -> "lockstep: " + lockstep)
        .isEqualTo(true);
    List<Map<String, Object>> vss = virtualServices(r);
    assertThat(vss).hasSize(2);
    assertThat(vss.get(0).get("weightsOfEachVersionWritten"))
        .isEqualTo(vss.get(1).get("weightsOfEachVersionWritten"));
    assertThat(r.get("ok")).isEqualTo(true);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> virtualServices(Map<String, Object> r) {
    return (List<Map<String, Object>>) r.get("virtualServices");
  }

  /**
   * A rollback as the bad scenarios end: the default route back to 100% v1 in one write from a step
   * of 30% or more, v2's subset gone and its Deployment kept, the debug route untouched in every
   * version, and no request lost while v2's injected 5xx were answered.
   */
  private static void assertRolledBackInOneWriteWithoutLosingARequest(Map<String, Object> r) {
    Map<String, Object> fin = map(r.get("final"));
    assertThat(map(fin.get("virtualServiceRoutes")).get("default")).isEqualTo(Map.of("v1", 100));
    assertThat(fin.get("destinationRuleSubsets")).isEqualTo(List.of("v1", "debug"));
    assertThat(fin.get("deployments"))
        .isEqualTo(List.of("helloworld-debug", "helloworld-v1", "helloworld-v2"));
    assertThat(r.get("debugRouteUntouched")).isEqualTo(true);
    // the rollback is one write from the last step straight to 100% v1
    @SuppressWarnings("unchecked")
    List<List<String>> versions = (List<List<String>>) r.get("defaultRouteOfEachVersionWritten");
    assertThat(versions.get(versions.size() - 1)).isEqualTo(List.of("v1=100"));
    assertThat(versions.get(versions.size() - 2))
        .anyMatch(d -> d.startsWith("v2=") && Integer.parseInt(d.substring(3)) >= 30);
    Map<String, Object> requests = map(r.get("requests"));
    assertThat(requests.get("lost")).as(() -> "lost: " + requests).isEqualTo(0L);
    assertThat((Long) requests.get("injectedErrors")).isPositive();
  }

  /** Runs {@code scenario}, prints its durations and asserts its {@code outcome}; its report. */
  private static Map<String, Object> run(Scenario scenario, String outcome) {
    Map<String, Object> r = sandbox.run(scenario);
    System.out.println("SandboxIT " + r.get("scenario") + ": durations " + r.get("durations"));
    assertThat(r.get("outcome")).as(() -> "report: " + r).isEqualTo(outcome);
    return r;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return (List<Object>) o;
  }
}
