package dev.sluice.cli;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code kubectl sluice pause|resume|promote|abort|retry NAME}: sets the {@code sluice.dev/action}
 * annotation (and {@code sluice.dev/action-by}) as docs/manual-control.md describes, then waits for
 * Sluice's answer: a new {@code status.lastAction} (applied) or a new {@code CommandRefused} event
 * (refused).
 */
final class ActionCommand {
  /** The annotation Sluice claims and acts on (controller.ActionAnnotation). */
  static final String ACTION = "sluice.dev/action";

  /** Who asks, recorded by Sluice with the action. */
  static final String ACTION_BY = "sluice.dev/action-by";

  /** The field manager of the annotation's write, Sluice's fallback for who asked. */
  static final String FIELD_MANAGER = "kubectl-sluice";

  private static final Set<String> REFUSALS = Set.of("CommandRefused", "UnknownAction");

  private final KubernetesClient client;
  private final Canaries canaries;
  private final PrintStream out;

  ActionCommand(KubernetesClient client, Canaries canaries, PrintStream out) {
    this.client = client;
    this.canaries = canaries;
    this.out = out;
  }

  int run(Args args, String namespace, String by) {
    String action = args.command();
    Canary before = canaries.get(namespace, args.name());
    String waiting = annotations(before).get(ACTION);
    if (waiting != null) {
      throw new CliException(
          ExitCode.REFUSED,
          String.format(
              "%s/%s already carries %s=%s, which Sluice has not taken yet (is Sluice running and"
                  + " watching namespace %s?); to withdraw it: kubectl annotate canary -n %s %s"
                  + " %s-",
              namespace, args.name(), ACTION, waiting, namespace, namespace, args.name(), ACTION));
    }
    CanaryStatus.ManualAction lastBefore = lastAction(before);
    Set<String> refusalsBefore =
        refusals(before).stream().map(e -> e.getMetadata().getName()).collect(Collectors.toSet());
    annotate(before, action, by);
    out.printf("%s/%s: %s asked (%s=%s)%n", namespace, args.name(), action, ACTION, action);
    long deadline = System.nanoTime() + args.timeout().toNanos();
    Duration poll = min(args.interval(), Duration.ofMillis(500));
    boolean claimed = false;
    while (true) {
      Canary now = canaries.find(namespace, args.name());
      if (now == null) {
        throw new CliException(
            ExitCode.NOT_FOUND, namespace + "/" + args.name() + " was deleted meanwhile");
      }
      claimed |= !action.equals(annotations(now).get(ACTION));
      CanaryStatus.ManualAction last = lastAction(now);
      if (last != null && !same(last, lastBefore) && action.equals(last.action)) {
        out.printf(
            "%s applied%s%s%n",
            action,
            last.by == null ? "" : " (" + last.by + ")",
            last.message == null ? "" : ": " + last.message);
        out.println(Summary.of(now));
        return ExitCode.OK;
      }
      for (Event e : refusals(now)) {
        if (!refusalsBefore.contains(e.getMetadata().getName())
            && e.getMessage() != null
            && e.getMessage().startsWith(action)) {
          throw new CliException(
              ExitCode.REFUSED, refusal(action, e.getMessage()) + "\n" + Summary.of(now));
        }
      }
      if (System.nanoTime() > deadline) {
        throw new CliException(ExitCode.NO_ANSWER, noAnswer(args, namespace, claimed));
      }
      Sleep.sleep(poll);
    }
  }

  /**
   * A JSON merge patch of the two annotations, carrying the resourceVersion read: the API server
   * refuses it if the Canary changed meanwhile (then read again, once).
   */
  private void annotate(Canary read, String action, String by) {
    Canary current = read;
    for (int attempt = 0; ; attempt++) {
      Map<String, Object> annotations = new LinkedHashMap<>();
      annotations.put(ACTION, action);
      if (by != null) {
        annotations.put(ACTION_BY, by);
      }
      Map<String, Object> metadata = new LinkedHashMap<>();
      metadata.put("resourceVersion", current.getMetadata().getResourceVersion());
      metadata.put("annotations", annotations);
      String patch = client.getKubernetesSerialization().asJson(Map.of("metadata", metadata));
      PatchContext context =
          new PatchContext.Builder()
              .withPatchType(PatchType.JSON_MERGE)
              .withFieldManager(FIELD_MANAGER)
              .build();
      try {
        client
            .resources(Canary.class)
            .inNamespace(current.getMetadata().getNamespace())
            .withName(current.getMetadata().getName())
            .patch(context, patch);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          throw Canaries.notFound(
              current.getMetadata().getNamespace(), current.getMetadata().getName());
        }
        if (e.getCode() != 409 || attempt > 0) {
          throw e;
        }
        current =
            canaries.get(current.getMetadata().getNamespace(), current.getMetadata().getName());
        if (annotations(current).containsKey(ACTION)) {
          throw new CliException(
              ExitCode.REFUSED,
              "someone else set " + ACTION + "=" + annotations(current).get(ACTION) + " meanwhile");
        }
      }
    }
  }

  private List<Event> refusals(Canary canary) {
    return canaries.events(canary).stream().filter(e -> REFUSALS.contains(e.getReason())).toList();
  }

  /** {@code pause (alice via annotation) refused: why} becomes {@code pause refused: why}. */
  static String refusal(String action, String message) {
    int at = message.indexOf(" refused: ");
    return at < 0 ? message : action + " refused: " + message.substring(at + " refused: ".length());
  }

  private static String noAnswer(Args args, String namespace, boolean claimed) {
    if (claimed) {
      return String.format(
          "Sluice took the %s but recorded no outcome within %ss; see kubectl describe canary -n"
              + " %s %s",
          args.command(), args.timeout().toSeconds(), namespace, args.name());
    }
    return String.format(
        "Sluice did not take the %s within %ss: is it running, and does it watch namespace %s?"
            + " The annotation stays and Sluice acts on it when it sees it; to withdraw it:"
            + " kubectl annotate canary -n %s %s %s-",
        args.command(), args.timeout().toSeconds(), namespace, namespace, args.name(), ACTION);
  }

  private static boolean same(CanaryStatus.ManualAction a, CanaryStatus.ManualAction b) {
    return b != null
        && Objects.equals(a.action, b.action)
        && Objects.equals(a.by, b.by)
        && Objects.equals(a.at, b.at);
  }

  private static CanaryStatus.ManualAction lastAction(Canary c) {
    return c.getStatus() == null ? null : c.getStatus().lastAction;
  }

  private static Map<String, String> annotations(Canary c) {
    Map<String, String> a = c.getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }
}
