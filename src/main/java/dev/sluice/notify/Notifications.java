package dev.sluice.notify;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The daemon's notifications as configured ({@link NotificationsConfig}): its {@link Notifier},
 * started on first use and stopped with the daemon, and the daemon-wide sinks. The controller hands
 * it every transition worth telling; it never blocks.
 */
@ApplicationScoped
public class Notifications {
  private static final Logger LOG = Logger.getLogger(Notifications.class);

  @Inject NotificationsConfig config;
  @Inject MeterRegistry registry;

  private Notifier notifier;
  private List<Sink> daemonSinks;

  /** Notifications as {@code config} sets them, outside CDI (tests). */
  public static Notifications of(NotificationsConfig config, MeterRegistry registry) {
    Notifications n = new Notifications();
    n.config = config;
    n.registry = registry;
    return n;
  }

  /** Stops the notifier (deliveries under way are abandoned). */
  public synchronized void close() {
    if (notifier != null) {
      notifier.close();
      notifier = null;
    }
    daemonSinks = null;
  }

  /** Whether notifications are sent at all ({@code sluice.notifications.enabled}). */
  public boolean enabled() {
    return config.enabled();
  }

  /** The kinds a receiver gets when it lists none. */
  public Set<Kind> defaultKinds() {
    return kinds(config.kinds());
  }

  /** Queues {@code n} for each of {@code sinks} that wants it, and the daemon-wide ones. */
  public void send(Notification n, List<Sink> sinks) {
    if (!config.enabled()) {
      return;
    }
    List<Sink> all = new ArrayList<>(daemonSinks());
    all.addAll(sinks);
    if (!all.isEmpty()) {
      notifier().send(n, all);
    }
  }

  /** The receivers configured for every Canary. */
  public synchronized List<Sink> daemonSinks() {
    if (daemonSinks == null) {
      List<Sink> sinks = new ArrayList<>();
      add(sinks, SinkType.SLACK, config.slack().url());
      add(sinks, SinkType.TEAMS, config.teams().url());
      add(sinks, SinkType.CLOUDEVENTS, config.cloudevents().url());
      daemonSinks = List.copyOf(sinks);
      if (config.enabled()) {
        LOG.infof(
            "notifications: %s",
            sinks.isEmpty()
                ? "no daemon-wide receiver (Canaries may list their own)"
                : "daemon-wide to "
                    + String.join(", ", sinks.stream().map(s -> s.type().label()).toList())
                    + " for "
                    + String.join(
                        ", ", defaultKinds().stream().map(Kind::label).sorted().toList()));
      } else {
        LOG.info("notifications disabled (sluice.notifications.enabled=false)");
      }
    }
    return daemonSinks;
  }

  private void add(List<Sink> sinks, SinkType type, Optional<String> url) {
    url.filter(u -> !u.isBlank())
        .ifPresent(
            u ->
                sinks.add(
                    new Sink(
                        type,
                        "daemon",
                        defaultKinds(),
                        Sink.Target.fixed(WebhookUrls.parse(u)),
                        "daemon/" + type.label(),
                        null)));
  }

  /** The notifier, started on first use. */
  public synchronized Notifier notifier() {
    if (notifier == null) {
      notifier = new Notifier(settings(config), registry, Clock.systemUTC());
    }
    return notifier;
  }

  /** The delivery settings of {@code config}. */
  public static Notifier.Settings settings(NotificationsConfig config) {
    return new Notifier.Settings(
        config.cloudevents().source(),
        config.queueCapacity(),
        config.threads(),
        Duration.ofMillis(config.timeoutMs()),
        Duration.ofMillis(config.connectTimeoutMs()),
        config.retry().maxRetries(),
        Duration.ofMillis(config.retry().delayMs()),
        Duration.ofMillis(config.retry().maxDelayMs()),
        config.rateLimit().perMinute(),
        config.rateLimit().burst());
  }

  /** The kinds written {@code labels}; a label that names none is left out (checked at start). */
  public static Set<Kind> kinds(List<String> labels) {
    Set<Kind> kinds = EnumSet.noneOf(Kind.class);
    for (String label : labels) {
      Kind.parse(label).ifPresent(kinds::add);
    }
    return kinds;
  }

  /**
   * At start, in the background: the notifier and its HTTP client are made and every format is
   * written once, so that the first transition's notification does not pay for loading them.
   */
  void onStart(@Observes StartupEvent ev) {
    if (!config.enabled()) {
      return;
    }
    Thread warm =
        new Thread(
            () -> {
              try {
                daemonSinks();
                notifier();
                Notification sample =
                    new Notification(
                        "warm-up",
                        Kind.ROLLED_BACK,
                        java.time.Instant.EPOCH,
                        "ns",
                        "name",
                        "RolledBack",
                        "v1",
                        "v2",
                        0,
                        0,
                        "warm-up",
                        "warm-up",
                        null,
                        List.of(new Notification.FailedCheck("c", "q", "1.0", "m")));
                for (SinkType type : SinkType.values()) {
                  Payloads.body(type, sample, config.cloudevents().source());
                }
              } catch (RuntimeException e) {
                LOG.debugf("notifications warm-up: %s", e);
              }
            },
            "sluice-notify-warm-up");
    warm.setDaemon(true);
    warm.start();
  }

  void onStop(@Observes ShutdownEvent ev) {
    close();
  }
}
