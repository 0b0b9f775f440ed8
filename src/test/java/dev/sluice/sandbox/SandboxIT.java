package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

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
 * End to end: the local sandbox ({@code scripts/sandbox good errors --interval 2s}) against the
 * packaged daemon ({@code target/quarkus-app/quarkus-run.jar}, built by {@code package} before this
 * runs) and a real Prometheus. Asserts the final objects, the debug route in every stored version
 * of the VirtualService, and that no request was lost. Times are printed, never asserted.
 *
 * <p>Needs {@code prometheus} ({@code scripts/install-prometheus}; CI installs it): without it the
 * test fails, it does not skip.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxIT {
  private static Sandbox sandbox;

  @BeforeAll
  static void start() {
    assertThat(PrometheusServer.find())
        .as("SandboxIT: no prometheus binary; " + PrometheusServer.INSTALL_HINT)
        .isNotNull();
    Path project = Path.of(System.getProperty("sluice.project.dir", ".")).toAbsolutePath();
    Options options =
        Options.defaults(project)
            .with("2s", 50, 0.2, 800, 30, project.resolve("target/sandbox-it"));
    sandbox = Sandbox.start(options, System.out);
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
      System.out.println("SandboxIT report: " + sandbox.writeReport());
    }
  }

  @Test
  @Order(1)
  void good_v2IsPromotedTenPercentAtATimeAndV1RetiredWithoutLosingARequest() {
    Map<String, Object> r = sandbox.run(Scenario.GOOD);
    print(r);

    assertThat(r.get("outcome")).as(() -> "report: " + r).isEqualTo("promoted");
    List<List<String>> expected = new ArrayList<>();
    for (int w = 0; w <= 100; w += 10) {
      expected.add(List.of("v1=" + (100 - w), "v2=" + w));
    }
    expected.add(List.of("v2=100"));
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
  }

  @Test
  @Order(2)
  void errors_v2Answering5xxIsRolledBackToV1InOneWriteWithoutLosingARequest() {
    Map<String, Object> r = sandbox.run(Scenario.ERRORS);
    print(r);

    assertThat(r.get("outcome")).as(() -> "report: " + r).isEqualTo("rolled back");
    assertThat(String.valueOf(r.get("why"))).contains("error-rate/error-ratio");
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
    assertThat(map(map(r.get("durations")).get("v2BadTo100PercentV1")))
        .containsKeys("totalSeconds", "prometheusDetectionSeconds", "sluiceRouteWriteSeconds");
  }

  private static void print(Map<String, Object> r) {
    System.out.println("SandboxIT " + r.get("scenario") + ": durations " + r.get("durations"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }
}
