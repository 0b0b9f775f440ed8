package dev.sluice.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.sluice.testing.ClusterHistory.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.ApiServer;
import dev.sluice.testing.ClusterHistory;
import dev.sluice.testing.DaemonMetrics;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.History;
import dev.sluice.testing.InvariantChecker;
import dev.sluice.testing.SluiceDaemon;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * High availability with two unmodified daemons (the packaged jar, two processes) against one mock
 * API server: exactly one of them writes; the leader is killed (SIGKILL) mid-release; the other
 * takes over within the lease duration and finishes the release from its status, with no step
 * repeated or skipped in the VirtualService's history; the invariant checker finds no violation
 * over every version either daemon wrote.
 */
class LeaderFailoverIT {
  private static final Duration LEASE = Duration.ofSeconds(4);
  private static final String NS = "failover";

  @Test
  void theStandbyTakesOverMidReleaseAndFinishesItWithNoStepRepeatedOrSkipped() throws Exception {
    Path project = Path.of(System.getProperty("sluice.project.dir", "."));
    Path work = Files.createDirectories(project.resolve("target/failover-it"));
    WireMockServer prometheus =
        new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
    prometheus.start();
    // every check passes with plenty of traffic behind it
    prometheus.stubFor(
        get(urlPathEqualTo("/api/v1/query"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                            + "{\"metric\":{\"sluice_part\":\"value\"},\"value\":[1,\"0\"]},"
                            + "{\"metric\":{\"sluice_part\":\"traffic\"},\"value\":[1,\"500\"]}]}}")));
    List<SluiceDaemon> daemons = new ArrayList<>();
    try (ApiServer api = new ApiServer(project);
        History recorded = new History(api.client())) {
      KubernetesClient client = api.client();
      Fixtures.seedHelloworld(client, NS, spec -> spec.put("interval", "2s"));
      for (String name : List.of("sluice-a", "sluice-b")) {
        daemons.add(
            SluiceDaemon.launch(
                    project,
                    api.url(),
                    URI.create(prometheus.baseUrl()),
                    work,
                    work.resolve(name + ".log"),
                    Map.of(
                        "SLUICE_INSTANCE", name,
                        "KUBERNETES_USER_AGENT", name,
                        "SLUICE_LEADER_ELECTION_NAMESPACE", "default",
                        "SLUICE_LEADER_ELECTION_LEASE_DURATION", "4s",
                        "SLUICE_LEADER_ELECTION_RENEW_DEADLINE", "3s",
                        "SLUICE_LEADER_ELECTION_RETRY_PERIOD", "500ms"))
                .awaitReady());
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> leaders(daemons).size() == 1);
      SluiceDaemon leader = leaders(daemons).get(0);
      SluiceDaemon standby = daemons.get(0) == leader ? daemons.get(1) : daemons.get(0);
      String leaderName = daemons.indexOf(leader) == 0 ? "sluice-a" : "sluice-b";
      String standbyName = leaderName.equals("sluice-a") ? "sluice-b" : "sluice-a";
      await().atMost(Duration.ofSeconds(60)).until(() -> "v1".equals(status(client).stableVersion));

      api.takeRequests(); // what came before the release: informers of both, the fixtures
      ClusterHistory history = new ClusterHistory(client, NS);
      Fixtures.apply(client, NS, "scenarios/helloworld-v2.yaml");
      await()
          .atMost(Duration.ofSeconds(120))
          .until(
              () -> {
                Integer w = status(client).weight;
                return w != null && w >= 40;
              });
      long killedAt = System.nanoTime();
      leader.kill();
      // Everything the leader sent before it died, and nothing of the standby's, which cannot lead
      // before the 4 s lease runs out. (Drained before the kill, a write the leader made in
      // between was counted after it.)
      Thread.sleep(500);
      List<RecordedRequest> beforeKill = api.takeRequests();
      await().atMost(Duration.ofSeconds(60)).until(() -> isLeader(standby));
      double failoverSeconds = (System.nanoTime() - killedAt) / 1e9;
      await().atMost(Duration.ofSeconds(120)).until(() -> "Succeeded".equals(status(client).phase));
      List<RecordedRequest> afterKill = api.takeRequests();

      // exactly one daemon writes at a time: the leader before the kill, the other after
      assertThat(writers(beforeKill)).containsExactly(leaderName);
      assertThat(writers(afterKill)).containsExactly(standbyName);
      // the VirtualService went through every step once, across both daemons
      List<List<String>> expected = new ArrayList<>();
      for (int w = 0; w <= 100; w += 10) {
        expected.add(List.of("v1=" + (100 - w), "v2=" + w));
      }
      expected.add(List.of("v2=100"));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(
                          history.virtualServices().stream()
                              .map(vs -> weights(vs, "default"))
                              .toList())
                      .isEqualTo(expected));
      history.close();
      System.out.printf(
          "LeaderFailoverIT: lease %ss; %s killed at weight >= 40; %s led after %.2f s%n",
          LEASE.toSeconds(), leaderName, standbyName, failoverSeconds);
      assertThat(failoverSeconds)
          .as("takeover within the lease duration plus one retry")
          .isLessThan(LEASE.toSeconds() + 10);
      // the traffic invariants (docs/architecture.md) over every version either daemon wrote,
      // across the failover
      InvariantChecker.Report report = recorded.check(List.of(NS));
      System.out.println("LeaderFailoverIT: " + report);
      Figures.record("LeaderFailoverIT", "leaderSigkill=1", report);
      assertThat(report.violations()).isEmpty();
      assertThat(report.lost()).isEmpty();
      assertThat(report.releasesStarted()).isEqualTo(1);
      assertThat(report.promoted()).isEqualTo(1);
    } finally {
      daemons.forEach(SluiceDaemon::close);
      prometheus.stop();
    }
  }

  private static CanaryStatus status(KubernetesClient client) {
    return Fixtures.status(client, NS);
  }

  private static List<SluiceDaemon> leaders(List<SluiceDaemon> daemons) {
    return daemons.stream().filter(LeaderFailoverIT::isLeader).toList();
  }

  private static boolean isLeader(SluiceDaemon d) {
    return d.alive() && DaemonMetrics.value(DaemonMetrics.scrape(d.http()), "sluice_leader") == 1.0;
  }

  /** Who wrote the release's objects (by User-Agent), leases and events aside. */
  private static List<String> writers(List<RecordedRequest> requests) {
    return requests.stream()
        .filter(r -> !r.getMethod().equals("GET"))
        .filter(r -> r.getPath().contains("/namespaces/" + NS + "/"))
        .filter(r -> !r.getPath().contains("/events"))
        .map(r -> String.valueOf(r.getHeader("User-Agent")))
        .filter(ua -> ua.startsWith("sluice-"))
        .distinct()
        .toList();
  }
}
