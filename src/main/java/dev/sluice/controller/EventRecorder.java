package dev.sluice.controller;

import dev.sluice.model.Canary;
import dev.sluice.rollout.Reason;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Records Kubernetes events about Canaries (core/v1 Events, as {@code kubectl describe} shows
 * them). Events are written off the reconcile path: a slow or failing event write never delays a
 * rollback.
 */
final class EventRecorder implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  static final String COMPONENT = "sluice";

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final ExecutorService writer;
  private final AtomicLong sequence = new AtomicLong();

  EventRecorder(KubernetesClient client, Clock clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
    this.writer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "sluice-events");
              t.setDaemon(true);
              return t;
            });
  }

  void record(Canary canary, boolean warning, Reason reason, String message) {
    String ns = canary.getMetadata().getNamespace();
    String name = canary.getMetadata().getName();
    String now = clock.instant().toString();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(
                name
                    + "."
                    + Long.toHexString(clock.millis()).toLowerCase(Locale.ROOT)
                    + Long.toHexString(sequence.incrementAndGet()))
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(canary.getApiVersion())
                    .withKind(canary.getKind())
                    .withNamespace(ns)
                    .withName(name)
                    .withUid(canary.getMetadata().getUid())
                    .build())
            .withType(warning ? "Warning" : "Normal")
            .withReason(reason.name())
            .withMessage(StatusMapper.truncate(message, 1024))
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(instance)
            .build();
    LOG.infof("%s/%s %s %s: %s", ns, name, warning ? "Warning" : "Normal", reason, message);
    writer.execute(
        () -> {
          try {
            client.v1().events().inNamespace(ns).resource(event).create();
          } catch (RuntimeException e) {
            LOG.warnf("could not record event %s on %s/%s: %s", reason, ns, name, e.getMessage());
          }
        });
  }

  @Override
  public void close() {
    writer.shutdown();
  }
}
