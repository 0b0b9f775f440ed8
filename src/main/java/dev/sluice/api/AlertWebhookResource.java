package dev.sluice.api;

import dev.sluice.controller.Controller;
import dev.sluice.controller.SignalInbox;
import dev.sluice.model.Canary;
import dev.sluice.rollout.Phase;
import dev.sluice.rollout.Signal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Alertmanager's webhook receiver. A firing alert whose labels match a Canary under release (see
 * {@link AlertMatcher}) rolls that release back at once: the alert goes to the Canary's inbox and
 * the Canary is reconciled now. Resolved alerts do nothing. A repeated notification finds the
 * release already rolled back and does nothing either: the state machine ignores alerts outside a
 * running release, and only a decision that rolls back counts in {@code sluice_rollbacks_total}.
 *
 * <p>The answer lists what became of each alert once the state machine decided (or "pending" if
 * that took longer than {@code sluice.api.decision-timeout-ms}). Every alert is counted in {@code
 * sluice_alerts_total{result="matched|unmatched|resolved"}} when its outcome is known.
 */
@Path(AlertWebhookResource.PATH)
public class AlertWebhookResource {
  static final String PATH = "/api/v1/alerts";
  private static final Logger LOG = Logger.getLogger(AlertWebhookResource.class);

  @Inject Controller controller;
  @Inject ApiSettings settings;
  @Inject MeterRegistry registry;

  private Counter matched;
  private Counter unmatched;
  private Counter resolved;

  /**
   * What became of one alert.
   *
   * @param alertname the alert's name
   * @param status firing or resolved
   * @param result matched (it rolled a release back), unmatched, resolved, or pending (not yet
   *     decided when the answer was sent)
   * @param canaries the Canaries it matched ({@code namespace/name})
   * @param message what happened, for people
   */
  public record AlertOutcome(
      String alertname, String status, String result, List<String> canaries, String message) {}

  /** The webhook's answer. */
  public record WebhookAnswer(int alerts, List<AlertOutcome> outcomes) {}

  @PostConstruct
  void registerCounters() {
    matched = counter("matched");
    unmatched = counter("unmatched");
    resolved = counter("resolved");
  }

  private Counter counter(String result) {
    return Counter.builder("sluice.alerts")
        .description(
            "Alerts received by the webhook: matched (rolled a release back), unmatched (no running"
                + " release matched), resolved")
        .tag("result", result)
        .register(registry);
  }

  @POST
  @Consumes(MediaType.WILDCARD)
  @Produces(MediaType.APPLICATION_JSON)
  public CompletionStage<Response> receive(byte[] body) {
    // the start of sluice_alert_reaction_seconds (arrival to the rollback's route write)
    SignalInbox.Received arrived = SignalInbox.Received.now();
    if (body == null || body.length == 0) {
      return done(ApiError.response(400, "empty body: expected an Alertmanager payload"));
    }
    if (body.length > settings.maxBodyBytes()) {
      return done(ApiFilters.tooLarge(settings.maxBodyBytes()));
    }
    AlertmanagerPayload payload;
    try {
      payload = AlertmanagerPayload.parse(body);
    } catch (AlertmanagerPayload.Invalid e) {
      return done(ApiError.response(400, e.getMessage()));
    }
    if (!controller.running()) {
      // Alertmanager retries a 5xx: the alert is not lost while the daemon starts.
      return done(
          ApiError.response(503, "the controller is not running yet (informers not synced)"));
    }
    List<AlertMatcher.Target> canaries =
        controller.canaries().stream().map(AlertWebhookResource::target).toList();
    List<CompletableFuture<AlertOutcome>> outcomes = new ArrayList<>();
    for (AlertmanagerPayload.Alert alert : payload.alerts()) {
      CompletableFuture<AlertOutcome> decided = handle(alert, canaries, arrived);
      decided.thenAccept(this::count);
      AlertOutcome pending =
          new AlertOutcome(
              alert.name(),
              "firing",
              "pending",
              List.of(),
              "handed to the release; not decided within " + settings.decisionTimeout());
      outcomes.add(
          decided
              .copy()
              .completeOnTimeout(
                  pending, settings.decisionTimeout().toMillis(), TimeUnit.MILLISECONDS));
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              List<AlertOutcome> list = outcomes.stream().map(CompletableFuture::join).toList();
              return Response.ok(new WebhookAnswer(list.size(), list)).build();
            });
  }

  private CompletableFuture<AlertOutcome> handle(
      AlertmanagerPayload.Alert alert,
      List<AlertMatcher.Target> canaries,
      SignalInbox.Received arrived) {
    String name = alert.name();
    if (!alert.firing()) {
      return CompletableFuture.completedFuture(
          new AlertOutcome(name, "resolved", "resolved", List.of(), "resolved alerts do nothing"));
    }
    String labels = AlertMatcher.describe(alert.labels(), alert.annotations());
    AlertMatcher.Match match = AlertMatcher.match(alert.labels(), canaries);
    if (match.targets().isEmpty()) {
      return CompletableFuture.completedFuture(
          new AlertOutcome(name, "firing", "unmatched", List.of(), match.why()));
    }
    List<String> keys = match.targets().stream().map(AlertMatcher.Target::key).toList();
    List<String> notRunning = new ArrayList<>();
    List<AlertMatcher.Target> running = new ArrayList<>();
    for (AlertMatcher.Target t : match.targets()) {
      if (t.phase().releasing()) {
        running.add(t);
      } else {
        notRunning.add(t.key() + " has no running release (" + t.phase() + ")");
      }
    }
    List<CompletableFuture<String>> answers = new ArrayList<>();
    for (AlertMatcher.Target t : running) {
      CompletableFuture<Optional<String>> answer =
          controller.inbox().offer(t.key(), new Signal.AlertFiring(name, labels), arrived);
      controller.pokeUrgent(t.key());
      // null: rolled back; otherwise why not
      answers.add(answer.thenApply(refusal -> refusal.map(r -> t.key() + ": " + r).orElse(null)));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              List<String> rolledBack = new ArrayList<>();
              List<String> why = new ArrayList<>(notRunning);
              for (int i = 0; i < running.size(); i++) {
                String r = answers.get(i).join();
                if (r == null) {
                  rolledBack.add(running.get(i).key());
                } else {
                  why.add(r);
                }
              }
              String message =
                  rolledBack.isEmpty()
                      ? "matched by "
                          + match.rule()
                          + " but no running release: "
                          + String.join("; ", why)
                      : "rolled back " + String.join(", ", rolledBack) + " (" + match.rule() + ")";
              return new AlertOutcome(
                  name, "firing", rolledBack.isEmpty() ? "unmatched" : "matched", keys, message);
            });
  }

  private void count(AlertOutcome o) {
    switch (o.result()) {
      case "matched" -> {
        matched.increment();
        LOG.infof("alert %s: %s", o.alertname(), o.message());
      }
      case "unmatched" -> {
        unmatched.increment();
        LOG.infof("alert %s matches no running release: %s", o.alertname(), o.message());
      }
      default -> {
        resolved.increment();
        LOG.debugf("alert %s resolved", o.alertname());
      }
    }
  }

  static AlertMatcher.Target target(Canary c) {
    Phase phase = Phase.Idle;
    if (c.getStatus() != null && c.getStatus().phase != null) {
      try {
        phase = Phase.valueOf(c.getStatus().phase);
      } catch (IllegalArgumentException e) {
        phase = Phase.Idle;
      }
    }
    return new AlertMatcher.Target(
        c.getMetadata().getNamespace(),
        c.getMetadata().getName(),
        c.getSpec() == null ? null : c.getSpec().app,
        phase);
  }

  private static CompletionStage<Response> done(Response r) {
    return CompletableFuture.completedFuture(r);
  }
}
