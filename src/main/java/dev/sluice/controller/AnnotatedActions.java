package dev.sluice.controller;

import dev.sluice.rollout.Command;
import dev.sluice.rollout.Reason;
import dev.sluice.rollout.Signal;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;

/**
 * Turns a {@code sluice.dev/action} annotation into a signal: removes it (a plain update
 * conditional on the resourceVersion read, which a stale cached copy fails), then queues the action
 * in the {@link SignalInbox} like a REST command. The reconcile continues on the Canary the update
 * returned, so the status write that follows carries the new resourceVersion.
 */
final class AnnotatedActions {
  private final KubernetesClient client;
  private final OwnWrites ownWrites;
  private final SignalInbox inbox;
  private final EventRecorder events;

  AnnotatedActions(
      KubernetesClient client, OwnWrites ownWrites, SignalInbox inbox, EventRecorder events) {
    this.client = client;
    this.ownWrites = ownWrites;
    this.inbox = inbox;
    this.events = events;
  }

  /** Claims the annotation, if there is one; false when the Canary is gone. */
  boolean claim(Subject s) {
    if (!ActionAnnotation.present(s.canary())) {
      return true;
    }
    ActionAnnotation.Claim claim = ActionAnnotation.claim(client, s.canary());
    if (claim == null) {
      return false;
    }
    if (claim.value() != null) {
      ownWrites.replaced(s.key, claim.replaced());
    }
    s.replaced(claim.canary());
    if (claim.value() == null) {
      return true; // already claimed (our cached copy was stale), or left for later
    }
    Optional<Command> command = claim.command();
    if (command.isEmpty()) {
      events.record(
          s.canary(),
          true,
          Reason.UnknownAction,
          "annotation "
              + ActionAnnotation.ACTION
              + "="
              + StatusMapper.truncate(claim.value(), 63)
              + " ("
              + claim.by()
              + ") names no action; use one of "
              + ActionAnnotation.valid()
              + "; nothing was done");
      return true;
    }
    inbox.offer(s.key, new Signal.Manual(command.get(), claim.by()));
    return true;
  }
}
