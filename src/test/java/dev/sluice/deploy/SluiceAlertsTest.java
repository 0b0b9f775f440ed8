package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sluice's own alerts (deploy/prometheusrule.yaml): they read only metrics Sluice exports, and
 * promtool finds them valid and firing when they should, with the Canary's labels (rule unit tests
 * in src/test/resources/deploy/sluice-alerts-test.yml). promtool comes with Debian's prometheus
 * package, which scripts/test installs; the promtool checks are skipped without it.
 */
class SluiceAlertsTest {
  private static final Path RULE = Path.of("deploy/prometheusrule.yaml");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path work;

  private static Map<String, String> alerts() throws IOException {
    Map<String, String> alerts = new TreeMap<>();
    for (JsonNode group : YAML.readTree(RULE.toFile()).path("spec").path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        alerts.put(rule.path("alert").asText(), rule.path("expr").asText());
      }
    }
    return alerts;
  }

  @Test
  void theAlertsCoverRollbacksStuckReleasesAndPrometheusOutages() throws IOException {
    Map<String, String> alerts = alerts();
    assertThat(alerts)
        .containsOnlyKeys(
            "SluiceReleaseRolledBack",
            "SluiceCanaryNotReady",
            "SluiceReleaseStuck",
            "SluicePrometheusUnreachable",
            "SluiceNoLeader",
            "SluiceDown");
    assertThat(alerts.get("SluiceReleaseRolledBack"))
        .contains("increase(sluice_rollbacks_total[10m])");
    assertThat(alerts.get("SluiceCanaryNotReady")).contains("sluice_canary_ready").contains("== 0");
    assertThat(alerts.get("SluiceReleaseStuck"))
        .contains("time() -")
        .contains("sluice_canary_release_started_timestamp_seconds")
        .contains("> 3600");
    assertThat(alerts.get("SluicePrometheusUnreachable"))
        .contains("reason=~\"unreachable|timeout|circuit_open\"");
  }

  @Test
  void theAlertsReadOnlyMetricsSluiceExports() throws IOException {
    for (Map.Entry<String, String> alert : alerts().entrySet()) {
      for (String metric : PromQl.metricNames(alert.getValue())) {
        if (alert.getKey().equals("SluiceDown")) {
          assertThat(metric).as(alert.getKey()).isEqualTo("up");
        } else {
          assertThat(SluiceMetrics.SERIES).as(alert.getKey()).containsKey(metric);
        }
      }
    }
  }

  @Test
  void promtoolFindsTheRulesValidAndTheyFireAsIntended() throws Exception {
    assumeTrue(
        onPath("promtool"), "promtool not installed (scripts/test installs Debian's prometheus)");
    Files.writeString(
        work.resolve("rules.yml"),
        new ObjectMapper()
            .writeValueAsString(
                Map.of("groups", YAML.readTree(RULE.toFile()).path("spec").path("groups"))));
    Files.copy(
        Path.of("src/test/resources/deploy/sluice-alerts-test.yml"), work.resolve("test.yml"));

    assertThat(run("promtool", "check", "rules", "rules.yml")).contains("SUCCESS: 6 rules found");
    assertThat(run("promtool", "test", "rules", "test.yml")).contains("SUCCESS");
  }

  static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    return path != null
        && List.of(path.split(File.pathSeparator)).stream()
            .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
  }

  /** Runs a tool in {@code dir}; returns its output, failing the test on a non-zero exit. */
  static String run(Path dir, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    // a bound against a hung process only; no timing is asserted
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish");
    }
    assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
    return out;
  }

  private String run(String... command) throws Exception {
    return run(work, command);
  }
}
