package dev.sluice.controller;

import dev.sluice.rollout.Reason;
import dev.sluice.rollout.Signal;

/**
 * Sluice does nothing for a Canary whose spec is invalid ({@code InvalidSpec}) or whose route
 * another Canary owns ({@code Conflict}): it says so once (Ready=False and an event), refuses the
 * commands waiting for it, and writes nothing else.
 */
final class Refusals {
  private final StatusWriter status;
  private final SignalInbox inbox;
  private final EventRecorder events;
  private final ReleaseMetrics metrics;

  Refusals(StatusWriter status, SignalInbox inbox, EventRecorder events, ReleaseMetrics metrics) {
    this.status = status;
    this.inbox = inbox;
    this.events = events;
    this.metrics = metrics;
  }

  void refuse(Subject s, Reason reason, String problem) {
    boolean invalid = reason == Reason.InvalidSpec;
    String why =
        invalid
            ? "the Canary's spec is invalid: " + problem
            : "another Canary owns its route: " + problem;
    // Waiting commands are refused now rather than applied whenever the problem is gone.
    for (Signal signal : inbox.refuseAll(s.key, why)) {
      if (signal instanceof Signal.Manual m) {
        events.record(
            s.canary(),
            true,
            Reason.CommandRefused,
            SignalReplies.describe(m) + " refused: " + (invalid ? "invalid spec" : "conflict"));
      }
    }
    var before = StatusMapper.read(s.canary().getStatus());
    StatusWriter.Refusal written = status.writeRefusal(s, reason, problem);
    if (written == StatusWriter.Refusal.ALREADY_SAID) {
      return;
    }
    metrics.invalidSpec(s.namespace, s.name, before);
    if (written == StatusWriter.Refusal.WRITTEN) {
      events.record(s.canary(), true, reason, problem);
    }
  }
}
