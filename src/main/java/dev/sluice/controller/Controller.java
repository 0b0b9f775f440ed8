package dev.sluice.controller;

import dev.sluice.metrics.MetricProvider;
import dev.sluice.model.Canary;
import dev.sluice.notify.Notifications;
import dev.sluice.routing.IstioTrafficRouter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Starts the informers when the daemon starts and, on the replica that holds the leader Lease, the
 * reconcile loop. Every replica keeps its caches warm and serves health and metrics; only the
 * leader reconciles and writes. One reconcile runs at a time per Canary; different Canaries
 * reconcile in parallel.
 */
@ApplicationScoped
public class Controller {
  private static final Logger LOG = Logger.getLogger(Controller.class);

  @Inject KubernetesClient client;
  @Inject MetricProvider provider;
  @Inject MeterRegistry registry;
  @Inject Notifications notifications;

  @Inject ControllerConfig config;
  @Inject dev.sluice.metrics.PrometheusConfig prometheus;
  @Inject LeaderElectionConfig electionSettings;

  private final SignalInbox inbox = new SignalInbox();
  private final Clock clock = Clock.systemUTC();
  private volatile boolean stopping;
  private volatile boolean synced;
  private volatile ClusterCache cache;
  private volatile WorkQueue queue;
  private volatile EventRecorder events;
  private volatile CanaryReconciler reconciler;
  private ReleaseMetrics metrics;
  private volatile CompletableFuture<?> election;
  private io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig electionConfig;
  private String identity;

  void onStart(@Observes StartupEvent ev) {
    identity = config.instance().orElseGet(Controller::defaultIdentity);
    // A meter of the same name left by an earlier start in this JVM (tests restart the
    // application) would keep reading that instance.
    registry.find("sluice.leader").meters().forEach(registry::remove);
    Gauge.builder("sluice.leader", this, c -> c.leading() ? 1 : 0)
        .description("1 on the replica that reconciles (holds the leader Lease), else 0")
        .register(registry);
    if (!config.controller().enabled()) {
      LOG.info("controller disabled (sluice.controller.enabled=false)");
      return;
    }
    if (electionSettings.enabled()) {
      // Settled here, before the loop below: a setting fabric8 refuses fails the start instead of
      // being retried as if the API were unreachable. (The configuration's own check refused
      // such settings already, see LeaderElectionConfig; this guards against a rule fabric8 adds.)
      try {
        electionConfig();
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException(
            "Sluice does not start: the leader election refuses sluice.leader-election.*: "
                + e.getMessage());
      }
    }
    // Start in the background: the daemon serves health and metrics while the API server is
    // unreachable, reports not ready, and keeps trying.
    Thread starter =
        new Thread(
            () -> {
              long backoffMs = Tunables.START_BACKOFF_FIRST.toMillis();
              while (!Thread.currentThread().isInterrupted() && !stopping) {
                try {
                  start();
                  return;
                } catch (RuntimeException e) {
                  LOG.warnf(
                      "cannot watch the Kubernetes API yet (%s); retrying in %d ms",
                      e.getMessage(), backoffMs);
                  stop();
                  try {
                    Thread.sleep(backoffMs);
                  } catch (InterruptedException ie) {
                    return;
                  }
                  backoffMs = Math.min(backoffMs * 2, Tunables.START_BACKOFF_MAX.toMillis());
                }
              }
            },
            "sluice-start");
    starter.setDaemon(true);
    starter.start();
  }

  void onStop(@Observes ShutdownEvent ev) {
    stopping = true;
    stop();
  }

  private static String defaultIdentity() {
    String pod = System.getenv("POD_NAME");
    if (pod != null && !pod.isBlank()) {
      return pod;
    }
    try {
      return InetAddress.getLocalHost().getHostName()
          + "-"
          + UUID.randomUUID().toString().substring(0, 8);
    } catch (Exception e) {
      return "sluice-" + UUID.randomUUID().toString().substring(0, 8);
    }
  }

  /**
   * Starts watching; returns once every cache has synced. Then reconciles at once (no election), or
   * as soon as this replica holds the leader Lease.
   */
  public synchronized void start() {
    if (cache != null) {
      return;
    }
    if (identity == null) {
      identity = config.instance().orElseGet(Controller::defaultIdentity);
    }
    if (metrics == null) {
      metrics = new ReleaseMetrics(registry); // one per daemon: its gauges outlive a restart
    }
    events = new EventRecorder(client, clock, identity);
    // Changes are queued only once every cache has synced (see poke): a Canary reconciled before
    // the VirtualService's cache is filled would see its route as missing.
    synced = false;
    List<String> watched = ControllerConfig.watched(config);
    ClusterCache c = new ClusterCache(client, watched, this::poke);
    cache = c;
    reconciler =
        new CanaryReconciler(
            client,
            c,
            new IstioTrafficRouter(client),
            new AnalysisRunner(c, BuiltinTemplates.templates(), provider, clock),
            events,
            metrics,
            inbox,
            webhookClient(),
            clock,
            (key, at) -> {
              WorkQueue q = queue;
              if (q != null) {
                q.addAt(key, at);
              }
            },
            notifications);
    c.startAndSync();
    synced = true;
    LOG.infof(
        "watching %s; %d Canaries; instance %s",
        watched.isEmpty() ? "every namespace" : "namespaces " + String.join(", ", watched),
        c.canaries().size(),
        identity);
    if (electionSettings.enabled()) {
      elect();
    } else {
      lead();
    }
  }

  /** Webhooks are retried as Prometheus queries are (sluice.prometheus.retry.*). */
  private dev.sluice.webhooks.WebhookClient webhookClient() {
    var r = prometheus.retry();
    return new dev.sluice.webhooks.WebhookClient(
        new dev.sluice.webhooks.WebhookClient.RetryPolicy(
            r.maxRetries(),
            java.time.Duration.ofMillis(r.delayMs()),
            java.time.Duration.ofMillis(r.maxDelayMs()),
            java.time.Duration.ofMillis(r.jitterMs())));
  }

  /** Starts reconciling: this replica leads. */
  private synchronized void lead() {
    if (queue != null || cache == null) {
      return;
    }
    WorkQueue q =
        new WorkQueue(config.controller().threads(), key -> reconciler.reconcile(key), clock);
    queue = q;
    cache.canaries().forEach(c -> q.add(ClusterCache.key(c)));
    LOG.infof("%s reconciles %d Canaries", identity, cache.canaries().size());
  }

  /** Stops reconciling (reconciles under way finish first): this replica no longer leads. */
  private synchronized void follow() {
    WorkQueue q = queue;
    queue = null;
    if (q != null) {
      q.close();
      LOG.infof("%s stopped reconciling", identity);
    }
  }

  /**
   * The election's settings, built once and checked by fabric8 (which would otherwise check them
   * only when the first election starts, once every cache has synced).
   */
  private synchronized io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig
      electionConfig() {
    if (electionConfig != null) {
      return electionConfig;
    }
    String ns =
        electionSettings
            .namespace()
            .or(() -> Optional.ofNullable(System.getenv("POD_NAMESPACE")))
            .filter(s -> !s.isBlank())
            .orElse("default");
    var built =
        new LeaderElectionConfigBuilder()
            .withName("sluice")
            .withLock(new LeaseLock(ns, electionSettings.leaseName(), identity))
            .withLeaseDuration(electionSettings.leaseDuration())
            .withRenewDeadline(electionSettings.renewDeadline())
            .withRetryPeriod(electionSettings.retryPeriod())
            .withReleaseOnCancel(true)
            .withLeaderCallbacks(
                new LeaderCallbacks(
                    this::lead,
                    this::follow,
                    leader -> LOG.infof("leader is now %s (this is %s)", leader, identity)))
            .build();
    client.leaderElector().withConfig(built); // throws IllegalArgumentException if refused
    electionConfig = built;
    return built;
  }

  private void elect() {
    CompletableFuture<?> f = client.leaderElector().withConfig(electionConfig()).build().start();
    election = f;
    // The elector's loop ends when leadership is lost (or on stop): stand by and try again.
    f.whenComplete(
        (r, e) -> {
          follow();
          if (!stopping && cache != null && election == f) {
            CompletableFuture.delayedExecutor(
                    electionSettings.retryPeriod().toMillis(), TimeUnit.MILLISECONDS)
                .execute(
                    () -> {
                      synchronized (Controller.this) {
                        if (!stopping && cache != null && election == f) {
                          elect();
                        }
                      }
                    });
          }
        });
  }

  /** Stops reconciling and watching (as a crash would, minus the crash), releasing the Lease. */
  public void stop() {
    CompletableFuture<?> f;
    synchronized (this) {
      f = election;
      election = null;
    }
    // Cancelled without this object's lock: cancelling waits for the elector's lock, which its
    // thread holds while it calls lead() or follow(), which wait for this one (a deadlock seen
    // in CI at a test application's stop). A lead() that gets in now is undone just below.
    if (f != null) {
      f.cancel(true);
    }
    stopWatching();
  }

  private synchronized void stopWatching() {
    follow();
    synced = false;
    if (cache != null) {
      cache.close();
      cache = null;
    }
    if (events != null) {
      events.close();
      events = null;
    }
  }

  /** Whether every informer has synced (readiness; a standby replica is ready too). */
  public boolean ready() {
    ClusterCache c = cache;
    return !config.controller().enabled() || (synced && c != null && c.synced());
  }

  /** Whether this replica reconciles (holds the Lease, or election is off). */
  public boolean leading() {
    return queue != null;
  }

  /**
   * Whether this replica watches and reconciles: a signal offered now will be decided. False on a
   * standby replica.
   */
  public boolean running() {
    ClusterCache c = cache;
    return queue != null && synced && c != null && c.synced();
  }

  /** The Canary as the controller last saw it (empty when unknown or not watching). */
  public Optional<Canary> canary(String namespace, String name) {
    ClusterCache c = cache;
    return c == null ? Optional.empty() : c.canary(namespace + "/" + name);
  }

  /** Every Canary the controller watches, as last seen (empty when not watching). */
  public List<Canary> canaries() {
    ClusterCache c = cache;
    return c == null ? List.of() : c.canaries();
  }

  /** This replica's identity in the Lease and in events. */
  public String identity() {
    return identity;
  }

  /** Commands and alerts for Canaries go here (acted on by the leader). */
  public SignalInbox inbox() {
    return inbox;
  }

  /** Reconcile {@code namespace/name} now (something changed, or a signal is waiting). */
  public void poke(String key) {
    WorkQueue q = queue;
    if (synced && q != null) {
      q.add(key);
    }
  }

  /**
   * Reconcile {@code namespace/name} now, ahead of routine work: a signal (alert, command) is
   * waiting for it.
   */
  public void pokeUrgent(String key) {
    WorkQueue q = queue;
    if (synced && q != null) {
      q.addUrgent(key);
    }
  }
}
