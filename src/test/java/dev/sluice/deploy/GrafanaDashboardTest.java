package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard (deploy/grafana/sluice-dashboard.json) is valid JSON, has the panels the
 * docs/install.md promises, and every PromQL expression in it reads only series Sluice exports
 * ({@link SluiceMetrics}), which promtool parses.
 */
class GrafanaDashboardTest {
  private static final Path DASHBOARD = Path.of("deploy/grafana/sluice-dashboard.json");
  private static JsonNode dashboard;

  @TempDir Path work;

  @BeforeAll
  static void read() throws IOException {
    dashboard =
        new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .readTree(Files.readString(DASHBOARD));
  }

  /** Every PromQL expression: panel targets and annotations ("expr"), by where it is. */
  private static Map<String, String> expressions() {
    Map<String, String> exprs = new LinkedHashMap<>();
    for (JsonNode panel : panels()) {
      int i = 0;
      for (JsonNode target : panel.path("targets")) {
        exprs.put(panel.path("title").asText() + " #" + i++, target.path("expr").asText());
      }
    }
    for (JsonNode a : dashboard.path("annotations").path("list")) {
      exprs.put("annotation " + a.path("name").asText(), a.path("expr").asText());
    }
    return exprs;
  }

  private static List<JsonNode> panels() {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode p : dashboard.path("panels")) {
      if (!p.path("type").asText().equals("row")) {
        panels.add(p);
      }
      p.path("panels").forEach(panels::add); // collapsed rows hold their panels
    }
    return panels;
  }

  @Test
  void ithasThePanelsTheReadmePromises() {
    assertThat(dashboard.path("uid").asText()).isEqualTo("sluice");
    assertThat(panels().stream().map(p -> p.path("title").asText()))
        .contains(
            "Canary weight",
            "Phase",
            "Check values",
            "Check outcomes",
            "Rollbacks by reason",
            "Releases by result",
            "Reconcile duration p99",
            "Prometheus query latency",
            "Prometheus query errors",
            "Rollback reaction");
    Set<Integer> ids = new HashSet<>();
    for (JsonNode p : dashboard.path("panels")) {
      assertThat(ids.add(p.path("id").asInt())).as("unique panel id %s", p.path("id")).isTrue();
      assertThat(p.path("gridPos").path("w").asInt()).isPositive();
    }
    for (JsonNode p : panels()) {
      assertThat(p.path("datasource").path("uid").asText())
          .as(p.path("title").asText())
          .isEqualTo("${datasource}");
      assertThat(p.path("targets")).as(p.path("title").asText()).isNotEmpty();
    }
    assertThat(dashboard.path("templating").path("list").findValuesAsText("name"))
        .contains("datasource", "namespace", "canary");
  }

  @Test
  void everyExpressionReadsOnlySeriesSluiceExports() {
    Map<String, String> exprs = expressions();
    assertThat(exprs).hasSizeGreaterThan(10);
    Set<String> used = new TreeSet<>();
    exprs.forEach(
        (where, expr) -> {
          assertThat(expr).as(where).isNotBlank();
          Set<String> metrics = PromQl.metricNames(expr);
          assertThat(metrics).as("metrics read by %s: %s", where, expr).isNotEmpty();
          assertThat(SluiceMetrics.SERIES)
              .as("%s: %s", where, expr)
              .containsKeys(metrics.toArray(String[]::new));
          used.addAll(metrics);
        });
    // the variables' queries too: label_values(<series>, label)
    for (JsonNode v : dashboard.path("templating").path("list")) {
      if (v.path("type").asText().equals("query")) {
        String q = v.path("query").path("query").asText();
        String series = q.replaceAll("^label_values\\((\\w+).*$", "$1");
        assertThat(SluiceMetrics.SERIES).as(q).containsKey(series);
      }
    }
    // and every metric Sluice exports has a panel
    assertThat(used.stream().map(SluiceMetrics.SERIES::get))
        .as("metrics with a panel")
        .containsAll(new TreeSet<>(SluiceMetrics.SERIES.values()));
  }

  @Test
  void everyListedSeriesIsMadeInTheSources() {
    Set<String> strings = SluiceMetrics.sourceStrings();
    SluiceMetrics.SERIES.forEach(
        (series, meter) -> {
          if (!SluiceMetrics.ANNOUNCED.contains(series)) {
            assertThat(strings)
                .as("Micrometer meter %s (series %s) in src/main/java", meter, series)
                .contains(meter);
          }
        });
  }

  @Test
  void promtoolParsesEveryExpression() throws Exception {
    assumeTrue(
        SluiceAlertsTest.onPath("promtool"),
        "promtool not installed (scripts/test installs Debian's prometheus)");
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    int i = 0;
    for (String expr : expressions().values()) {
      String concrete =
          expr.replace("$__rate_interval", "5m")
              .replace("$__range", "1h")
              .replace("$namespace", ".*")
              .replace("$canary", ".*");
      rules.append("      - record: dashboard:expr").append(i++).append('\n');
      rules
          .append("        expr: ")
          .append(new ObjectMapper().writeValueAsString(concrete))
          .append('\n');
    }
    Files.writeString(work.resolve("rules.yml"), rules);
    assertThat(SluiceAlertsTest.run(work, "promtool", "check", "rules", "rules.yml"))
        .contains("SUCCESS: " + i + " rules found");
  }
}
