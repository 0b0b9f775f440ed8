package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Manual control by annotation, as {@code kubectl annotate canary helloworld
 * sluice.dev/action=pause} does it: the daemon acts once, records it, and removes the annotation;
 * an action that does not apply, or an unknown one, gets an event and is removed, nothing else.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class ActionAnnotationTest extends ApiTest {
  private static final String ACTION = "sluice.dev/action";
  private static final String ACTION_BY = "sluice.dev/action-by";

  /** What kubectl annotate does, as a plain update (retried when the status moved meanwhile). */
  private void annotate(ApiScenario s, Map<String, String> annotations) {
    for (int attempt = 0; ; attempt++) {
      Canary c = s.canary();
      Map<String, String> a =
          c.getMetadata().getAnnotations() == null
              ? new HashMap<>()
              : new HashMap<>(c.getMetadata().getAnnotations());
      a.putAll(annotations);
      c.getMetadata().setAnnotations(a);
      try {
        client.resources(Canary.class).inNamespace(s.ns).resource(c).update();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt > 20) {
          throw e;
        }
      }
    }
  }

  private void annotate(ApiScenario s, String action) {
    annotate(s, Map.of(ACTION, action));
  }

  private void awaitAnnotationRemoved(ApiScenario s) {
    await()
        .atMost(ApiScenario.WAIT)
        .untilAsserted(
            () -> {
              Map<String, String> a = s.canary().getMetadata().getAnnotations();
              assertThat(a == null ? Map.of() : a).doesNotContainKeys(ACTION, ACTION_BY);
            });
  }

  private void awaitEvent(ApiScenario s, String reason, String message) {
    await()
        .atMost(ApiScenario.WAIT)
        .untilAsserted(
            () ->
                assertThat(s.events(reason))
                    .anySatisfy(e -> assertThat(e.getMessage()).isEqualTo(message)));
  }

  /** Phase, weight, versions and the last action are as they were. */
  private static void assertSameRelease(CanaryStatus before, CanaryStatus now) {
    assertThat(now.phase).isEqualTo(before.phase);
    assertThat(now.weight).isEqualTo(before.weight);
    assertThat(now.canaryVersion).isEqualTo(before.canaryVersion);
    assertThat(now.stableVersion).isEqualTo(before.stableVersion);
    assertThat(now.rollbackReason).isEqualTo(before.rollbackReason);
    if (before.lastAction == null) {
      assertThat(now.lastAction).isNull();
    } else {
      assertThat(now.lastAction.at).isEqualTo(before.lastAction.at);
    }
  }

  @Test
  void pauseResumeAndPromoteByAnnotationActOnceRecordTheActionAndRemoveTheAnnotation() {
    ApiScenario s = scenario("annotate-pause").seed().progressing();

    annotate(s, Map.of(ACTION, "pause", ACTION_BY, "alice"));
    s.awaitPhase("Paused");
    awaitAnnotationRemoved(s);
    CanaryStatus paused = s.status();
    assertThat(paused.weight).isEqualTo(10);
    assertThat(paused.lastAction.action).isEqualTo("pause");
    assertThat(paused.lastAction.by).isEqualTo("alice via annotation");
    assertThat(paused.lastAction.at).isNotBlank();
    awaitEvent(s, "Paused", "paused at weight 10 by alice via annotation");

    // an action that does not apply: an event, the annotation removed, nothing else
    annotate(s, "pause");
    awaitEvent(
        s,
        "CommandRefused",
        "pause (annotation) refused: pause applies to a Progressing release; the release is Paused");
    awaitAnnotationRemoved(s);
    assertSameRelease(paused, s.status());

    // an unknown action: the same
    annotate(s, "explode");
    awaitEvent(
        s,
        "UnknownAction",
        "annotation sluice.dev/action=explode (annotation) names no action; use one of pause,"
            + " resume, promote, abort, retry; nothing was done");
    awaitAnnotationRemoved(s);
    assertSameRelease(paused, s.status());
    assertThat(s.route()).containsExactly("v1=90", "v2=10");

    annotate(s, "resume");
    s.awaitPhase("Progressing");
    awaitAnnotationRemoved(s);
    assertThat(s.status().lastAction.action).isEqualTo("resume");

    annotate(s, "promote");
    s.awaitPhase("Succeeded");
    awaitAnnotationRemoved(s);
    assertThat(s.route()).containsExactly("v2=100");
    assertThat(s.status().lastAction.action).isEqualTo("promote");
    assertThat(s.status().lastAction.message).startsWith("promoting v2: promoted manually");
    // each action happened once
    await().untilAsserted(() -> assertThat(s.events("Paused")).hasSize(1));
    assertThat(s.events("Resumed")).hasSize(1);
    assertThat(s.events("Promoting")).hasSize(1);
  }

  @Test
  void abortAndRetryByAnnotation() {
    ApiScenario s = scenario("annotate-abort").seed().progressing();

    annotate(s, "abort");
    s.awaitPhase("RolledBack");
    awaitAnnotationRemoved(s);
    assertThat(s.route()).containsExactly("v1=100");
    assertThat(s.status().rollbackReason).isEqualTo("aborted by annotation");
    assertThat(ApiScenario.rollbacks(registry, "annotate-abort", "manual")).isEqualTo(1);

    CanaryStatus rolledBack = s.status();
    annotate(s, "resume");
    awaitEvent(
        s,
        "CommandRefused",
        "resume (annotation) refused: resume applies to a Paused release; the release is"
            + " RolledBack");
    awaitAnnotationRemoved(s);
    assertSameRelease(rolledBack, s.status());

    annotate(s, " Retry "); // as a person might type it
    s.awaitPhase("Progressing");
    awaitAnnotationRemoved(s);
    await().untilAsserted(() -> assertThat(s.route()).containsExactly("v1=90", "v2=10"));
    assertThat(s.status().lastAction.action).isEqualTo("retry");
    assertThat(ApiScenario.rollbacks(registry, "annotate-abort", "manual")).isEqualTo(1);
  }

  @Test
  void beforeAnyReleaseAnAnnotatedActionIsRefusedAndRemoved() {
    ApiScenario s = scenario("annotate-idle").seed();
    CanaryStatus idle = s.status();

    annotate(s, "abort");

    awaitEvent(
        s,
        "CommandRefused",
        "abort (annotation) refused: abort applies to a running release; the release is Idle");
    awaitAnnotationRemoved(s);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertSameRelease(idle, s.status()));
    assertThat(s.events("CommandRefused")).hasSize(1);
  }
}
