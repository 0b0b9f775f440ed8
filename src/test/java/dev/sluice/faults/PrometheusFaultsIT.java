package dev.sluice.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.sluice.testing.ClusterHistory.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.sluice.testing.InvariantChecker;
import dev.sluice.testing.SluiceDaemon;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Prometheus misbehaving at system level (WireMock in front of the packaged daemon), one Canary per
 * behaviour, all releasing at once, with a healthy control Canary beside them:
 *
 * <ul>
 *   <li>flapping: Prometheus answers, then resets the connection, then answers 503, in turn;
 *   <li>slow: every answer takes 3 s, longer than the evaluation period and the query timeout;
 *   <li>garbage: HTML, truncated JSON, NaN, a matrix, an error status, a 2 MB body, in turn;
 *   <li>values flapping: the canary's error rate passes, then breaks the gate, in turn.
 * </ul>
 *
 * Nothing advances on bad data (the invariant checker: every weight increase follows a recorded
 * passing evaluation), the limits roll the bad ones back, the control Canary is promoted, and no
 * release is lost.
 */
class PrometheusFaultsIT {
  private static final String OK = "prom-control";
  private static final String FLAPPING = "prom-flapping";
  private static final String SLOW = "prom-slow";
  private static final String GARBAGE = "prom-garbage";
  private static final String VALUES = "prom-values-flapping";
  private static final List<String> ALL = List.of(OK, FLAPPING, SLOW, GARBAGE, VALUES);

  private static final String PASSING =
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
          + "{\"metric\":{\"sluice_part\":\"value\"},\"value\":[1700000000,\"0\"]},"
          + "{\"metric\":{\"sluice_part\":\"traffic\"},\"value\":[1700000000,\"500\"]}]}}";
  private static final String FAILING = PASSING.replace("\"0\"]}", "\"0.5\"]}");

  private WireMockServer prometheus;
  private int stubs;

  @Test
  void nothingAdvancesOnBadDataAndTheLimitsRollBack() throws Exception {
    prometheus =
        new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
    prometheus.start();
    try (Rig rig = new Rig("prometheus")) {
      for (String ns : ALL) {
        rig.seed(
            ns,
            s -> {
              s.put("interval", "1s");
              // neither limit counts a mix of error and inconclusive evaluations: the deadline does
              s.put(
                  "limits",
                  Map.of("inconclusiveLimit", 3, "errorLimit", 3, "progressDeadline", "15s"));
            });
      }
      stub(OK, aResponse().withBody(PASSING));
      cycle(
          FLAPPING,
          aResponse().withBody(PASSING),
          aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER),
          aResponse().withStatus(503).withBody("overloaded"));
      stub(SLOW, aResponse().withBody(PASSING).withFixedDelay(3000));
      cycle(
          GARBAGE,
          aResponse()
              .withHeader("Content-Type", "text/html")
              .withBody("<html>502 Bad Gateway</html>"),
          aResponse().withBody(PASSING.substring(0, 40)),
          aResponse().withBody(PASSING.replace("\"0\"", "\"NaN\"")),
          aResponse()
              .withBody(
                  "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}"),
          aResponse()
              .withBody(
                  "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}"),
          aResponse().withBody("[" + " ".repeat(2 << 20) + "]"));
      // two queries per evaluation (error rate, then latency): the second evaluation's error rate
      // fails
      cycle(
          VALUES,
          aResponse().withBody(PASSING),
          aResponse().withBody(PASSING),
          aResponse().withBody(FAILING));

      URI url = URI.create(prometheus.baseUrl());
      try (SluiceDaemon daemon =
          rig.daemon(rig.api.url(), url, Map.of("SLUICE_PROMETHEUS_TIMEOUT_MS", "1000"))) {
        for (String ns : ALL) {
          rig.awaitStable(ns, "v1", Duration.ofSeconds(60));
          rig.release(ns, "v2");
        }
        await()
            .atMost(Duration.ofSeconds(120))
            .until(() -> "Succeeded".equals(rig.status(OK).phase));
        for (String ns : List.of(FLAPPING, SLOW, GARBAGE, VALUES)) {
          await()
              .atMost(Duration.ofSeconds(120))
              .until(() -> List.of("Succeeded", "RolledBack").contains(rig.status(ns).phase));
        }
        assertThat(daemon.alive()).isTrue();
      }
      InvariantChecker.Report report = rig.history.check(ALL);
      int requests = prometheus.getAllServeEvents().size();
      System.out.printf(
          "PrometheusFaultsIT: %d Prometheus answers, %d stubs; %s%n", requests, stubs, report);
      for (String ns : ALL) {
        System.out.printf(
            "  %s: %s %s; route writes %s%n",
            ns, rig.status(ns).phase, rig.status(ns).rollbackReason, routeWrites(report, ns));
      }
      long toFaulty =
          prometheus.getAllServeEvents().stream()
              .filter(e -> !e.getRequest().getUrl().contains(OK))
              .count();
      Figures.record(
          "PrometheusFaultsIT",
          "prometheusAnswers=" + requests + ",toTheFourFaultyCanaries=" + toFaulty,
          report);

      assertThat(report.violations()).isEmpty();
      assertThat(report.lost()).isEmpty();
      assertThat(rig.status(OK).phase).isEqualTo("Succeeded");
      // slow and garbage answers never pass: the first step (no judgement before traffic) is as
      // far as they get, and a limit rolls them back
      for (String ns : List.of(SLOW, GARBAGE)) {
        assertThat(rig.status(ns).phase).as(ns).isEqualTo("RolledBack");
        assertThat(routeWrites(report, ns))
            .as(ns)
            .containsExactly(
                List.of("v1=100", "v2=0"), List.of("v1=90", "v2=10"), List.of("v1=100"));
      }
      assertThat(rig.status(SLOW).rollbackReason).contains("evaluations in a row without data");
      // a failing evaluation rolls back at once (failureThreshold 1)
      assertThat(rig.status(VALUES).phase).isEqualTo("RolledBack");
      assertThat(rig.status(VALUES).rollbackReason).contains("check failed");
      assertThat(weights(rig.virtualService(VALUES), "default")).containsExactly("v1=100");
    } finally {
      prometheus.stop();
    }
  }

  private static List<List<String>> routeWrites(InvariantChecker.Report report, String ns) {
    return report.routeWritesByRelease().entrySet().stream()
        .filter(e -> e.getKey().startsWith(ns + "/"))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(List.of());
  }

  private static String about(String ns) {
    return "(?s).*destination_workload_namespace=\"" + Pattern.quote(ns) + "\".*";
  }

  private void stub(String ns, ResponseDefinitionBuilder answer) {
    stubs++;
    prometheus.stubFor(
        get(urlPathEqualTo("/api/v1/query"))
            .withQueryParam("query", matching(about(ns)))
            .willReturn(answer.withHeader("Content-Type", "application/json")));
  }

  /** Answers in turn, one per query. */
  private void cycle(String ns, ResponseDefinitionBuilder... answers) {
    for (int i = 0; i < answers.length; i++) {
      stubs++;
      String state = i == 0 ? Scenario.STARTED : ns + "-" + i;
      String next = i + 1 == answers.length ? Scenario.STARTED : ns + "-" + (i + 1);
      prometheus.stubFor(
          get(urlPathEqualTo("/api/v1/query"))
              .inScenario(ns)
              .whenScenarioStateIs(state)
              .willSetStateTo(next)
              .withQueryParam("query", matching(about(ns)))
              .willReturn(answers[i]));
    }
  }
}
