package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerting examples in {@code deploy/examples/alerts/} say what the code does: the rules are
 * valid and fire with the labels the webhook matches (promtool's rule unit tests), and the
 * Alertmanager configuration is valid and posts to the webhook's path with a bearer token. promtool
 * and amtool come with Debian's prometheus and prometheus-alertmanager packages; the checks that
 * need them are skipped without them.
 */
class DeployExamplesTest {
  private static final Path DIR = Path.of("deploy/examples/alerts");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path work;

  private static JsonNode yaml(String file) throws IOException {
    return YAML.readTree(DIR.resolve(file).toFile());
  }

  @Test
  void everyAlertCarriesTheLabelsSluiceMatchesOn() throws IOException {
    JsonNode rule = yaml("prometheusrule.yaml");
    assertThat(rule.path("kind").asText()).isEqualTo("PrometheusRule");
    int alerts = 0;
    for (JsonNode group : rule.path("spec").path("groups")) {
      for (JsonNode r : group.path("rules")) {
        JsonNode labels = r.path("labels");
        assertThat(labels.path("sluice").asText()).isEqualTo("rollback");
        assertThat(labels.has("sluice_canary") || (labels.has("namespace") && labels.has("app")))
            .as(r.path("alert").asText())
            .isTrue();
        alerts++;
      }
    }
    assertThat(alerts).isEqualTo(2);
  }

  @Test
  void theRulesAreValidAndFireWithNamespaceAndAppLabels() throws Exception {
    assumeTrue(onPath("promtool"), "promtool not installed (apt-get install prometheus)");
    Files.writeString(
        work.resolve("rules.yml"),
        new ObjectMapper()
            .writeValueAsString(
                Map.of("groups", yaml("prometheusrule.yaml").path("spec").path("groups"))));
    Files.copy(Path.of("src/test/resources/deploy/alert-rules-test.yml"), work.resolve("test.yml"));

    assertThat(run("promtool", "check", "rules", "rules.yml")).contains("SUCCESS: 2 rules found");
    assertThat(run("promtool", "test", "rules", "test.yml")).contains("SUCCESS");
  }

  @Test
  void alertmanagerPostsTheRollbackAlertsToTheWebhookWithTheToken() throws Exception {
    JsonNode config = yaml("alertmanager.yml");
    JsonNode route = null;
    for (JsonNode r : config.path("route").path("routes")) {
      if (r.path("receiver").asText().equals("sluice")) {
        route = r;
      }
    }
    assertThat(route).isNotNull();
    assertThat(route.path("matchers").get(0).asText()).isEqualTo("sluice=\"rollback\"");
    assertThat(route.path("group_wait").asText()).isEqualTo("0s");
    assertThat(route.path("continue").asBoolean()).isTrue();

    Map<String, JsonNode> receivers = new HashMap<>();
    config.path("receivers").forEach(r -> receivers.put(r.path("name").asText(), r));
    JsonNode webhook = receivers.get("sluice").path("webhook_configs").get(0);
    assertThat(URI.create(webhook.path("url").asText()).getPath())
        .isEqualTo(AlertWebhookResource.PATH);
    JsonNode auth = webhook.path("http_config").path("authorization");
    assertThat(auth.path("type").asText()).isEqualTo("Bearer");
    assertThat(auth.path("credentials_file").asText()).endsWith("/sluice-api-token/token");

    assumeTrue(onPath("amtool"), "amtool not installed (apt-get install prometheus-alertmanager)");
    Files.copy(DIR.resolve("alertmanager.yml"), work.resolve("alertmanager.yml"));
    assertThat(run("amtool", "check-config", "alertmanager.yml")).contains("SUCCESS");
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    return path != null
        && List.of(path.split(java.io.File.pathSeparator)).stream()
            .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
  }

  /** Runs a tool in the work directory; returns its output, failing the test on a non-zero exit. */
  private String run(String... command) throws Exception {
    Process p =
        new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
    return out;
  }
}
