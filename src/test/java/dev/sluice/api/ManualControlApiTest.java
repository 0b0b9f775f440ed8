package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Manual control through {@code POST /api/v1/canaries/{namespace}/{name}/{action}} in each phase
 * where an action applies and where it does not, and the read view {@code GET /api/v1/canaries}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class ManualControlApiTest extends ApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static void assertApplied(HttpResponse<String> r, String action) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("action").asText()).isEqualTo(action);
    assertThat(body.path("result").asText()).isEqualTo("applied");
  }

  private static void assertRefused(HttpResponse<String> r, String reason) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo(reason);
  }

  @Test
  void pauseResumeAndPromoteApplyWhereTheyApplyAndAreRefusedElsewhere() throws Exception {
    ApiScenario s = scenario("manual-pause").seed().progressing();

    // Progressing: resume does not apply, pause does
    assertRefused(
        s.action("resume"), "resume applies to a Paused release; the release is Progressing");
    assertApplied(s.action("pause"), "pause");
    s.awaitPhase("Paused");
    CanaryStatus paused = s.status();
    assertThat(paused.weight).isEqualTo(10);
    assertThat(paused.lastAction.action).isEqualTo("pause");
    assertThat(paused.lastAction.by).isEqualTo("alice via api");
    assertThat(paused.lastAction.at).isNotBlank();
    assertThat(paused.lastAction.message).isEqualTo("paused at weight 10 by alice via api");

    // Paused: pause and retry do not apply; resume does
    assertRefused(
        s.action("pause"), "pause applies to a Progressing release; the release is Paused");
    assertRefused(
        s.action("retry"), "retry applies to a RolledBack release; the release is Paused");
    assertThat(s.status().lastAction.at).isEqualTo(paused.lastAction.at);
    assertThat(s.route()).containsExactly("v1=90", "v2=10");
    assertApplied(s.action("resume"), "resume");
    s.awaitPhase("Progressing");
    assertThat(s.status().lastAction.action).isEqualTo("resume");

    // Paused again, then promoted: the remaining steps are skipped, v1 is retired
    assertApplied(s.action("pause"), "pause");
    s.awaitPhase("Paused");
    assertApplied(s.action("promote"), "promote");
    s.awaitPhase("Succeeded");
    assertThat(s.route()).containsExactly("v2=100");
    assertThat(s.routeWrites()).endsWith(List.of("v2=100"));
    assertThat(s.status().stableVersion).isEqualTo("v2");
    assertThat(s.status().lastAction.action).isEqualTo("promote");

    // Succeeded: nothing applies
    for (String action : List.of("pause", "resume", "promote", "abort", "retry")) {
      HttpResponse<String> r = s.action(action);
      assertThat(r.statusCode()).as(action + ": " + r.body()).isEqualTo(409);
      assertThat(JSON.readTree(r.body()).path("error").asText()).contains("Succeeded");
    }
    await()
        .untilAsserted(
            () ->
                assertThat(s.events())
                    .extracting(e -> e.getReason())
                    .contains("Paused", "Resumed", "Promoting", "Promoted", "CommandRefused"));
    assertThat(s.events("CommandRefused"))
        .anySatisfy(
            e ->
                assertThat(e.getMessage())
                    .isEqualTo(
                        "pause (alice via api) refused: pause applies to a Progressing release;"
                            + " the release is Paused"));
  }

  @Test
  void abortRollsBackInOneWriteAndRetryStartsTheReleaseAgain() throws Exception {
    ApiScenario s = scenario("manual-abort").seed().progressing();
    int writesBefore = s.routeWrites().size();

    assertApplied(s.action("abort"), "abort");
    s.awaitPhase("RolledBack");
    await().until(() -> s.routeWrites().size() > writesBefore);
    assertThat(s.routeWrites().subList(writesBefore, s.routeWrites().size()))
        .containsExactly(List.of("v1=100"));
    assertThat(s.status().rollbackReason).isEqualTo("aborted by alice via api");
    assertThat(ApiScenario.rollbacks(registry, "manual-abort", "manual")).isEqualTo(1);

    // RolledBack: abort, pause, resume and promote do not apply; retry does
    assertRefused(
        s.action("abort"), "abort applies to a running release; the release is RolledBack");
    assertRefused(
        s.action("pause"), "pause applies to a Progressing release; the release is RolledBack");
    assertRefused(
        s.action("resume"), "resume applies to a Paused release; the release is RolledBack");
    assertRefused(
        s.action("promote"),
        "promote applies to a Progressing or Paused release; the release is RolledBack");
    assertThat(ApiScenario.rollbacks(registry, "manual-abort", "manual")).isEqualTo(1);

    assertApplied(s.action("retry"), "retry");
    s.awaitPhase("Progressing");
    await().untilAsserted(() -> assertThat(s.route()).containsExactly("v1=90", "v2=10"));
    assertThat(s.status().lastAction.action).isEqualTo("retry");
    assertThat(s.status().rollbackReason).isNull();
    HttpResponse<String> again = s.action("retry");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(again.body()).path("error").asText())
        .startsWith("retry applies to a RolledBack release; the release is");
  }

  @Test
  void beforeAnyReleaseEveryActionIsRefusedAndNothingChanges() throws Exception {
    ApiScenario s = scenario("manual-idle").seed();
    String before = s.canary().getMetadata().getResourceVersion();

    for (String action : List.of("pause", "resume", "promote", "abort", "retry")) {
      HttpResponse<String> r = s.action(action);
      assertThat(r.statusCode()).as(action + ": " + r.body()).isEqualTo(409);
      assertThat(JSON.readTree(r.body()).path("error").asText())
          .startsWith(action + " applies to")
          .endsWith("the release is Idle");
    }

    assertThat(s.canary().getMetadata().getResourceVersion()).isEqualTo(before);
    assertThat(s.status().phase).isEqualTo("Idle");
    assertThat(s.status().lastAction).isNull();
    await().untilAsserted(() -> assertThat(s.events("CommandRefused")).hasSize(5));
  }

  @Test
  void unknownCanariesActionsAndMalformedPathsAreRefusedWithoutACrash() throws Exception {
    ApiScenario s = scenario("manual-paths").seed().progressing();
    String ns = s.ns;

    assertThat(s.post("/api/v1/canaries/" + ns + "/nosuch/pause", null).statusCode())
        .isEqualTo(404);
    assertThat(s.post("/api/v1/canaries/nosuch-ns/helloworld/pause", null).statusCode())
        .isEqualTo(404);
    HttpResponse<String> unknownAction =
        s.post("/api/v1/canaries/" + ns + "/helloworld/explode", null);
    assertThat(unknownAction.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(unknownAction.body()).path("error").asText())
        .isEqualTo("unknown action \"explode\"; use one of pause, resume, promote, abort, retry");
    assertThat(
            s.post("/api/v1/canaries/" + ns + "/helloworld/pause?by=%22%3B%0A", null).statusCode())
        .isEqualTo(400);

    List<String> tricks =
        List.of(
            "/api/v1/canaries/" + ns + "/../pause",
            "/api/v1/canaries/" + ns + "/%2e%2e/pause",
            "/api/v1/canaries/%2e%2e/%2e%2e/pause",
            "/api/v1/canaries/" + ns + "/hello%2Fworld/pause",
            "/api/v1/canaries/" + ns + "%2Fhelloworld/x/pause",
            "/api/v1/canaries/" + ns + "/HelloWorld/pause",
            "/api/v1/canaries/" + ns + "/hello_world/pause",
            "/api/v1/canaries/" + ns + "/" + "a".repeat(300) + "/pause",
            "/api/v1/canaries/" + ns + "/helloworld/pause/extra",
            "/api/v1/canaries/" + ns + "/helloworld/PAUSE",
            "/api/v1/canaries/" + ns + "/helloworld/%00",
            "/api/v1/canaries/" + ns + "/helloworld/%2e%2e%2fabort",
            "/api/v1/canaries//helloworld/pause",
            "/api/v1/canaries/" + ns + "/helloworld/");
    for (String path : tricks) {
      HttpResponse<String> r = s.post(path, null);
      assertThat(r.statusCode()).as(path + " -> " + r.body()).isIn(400, 404, 405);
    }
    // Unauthenticated, a valid action changes nothing either.
    assertThat(s.post("/api/v1/canaries/" + ns + "/helloworld/abort", null, null).statusCode())
        .isEqualTo(401);
    assertThat(
            s.post("/api/v1/canaries/" + ns + "/helloworld/abort", "Bearer nope", null)
                .statusCode())
        .isEqualTo(401);

    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(s.status().phase).isEqualTo("Progressing");
              assertThat(s.route()).containsExactly("v1=90", "v2=10");
            });
  }

  @Test
  void theReadViewShowsEveryCanarysStatus() throws Exception {
    ApiScenario s = scenario("manual-view").seed().progressing();

    HttpResponse<String> all = s.get("/api/v1/canaries");
    assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
    JsonNode mine = null;
    for (JsonNode c : JSON.readTree(all.body()).path("canaries")) {
      if (c.path("namespace").asText().equals(s.ns)) {
        mine = c;
      }
    }
    assertThat(mine).as(all.body()).isNotNull();
    assertThat(mine.path("name").asText()).isEqualTo("helloworld");
    assertThat(mine.path("app").asText()).isEqualTo("helloworld");
    assertThat(mine.path("status").path("phase").asText()).isEqualTo("Progressing");
    assertThat(mine.path("status").path("stableVersion").asText()).isEqualTo("v1");
    assertThat(mine.path("status").path("canaryVersion").asText()).isEqualTo("v2");
    assertThat(mine.path("status").path("weight").asInt()).isEqualTo(10);

    JsonNode inNamespace = JSON.readTree(s.get("/api/v1/canaries/" + s.ns).body());
    assertThat(inNamespace.path("canaries")).hasSize(1);

    HttpResponse<String> one = s.get("/api/v1/canaries/" + s.ns + "/helloworld");
    assertThat(one.statusCode()).isEqualTo(200);
    JsonNode status = JSON.readTree(one.body()).path("status");
    assertThat(status.path("phase").asText()).isEqualTo("Progressing");
    assertThat(status.path("conditions").isArray()).isTrue();

    assertThat(s.get("/api/v1/canaries/" + s.ns + "/nosuch").statusCode()).isEqualTo(404);
    assertThat(s.get("/api/v1/canaries/Not_A_Namespace").statusCode()).isEqualTo(400);
    assertThat(
            ApiScenario.send(
                    HttpRequest.newBuilder(s.base.resolve("/api/v1/canaries")).GET().build())
                .statusCode())
        .isEqualTo(401);
  }
}
