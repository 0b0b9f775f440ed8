package dev.sluice.controller;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.Canary;
import dev.sluice.rollout.HookCall;
import dev.sluice.rollout.ReleaseSpec;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.webhooks.WebhookAnswer;
import dev.sluice.webhooks.WebhookClient;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * Makes the webhook calls the state machine asks for, off the reconcile path (a slow webhook never
 * delays a route write, a rollback least of all), at most one at a time per call, and hands each
 * answer back to the Canary's next reconcile as a signal. Payload: docs/webhooks.md.
 */
final class HookCalls implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(HookCalls.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Whatever the webhook is asked about, and what it is told. */
  private record Job(String key, HookCall call, ObjectNode payload, Canary canary) {}

  private final KubernetesClient client;
  private final WebhookClient http;
  private final SignalInbox inbox;
  private final ReleaseMetrics metrics;
  private final Clock clock;
  private final BiConsumer<String, Instant> schedule;
  private final ExecutorService callers;
  private final Set<String> underWay = ConcurrentHashMap.newKeySet();

  HookCalls(
      KubernetesClient client,
      WebhookClient http,
      SignalInbox inbox,
      ReleaseMetrics metrics,
      Clock clock,
      BiConsumer<String, Instant> schedule) {
    this.client = client;
    this.http = http;
    this.inbox = inbox;
    this.metrics = metrics;
    this.clock = clock;
    this.schedule = schedule;
    this.callers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "sluice-webhooks");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts {@code calls} for the Canary, except those already under way. */
  void make(Subject s, ReleaseSpec spec, ReleaseStatus status, List<HookCall> calls) {
    for (HookCall call : calls) {
      String id = s.key + "|" + call;
      if (!underWay.add(id)) {
        continue;
      }
      Job job = new Job(s.key, call, payload(s, spec, status, call), s.canary());
      try {
        callers.execute(
            () -> {
              try {
                // still under way until the state machine has seen the answer: a reconcile that
                // decided before it arrived would ask for the same call again
                run(job).whenComplete((decided, e) -> underWay.remove(id));
              } catch (RuntimeException e) {
                underWay.remove(id);
                LOG.warnf("%s: webhook %s: %s", s.key, call.name(), e.toString());
              }
            });
      } catch (RuntimeException e) { // stopping
        underWay.remove(id);
      }
    }
  }

  /** Calls, and hands the answer to the inbox; completes once the state machine decided on it. */
  private java.util.concurrent.CompletableFuture<?> run(Job job) {
    long started = System.nanoTime();
    HookCall call = job.call();
    WebhookAnswer answer;
    Optional<WebhookReader.Target> target =
        WebhookReader.target(job.canary().getSpec(), call.name());
    if (target.isEmpty()) {
      answer = new WebhookAnswer(false, 0, "the webhook is no longer in the Canary's spec", 0);
    } else {
      Credentials auth = credentials(job.canary(), target.get());
      if (auth.problem() != null) {
        answer = new WebhookAnswer(false, 0, auth.problem(), 0);
      } else {
        job.payload().set("metadata", JSON.valueToTree(target.get().metadata()));
        answer =
            http.post(
                target.get().url(),
                target.get().timeout(),
                job.payload().toString(),
                Optional.ofNullable(auth.header()));
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    metrics.webhookCalled(call.type().specName(), answer.passed(), took);
    org.jboss.logging.MDC.put("canary", job.key()); // as the reconcile's log lines
    try {
      LOG.infof(
          "%s webhook %s answered in %d ms: %s",
          call.type().specName(), call.name(), took.toMillis(), answer.message());
    } finally {
      org.jboss.logging.MDC.remove("canary");
    }
    var decided =
        inbox.offer(
            job.key(),
            call.answered(
                answer.passed(), StatusMapper.truncate(answer.message(), 256), clock.instant()));
    schedule.accept(job.key(), clock.instant());
    return decided;
  }

  /** The {@code Authorization} header's value, or why it cannot be had. */
  private record Credentials(String header, String problem) {}

  private Credentials credentials(Canary canary, WebhookReader.Target t) {
    if (t.secret() == null) {
      return new Credentials(null, null);
    }
    String ns = canary.getMetadata().getNamespace();
    Secret secret;
    try {
      secret = client.secrets().inNamespace(ns).withName(t.secret()).get();
    } catch (KubernetesClientException e) {
      return new Credentials(
          null, "cannot read Secret " + t.secret() + ": HTTP " + e.getCode() + " (not called)");
    }
    if (secret == null) {
      return new Credentials(null, "Secret " + t.secret() + " does not exist (not called)");
    }
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    Map<String, String> plain = secret.getStringData() == null ? Map.of() : secret.getStringData();
    String token = value(data, plain, "token");
    if (token != null) {
      return new Credentials("Bearer " + token.strip(), null);
    }
    String user = value(data, plain, "username");
    String password = value(data, plain, "password");
    if (user != null && password != null) {
      String pair = user + ":" + password;
      return new Credentials(
          "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)),
          null);
    }
    return new Credentials(
        null,
        "Secret "
            + t.secret()
            + " has neither a 'token' key nor 'username' and 'password' (not called)");
  }

  private static String value(Map<String, String> data, Map<String, String> plain, String key) {
    if (plain.get(key) != null) {
      return plain.get(key);
    }
    String encoded = data.get(key);
    if (encoded == null) {
      return null;
    }
    try {
      return new String(Base64.getDecoder().decode(encoded.strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The JSON body: docs/webhooks.md lists its fields. */
  private static ObjectNode payload(
      Subject s, ReleaseSpec spec, ReleaseStatus status, HookCall call) {
    ObjectNode p = JSON.createObjectNode();
    p.put("name", s.name);
    p.put("namespace", s.namespace);
    p.put("webhook", call.name());
    p.put("type", call.type().specName());
    p.put("phase", status.phase().name());
    p.put("canaryVersion", status.canaryVersion());
    p.put("stableVersion", status.stableVersion());
    p.put("weight", status.weight());
    if (call.step() >= 0) {
      p.put("step", call.step() + 1);
      p.put("stage", spec.stageName(call.step()));
    }
    p.put("stepCount", spec.steps().size());
    p.put("releaseStartedAt", String.valueOf(call.release()));
    if (status.rollbackReason() != null && status.phase().settled()) {
      p.put("rollbackReason", status.rollbackReason());
    }
    p.putObject("metadata");
    return p;
  }

  @Override
  public void close() {
    callers.shutdownNow();
  }
}
