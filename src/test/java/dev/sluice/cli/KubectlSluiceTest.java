package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Canary;
import dev.sluice.model.CanarySpec;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.ApiServer;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl sluice} as a person types it, against the mock API server holding Canaries whose
 * status is as the daemon writes it; the test plays the daemon where one must answer.
 */
class KubectlSluiceTest {
  private ApiServer server;
  private KubernetesClient client;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void start() {
    server = new ApiServer(Path.of("."), new EventsByObject());
    client = server.client();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /**
   * The mock server in CRUD mode selects by labels and by name only, and an unknown field selector
   * matches nothing; the API server selects events by {@code involvedObject.name}, the plugin's
   * selector. Here that selector is dropped (after checking it names the Canary), so every event of
   * the namespace is answered and the plugin's own check of the involved object does the selecting.
   */
  static final class EventsByObject extends KubernetesCrudDispatcher {
    EventsByObject() {
      super(List.of());
    }

    @Override
    public MockResponse handleGet(String path) {
      if (path.contains("/events?") && path.contains("fieldSelector=involvedObject")) {
        String selector =
            URLDecoder.decode(
                path.replaceAll(".*fieldSelector=([^&]*).*", "$1"), StandardCharsets.UTF_8);
        if (!selector.matches("involvedObject\\.name=[a-z0-9.-]+")) {
          throw new AssertionError("unexpected event selector " + selector);
        }
        path = path.replaceAll("fieldSelector=[^&]*&?", "");
      }
      return super.handleGet(path);
    }
  }

  private int run(String... argv) {
    return run(client, argv);
  }

  private int run(KubernetesClient c, String... argv) {
    return KubectlSluice.run(
        argv,
        c,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** A Canary as the daemon left it mid-release. */
  private Canary canary(String ns, String name, Consumer<CanaryStatus> status) {
    Canary c = new Canary();
    c.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    c.setSpec(new CanarySpec());
    c.getSpec().app = name;
    Canary created = client.resources(Canary.class).inNamespace(ns).resource(c).create();
    CanaryStatus s = new CanaryStatus();
    s.stableVersion = "v1";
    s.canaryVersion = "v2";
    s.weight = 30;
    s.phase = "Progressing";
    s.stage = "Weights";
    s.step = 2;
    s.stepCount = 10;
    s.measurements =
        List.of(measurement("error-rate", "0.002"), measurement("latency-p99", "0.31"));
    status.accept(s);
    created.setStatus(s);
    return client.resources(Canary.class).inNamespace(ns).resource(created).updateStatus();
  }

  private static CanaryStatus.MeasurementStatus measurement(String check, String value) {
    CanaryStatus.MeasurementStatus m = new CanaryStatus.MeasurementStatus();
    m.check = check;
    m.value = value;
    m.outcome = "PASS";
    m.at = "2026-12-06T01:00:00Z";
    return m;
  }

  private Canary stored(String ns, String name) {
    return client.resources(Canary.class).inNamespace(ns).withName(name).get();
  }

  /** Writes the status as the daemon does, on the Canary as now stored. */
  private void writeStatus(String ns, String name, Consumer<CanaryStatus> change) {
    Canary c = stored(ns, name);
    change.accept(c.getStatus());
    client.resources(Canary.class).inNamespace(ns).resource(c).updateStatus();
  }

  private void event(Canary c, String type, String reason, String message) {
    String now = Instant.now().toString();
    client
        .v1()
        .events()
        .inNamespace(c.getMetadata().getNamespace())
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withName(c.getMetadata().getName() + "." + System.nanoTime())
                .withNamespace(c.getMetadata().getNamespace())
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion("sluice.dev/v1alpha1")
                .withKind("Canary")
                .withNamespace(c.getMetadata().getNamespace())
                .withName(c.getMetadata().getName())
                .withUid(c.getMetadata().getUid())
                .endInvolvedObject()
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .build())
        .create();
  }

  /**
   * The daemon's side of the annotation protocol: waits for {@code sluice.dev/action}, claims it
   * (removes both annotations with an update carrying the resourceVersion read) and hands the
   * claimed annotations to {@code act}.
   */
  private CompletableFuture<Map<String, String>> daemon(
      String ns, String name, Consumer<Canary> act) {
    return CompletableFuture.supplyAsync(
        () -> {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
          while (System.nanoTime() < deadline) {
            Canary c = stored(ns, name);
            Map<String, String> a = c.getMetadata().getAnnotations();
            if (a != null && a.containsKey("sluice.dev/action")) {
              Map<String, String> claimed = new HashMap<>(a);
              a.remove("sluice.dev/action");
              a.remove("sluice.dev/action-by");
              Canary after = client.resources(Canary.class).inNamespace(ns).resource(c).update();
              act.accept(after);
              return claimed;
            }
            pause(20);
          }
          throw new AssertionError("the plugin never set sluice.dev/action");
        });
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void getListsEveryCanaryAcrossNamespacesWithItsColumns() {
    canary("shop", "cart", s -> {});
    canary(
        "default",
        "helloworld",
        s -> {
          s.stableVersion = "v2";
          s.weight = 0;
          s.phase = "Succeeded";
          s.stage = null;
          s.measurements = List.of();
        });

    assertThat(run("get")).isEqualTo(0);

    List<String> lines = out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).split("\\s+"))
        .containsExactly(
            "NAMESPACE", "NAME", "STABLE", "CANARY", "WEIGHT", "STAGE", "PHASE", "CHECKS");
    assertThat(lines.get(1).split("\\s+", 8))
        .containsExactly("default", "helloworld", "v2", "v2", "0%", "-", "Succeeded", "-");
    assertThat(lines.get(2).split("\\s+", 8))
        .containsExactly(
            "shop",
            "cart",
            "v1",
            "v2",
            "30%",
            "Weights",
            "Progressing",
            "error-rate=0.002 (PASS), latency-p99=0.31 (PASS)");
    // the columns line up under their headers
    assertThat(lines.get(2).indexOf("30%")).isEqualTo(lines.get(0).indexOf("WEIGHT"));

    out.reset();
    assertThat(run("get", "-n", "shop")).isEqualTo(0);
    assertThat(out().lines().skip(1).toList()).singleElement().asString().startsWith("shop ");
  }

  @Test
  void pauseSetsTheAnnotationAndPrintsTheOutcomeSluiceRecords() throws Exception {
    Canary cart = canary("shop", "cart", s -> {});
    var daemon =
        daemon(
            "shop",
            "cart",
            c -> {
              pause(200); // the plugin looks a few times before the answer
              writeStatus(
                  "shop",
                  "cart",
                  s -> {
                    s.phase = "Paused";
                    s.lastAction = new CanaryStatus.ManualAction();
                    s.lastAction.action = "pause";
                    s.lastAction.by = "alice via annotation";
                    s.lastAction.at = Instant.now().toString();
                    s.lastAction.message = "paused at 30% by alice via annotation";
                  });
              event(cart, "Normal", "Paused", "paused at 30% by alice via annotation");
            });

    int code = run("pause", "cart", "-n", "shop", "--by", "alice", "--timeout", "10s");

    assertThat(daemon.get(10, TimeUnit.SECONDS))
        .containsEntry("sluice.dev/action", "pause")
        .containsEntry("sluice.dev/action-by", "alice");
    assertThat(code).as(err()).isEqualTo(0);
    assertThat(out())
        .contains("pause applied (alice via annotation): paused at 30% by alice via annotation")
        .contains("shop/cart: Paused, v1 -> v2 at 30% (stage Weights, step 3 of 10)");
    assertThat(stored("shop", "cart").getMetadata().getAnnotations())
        .doesNotContainKey("sluice.dev/action");
  }

  @Test
  void aRefusedActionExitsNonZeroWithSluicesReason() throws Exception {
    Canary cart = canary("shop", "cart", s -> {});
    // an earlier refusal must not be taken for this one's answer
    event(cart, "Warning", "CommandRefused", "resume (bob via annotation) refused: long ago");
    var daemon =
        daemon(
            "shop",
            "cart",
            c ->
                event(
                    cart,
                    "Warning",
                    "CommandRefused",
                    "resume (alice via annotation) refused: resume applies to a Paused release;"
                        + " the release is Progressing"));

    int code = run("resume", "cart", "-n", "shop", "--by", "alice", "--timeout", "10s");

    daemon.get(10, TimeUnit.SECONDS);
    assertThat(code).isEqualTo(ExitCode.REFUSED);
    assertThat(err())
        .contains("resume refused: resume applies to a Paused release; the release is Progressing")
        .contains("shop/cart: Progressing");
  }

  @Test
  void anUnknownCanaryExitsNonZeroAndSaysSo() {
    canary("shop", "cart", s -> {});

    assertThat(run("pause", "basket", "-n", "shop")).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(err()).contains("canary \"basket\" not found in namespace \"shop\"");
    assertThat(run("watch", "basket", "-n", "shop")).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(run("get", "basket")).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(stored("shop", "cart").getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void withoutSluiceTheActionTimesOutAndTheAnnotationStays() {
    canary("shop", "cart", s -> {});

    assertThat(run("abort", "cart", "-n", "shop", "--timeout", "1s")).isEqualTo(ExitCode.NO_ANSWER);
    assertThat(err()).contains("Sluice did not take the abort within 1s");
    assertThat(stored("shop", "cart").getMetadata().getAnnotations())
        .containsEntry("sluice.dev/action", "abort");

    assertThat(run("promote", "cart", "-n", "shop")).isEqualTo(ExitCode.REFUSED);
    assertThat(err()).contains("already carries sluice.dev/action=abort");
  }

  @Test
  void watchDrawsTheReleaseUntilItSucceeds() throws Exception {
    Canary cart = canary("shop", "cart", s -> s.weight = 10);
    event(cart, "Normal", "StepAdvanced", "weight 10%");
    var release =
        CompletableFuture.runAsync(
            () -> {
              pause(300);
              writeStatus("shop", "cart", s -> s.weight = 50);
              event(cart, "Normal", "StepAdvanced", "weight 50%");
              pause(300);
              writeStatus(
                  "shop",
                  "cart",
                  s -> {
                    s.weight = 100;
                    s.phase = "Succeeded";
                    s.stableVersion = "v2";
                    s.finishedAt = Instant.now().toString();
                  });
            });

    int code = run("watch", "cart", "-n", "shop", "--interval", "50ms");

    release.get(10, TimeUnit.SECONDS);
    assertThat(code).as(err()).isEqualTo(0);
    assertThat(out())
        .contains("v1 90% [------------------------------------####] 10% v2")
        .contains("v1 50% [--------------------####################] 50% v2")
        .contains("error-rate")
        .contains("StepAdvanced")
        .contains("weight 50%")
        .endsWith("Release succeeded: v2 is the stable version\n");
  }

  @Test
  void watchShowsAGateThatWaitsAndTheWebhooksAnswers() throws Exception {
    Canary cart =
        canary(
            "shop",
            "cart",
            s -> {
              s.phase = "Initializing";
              s.weight = 0;
              s.conditions.add(
                  new io.fabric8.kubernetes.api.model.ConditionBuilder()
                      .withType("Ready")
                      .withStatus("False")
                      .withReason("AwaitingConfirmation")
                      .withMessage(
                          "waiting for confirm-rollout webhook approval (last answer: HTTP 403)"
                              + " to answer 2xx before v2 gets any traffic")
                      .build());
              CanaryStatus.WebhookStatus w = new CanaryStatus.WebhookStatus();
              w.name = "approval";
              w.type = "confirm-rollout";
              w.result = "Failed";
              w.message = "HTTP 403";
              w.at = Instant.now().toString();
              w.calls = 4;
              s.webhooks.add(w);
            });
    event(cart, "Warning", "AwaitingConfirmation", "waiting for confirm-rollout webhook approval");
    var release =
        CompletableFuture.runAsync(
            () -> {
              pause(300);
              writeStatus(
                  "shop",
                  "cart",
                  s -> {
                    s.conditions.clear();
                    s.phase = "RolledBack";
                    s.rollbackReason = "pre-rollout webhook smoke failed: HTTP 422";
                    s.finishedAt = Instant.now().toString();
                  });
            });

    int code = run("watch", "cart", "-n", "shop", "--interval", "50ms");

    release.get(10, TimeUnit.SECONDS);
    assertThat(code).isEqualTo(1);
    assertThat(out())
        .contains(
            "waiting: waiting for confirm-rollout webhook approval (last answer: HTTP 403) to"
                + " answer 2xx before v2 gets any traffic (AwaitingConfirmation)")
        .containsPattern("approval +confirm-rollout +- +Failed +HTTP 403");
  }

  @Test
  void watchOfAReleaseThatRollsBackExitsNonZeroWithTheReason() throws Exception {
    canary("shop", "cart", s -> {});
    var release =
        CompletableFuture.runAsync(
            () -> {
              pause(200);
              writeStatus(
                  "shop",
                  "cart",
                  s -> {
                    s.weight = 0;
                    s.phase = "RolledBack";
                    s.rollbackReason = "check error-rate failed: 0.2 > 0.01";
                    s.finishedAt = Instant.now().toString();
                  });
            });

    int code = run("watch", "cart", "-n", "shop", "--interval", "50ms");

    release.get(10, TimeUnit.SECONDS);
    assertThat(code).isEqualTo(ExitCode.REFUSED);
    assertThat(out())
        .contains("rolled back: check error-rate failed: 0.2 > 0.01")
        .endsWith("Release rolled back: check error-rate failed: 0.2 > 0.01\n");
  }

  @Test
  void watchStartedBetweenReleasesWaitsForTheNextOne() throws Exception {
    canary(
        "shop",
        "cart",
        s -> {
          s.phase = "Succeeded";
          s.stableVersion = "v2";
          s.weight = 0;
          s.finishedAt = "2026-12-05T10:00:00Z";
        });
    var release =
        CompletableFuture.runAsync(
            () -> {
              pause(300);
              writeStatus(
                  "shop",
                  "cart",
                  s -> {
                    s.phase = "Progressing";
                    s.canaryVersion = "v3";
                    s.weight = 10;
                  });
              pause(300);
              writeStatus(
                  "shop",
                  "cart",
                  s -> {
                    s.phase = "Succeeded";
                    s.stableVersion = "v3";
                    s.finishedAt = Instant.now().toString();
                  });
            });

    int code = run("watch", "cart", "-n", "shop", "--interval", "50ms");

    release.get(10, TimeUnit.SECONDS);
    assertThat(code).isEqualTo(0);
    assertThat(out())
        .startsWith("shop/cart: no release under way (Succeeded); waiting for the next one")
        .contains("v2 90% [")
        .endsWith("Release succeeded: v3 is the stable version\n");
  }

  @Test
  void noClusterAccessExitsNonZeroWithTheReason() {
    try (KubernetesClient nowhere =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:1")
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      assertThat(run(nowhere, "get")).isEqualTo(ExitCode.NO_ACCESS);
    }
    assertThat(err()).contains("cannot reach the cluster at http://127.0.0.1:1");
  }

  @Test
  void aWrongCommandLineIsAUsageError() {
    assertThat(run("pause")).isEqualTo(ExitCode.USAGE);
    assertThat(err()).contains("pause needs the Canary's name").contains("Usage: kubectl sluice");
    assertThat(run("frobnicate", "x")).isEqualTo(ExitCode.USAGE);
    assertThat(run("watch", "cart", "--interval", "soon")).isEqualTo(ExitCode.USAGE);
    assertThat(run("pause", "cart", "--by", "x".repeat(64))).isEqualTo(ExitCode.USAGE);
    assertThat(err()).contains("--by takes a plain name");
  }
}
