package dev.sluice.controller;

import dev.sluice.analysis.GateVerdict;
import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import dev.sluice.model.Canary;
import dev.sluice.model.CanarySpec;
import dev.sluice.notify.Kind;
import dev.sluice.notify.Notification;
import dev.sluice.notify.Notifications;
import dev.sluice.notify.Sink;
import dev.sluice.notify.SinkType;
import dev.sluice.notify.WebhookUrls;
import dev.sluice.rollout.Decision;
import dev.sluice.rollout.DecisionLoop;
import dev.sluice.rollout.Phase;
import dev.sluice.rollout.Reason;
import dev.sluice.rollout.ReleaseStatus;
import dev.sluice.rollout.RollbackCause;
import dev.sluice.rollout.Signal;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Turns a carried-out decision's events into release notifications (started, paused, resumed, step,
 * rolled back with the failing checks or the alert, promoted, failed) and hands them to the
 * daemon's {@link Notifications} with the Canary's own receivers ({@code spec.notifications}). It
 * only queues: a receiver's Secret is read, and the receiver called, on the notifier's threads, so
 * nothing here delays the reconcile.
 */
final class ReleaseNotices {
  private static final Logger LOG = Logger.getLogger(ReleaseNotices.class);

  private final Notifications notifications;
  private final KubernetesClient client;
  private final EventRecorder events;
  private final Clock clock;

  /** {@code notifications} null: none are sent. */
  ReleaseNotices(
      Notifications notifications, KubernetesClient client, EventRecorder events, Clock clock) {
    this.notifications = notifications;
    this.client = client;
    this.events = events;
    this.clock = clock;
  }

  /** When a decision is made: its notifications' time. */
  Instant now() {
    return clock.instant();
  }

  /** The kind of notification an event of a decision is, if any. */
  static Optional<Kind> kind(Decision.Note note, ReleaseStatus after) {
    return Optional.ofNullable(
        switch (note.reason()) {
          case ReleaseStarted -> Kind.STARTED;
          case Paused -> Kind.PAUSED;
          case Resumed -> Kind.RESUMED;
          case StepAdvanced -> Kind.STEP;
          case RolledBack -> Kind.ROLLED_BACK;
          case Promoted -> Kind.PROMOTED;
          case RollbackBlocked -> after.phase() == Phase.Failed ? Kind.FAILED : null;
          default -> null;
        });
  }

  /**
   * Queues a notification for each of {@code turn}'s events worth one; {@code at} is when the
   * decision was made, {@code verdict} the evaluation it was made on (for a rollback's checks).
   */
  void announce(Subject s, DecisionLoop.Turn turn, GateVerdict verdict, Instant at) {
    if (notifications == null || !notifications.enabled()) {
      return;
    }
    try {
      List<Sink> own = null;
      for (Decision.Note note : turn.decision().events()) {
        Optional<Kind> kind = kind(note, turn.decision().status());
        if (kind.isEmpty()) {
          continue;
        }
        if (own == null) {
          own = sinks(s.canary());
        }
        notifications.send(notification(s, turn, verdict, at, kind.get(), note), own);
      }
    } catch (RuntimeException e) {
      // a notification is worth less than the reconcile that carries the release on
      LOG.warnf(e, "%s: notifications of this decision not sent", s.key);
    }
  }

  /** The notification of {@code note}, a {@code kind} event of {@code turn}'s decision. */
  static Notification notification(
      Subject s,
      DecisionLoop.Turn turn,
      GateVerdict verdict,
      Instant at,
      Kind kind,
      Decision.Note note) {
    ReleaseStatus after = turn.decision().status();
    RollbackCause cause = turn.decision().rollback().orElse(null);
    boolean endOfRelease = kind == Kind.ROLLED_BACK || kind == Kind.FAILED;
    String alert = null;
    if (endOfRelease
        && cause == RollbackCause.ALERT
        && turn.signal().orElse(null) instanceof Signal.AlertFiring a) {
      alert = a.alertName();
    }
    List<Notification.FailedCheck> checks = new ArrayList<>();
    if (endOfRelease
        && cause == RollbackCause.CHECK
        && turn.evaluation().isPresent()
        && verdict != null) {
      for (Measurement m : verdict.measurements()) {
        if (m.outcome() == Outcome.FAIL && !m.dryRun()) {
          checks.add(
              new Notification.FailedCheck(
                  m.check(),
                  m.query(),
                  m.value().isPresent() ? Double.toString(m.value().getAsDouble()) : null,
                  m.message()));
        }
      }
    }
    return new Notification(
        UUID.randomUUID().toString(),
        kind,
        at,
        s.namespace,
        s.name,
        after.phase().name(),
        after.stableVersion(),
        after.canaryVersion(),
        after.weight(),
        after.step() + 1,
        note.message(),
        endOfRelease ? after.rollbackReason() : null,
        alert,
        checks);
  }

  /**
   * The Canary's own receivers, as its spec lists them (the spec was admitted: each entry is
   * valid). The URL is read from the Secret when a delivery starts, on the notifier's thread.
   */
  private List<Sink> sinks(Canary canary) {
    CanarySpec spec = canary.getSpec();
    if (spec == null || spec.notifications == null || spec.notifications.isEmpty()) {
      return List.of();
    }
    String ns = canary.getMetadata().getNamespace();
    String name = canary.getMetadata().getName();
    List<Sink> sinks = new ArrayList<>();
    for (int i = 0; i < spec.notifications.size(); i++) {
      CanarySpec.Notification n = spec.notifications.get(i);
      Optional<SinkType> type = n == null ? Optional.empty() : SinkType.parse(n.type);
      if (type.isEmpty() || n.secretRef == null) {
        continue;
      }
      String origin = "spec.notifications[" + i + "]";
      Set<Kind> kinds =
          n.kinds == null || n.kinds.isEmpty()
              ? notifications.defaultKinds()
              : Notifications.kinds(n.kinds);
      String secret = n.secretRef.name;
      String key = n.secretRef.key;
      sinks.add(
          new Sink(
              type.get(),
              origin,
              kinds,
              () -> url(ns, secret, key),
              ns + "/" + name + "/" + origin,
              message -> events.record(canary, true, Reason.NotificationFailed, message)));
    }
    return sinks;
  }

  /** The webhook URL in key {@code key} of Secret {@code ns/secret}; never shown. */
  private java.net.URI url(String ns, String secret, String key) throws Sink.Unavailable {
    Secret found;
    try {
      found = client.secrets().inNamespace(ns).withName(secret).get();
    } catch (KubernetesClientException e) {
      throw new Sink.Unavailable(
          "cannot read Secret " + ns + "/" + secret + " (HTTP " + e.getCode() + ")");
    }
    if (found == null) {
      throw new Sink.Unavailable("Secret " + ns + "/" + secret + " not found");
    }
    String value = null;
    if (found.getData() != null && found.getData().get(key) != null) {
      try {
        value =
            new String(
                Base64.getDecoder().decode(found.getData().get(key).trim()),
                StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new Sink.Unavailable(
            "key " + key + " of Secret " + ns + "/" + secret + " is not base64");
      }
    } else if (found.getStringData() != null) {
      value = found.getStringData().get(key);
    }
    if (value == null) {
      throw new Sink.Unavailable("Secret " + ns + "/" + secret + " has no key " + key);
    }
    String url = value;
    Optional<String> problem = WebhookUrls.problem(url);
    if (problem.isPresent()) {
      throw new Sink.Unavailable(
          "the URL in key " + key + " of Secret " + ns + "/" + secret + " " + problem.get());
    }
    return WebhookUrls.parse(url);
  }
}
