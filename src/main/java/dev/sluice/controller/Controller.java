package dev.sluice.controller;

import dev.sluice.metrics.MetricProvider;
import dev.sluice.model.Canary;
import dev.sluice.routing.IstioTrafficRouter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Starts the informers and the reconcile loop when the daemon starts, and stops them when it stops.
 * One reconcile runs at a time per Canary; different Canaries reconcile in parallel.
 */
@ApplicationScoped
public class Controller {
  private static final Logger LOG = Logger.getLogger(Controller.class);

  @Inject KubernetesClient client;
  @Inject MetricProvider provider;
  @Inject MeterRegistry registry;

  @ConfigProperty(name = "sluice.controller.enabled", defaultValue = "true")
  boolean enabled;

  @ConfigProperty(name = "sluice.controller.threads", defaultValue = "4")
  int threads;

  /** Watch only this namespace (default: every namespace). */
  @ConfigProperty(name = "sluice.namespace")
  Optional<String> namespace;

  @ConfigProperty(name = "sluice.instance", defaultValue = "sluice")
  String instance;

  private final SignalInbox inbox = new SignalInbox();
  private final Clock clock = Clock.systemUTC();
  private volatile ClusterCache cache;
  private volatile WorkQueue queue;
  private volatile EventRecorder events;

  void onStart(@Observes StartupEvent ev) {
    if (!enabled) {
      LOG.info("controller disabled (sluice.controller.enabled=false)");
      return;
    }
    // Start in the background: the daemon serves health and metrics while the API server is
    // unreachable, reports not ready, and keeps trying.
    Thread starter =
        new Thread(
            () -> {
              long backoffMs = 1000;
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
                  backoffMs = Math.min(backoffMs * 2, 30_000);
                }
              }
            },
            "sluice-start");
    starter.setDaemon(true);
    starter.start();
  }

  private volatile boolean stopping;

  void onStop(@Observes ShutdownEvent ev) {
    stopping = true;
    stop();
  }

  /** Starts watching and reconciling; returns once every cache has synced. */
  public synchronized void start() {
    if (queue != null) {
      return;
    }
    ReleaseMetrics metrics = new ReleaseMetrics(registry);
    events = new EventRecorder(client, clock, instance);
    WorkQueue q = new WorkQueue(threads, key -> reconciler().reconcile(key), clock);
    queue = q;
    // Changes are queued only once every cache has synced: a Canary reconciled before the
    // VirtualService's cache is filled would see its route as missing.
    java.util.concurrent.atomic.AtomicBoolean synced =
        new java.util.concurrent.atomic.AtomicBoolean();
    cache =
        new ClusterCache(
            client,
            namespace.orElse(null),
            key -> {
              if (synced.get()) {
                q.add(key);
              }
            });
    reconciler =
        new CanaryReconciler(
            client,
            cache,
            new IstioTrafficRouter(client),
            new AnalysisRunner(cache, BuiltinTemplates.templates(), provider, clock),
            events,
            metrics,
            inbox,
            clock,
            q::addAt);
    cache.startAndSync();
    synced.set(true);
    cache.canaries().forEach(c -> q.add(ClusterCache.key(c)));
    LOG.infof(
        "watching %s; %d Canaries",
        namespace.map(n -> "namespace " + n).orElse("every namespace"), cache.canaries().size());
  }

  private volatile CanaryReconciler reconciler;

  private CanaryReconciler reconciler() {
    return reconciler;
  }

  /** Stops reconciling and watching (as a crash would, minus the crash). */
  public synchronized void stop() {
    if (queue != null) {
      queue.close();
      queue = null;
    }
    if (cache != null) {
      cache.close();
      cache = null;
    }
    if (events != null) {
      events.close();
      events = null;
    }
  }

  /** Whether every informer has synced (readiness). */
  public boolean ready() {
    ClusterCache c = cache;
    return !enabled || (c != null && c.synced());
  }

  /** Whether the controller watches and reconciles: a signal offered now will be decided. */
  public boolean running() {
    ClusterCache c = cache;
    return queue != null && c != null && c.synced();
  }

  /** The Canary as the controller last saw it (empty when unknown or not running). */
  public Optional<Canary> canary(String namespace, String name) {
    ClusterCache c = cache;
    return c == null ? Optional.empty() : c.canary(namespace + "/" + name);
  }

  /** Every Canary the controller watches, as last seen (empty when not running). */
  public List<Canary> canaries() {
    ClusterCache c = cache;
    return c == null ? List.of() : c.canaries();
  }

  /** Commands and alerts for Canaries go here. */
  public SignalInbox inbox() {
    return inbox;
  }

  /** Reconcile {@code namespace/name} now (a signal is waiting). */
  public void poke(String key) {
    WorkQueue q = queue;
    if (q != null) {
      q.add(key);
    }
  }
}
