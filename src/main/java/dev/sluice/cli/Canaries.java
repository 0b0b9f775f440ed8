package dev.sluice.cli;

import dev.sluice.model.Canary;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** Reads Canaries and their events as the kubeconfig's user, the way kubectl would. */
final class Canaries {
  private final KubernetesClient client;

  Canaries(KubernetesClient client) {
    this.client = client;
  }

  /** The Canary, or a {@link CliException} with {@link ExitCode#NOT_FOUND}. */
  Canary get(String namespace, String name) {
    Canary c = client.resources(Canary.class).inNamespace(namespace).withName(name).get();
    if (c == null) {
      throw notFound(namespace, name);
    }
    return c;
  }

  /** The Canary, or null when it no longer exists. */
  Canary find(String namespace, String name) {
    return client.resources(Canary.class).inNamespace(namespace).withName(name).get();
  }

  /** Every Canary of {@code namespace}, or of every namespace when it is null, sorted. */
  List<Canary> list(String namespace) {
    var op = client.resources(Canary.class);
    List<Canary> items =
        namespace == null
            ? op.inAnyNamespace().list().getItems()
            : op.inNamespace(namespace).list().getItems();
    return items.stream()
        .sorted(
            Comparator.comparing((Canary c) -> c.getMetadata().getNamespace())
                .thenComparing(c -> c.getMetadata().getName()))
        .toList();
  }

  /**
   * The events about this Canary (this very object: another of the same name before it does not
   * count), oldest first. Empty when the user may not read events: the events are extra.
   */
  List<Event> events(Canary canary) {
    String ns = canary.getMetadata().getNamespace();
    String name = canary.getMetadata().getName();
    String uid = canary.getMetadata().getUid();
    List<Event> all;
    try {
      all =
          client
              .v1()
              .events()
              .inNamespace(ns)
              .withField("involvedObject.name", name)
              .list()
              .getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403) {
        return List.of();
      }
      throw e;
    }
    return all.stream()
        .filter(e -> e.getInvolvedObject() != null)
        .filter(e -> "Canary".equals(e.getInvolvedObject().getKind()))
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .filter(
            e ->
                uid == null
                    || e.getInvolvedObject().getUid() == null
                    || Objects.equals(uid, e.getInvolvedObject().getUid()))
        .sorted(Comparator.comparing(Canaries::time))
        .toList();
  }

  /** When the event last happened, as RFC 3339 text (sorts by time). */
  static String time(Event e) {
    if (e.getLastTimestamp() != null) {
      return e.getLastTimestamp();
    }
    if (e.getEventTime() != null && e.getEventTime().getTime() != null) {
      return e.getEventTime().getTime();
    }
    if (e.getFirstTimestamp() != null) {
      return e.getFirstTimestamp();
    }
    String created = e.getMetadata() == null ? null : e.getMetadata().getCreationTimestamp();
    return created == null ? "" : created;
  }

  static CliException notFound(String namespace, String name) {
    return new CliException(
        ExitCode.NOT_FOUND,
        "canary \""
            + name
            + "\" not found in namespace \""
            + namespace
            + "\" (kubectl sluice get lists them all)");
  }
}
