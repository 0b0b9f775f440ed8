package dev.sluice.controller;

import dev.sluice.model.AnalysisTemplate;
import dev.sluice.model.Canary;
import dev.sluice.rollout.RouteRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Informers on everything a Canary depends on, and lookups in their caches. No polling: every
 * change arrives by watch and is turned into the keys of the Canaries it concerns.
 */
final class ClusterCache implements AutoCloseable {
  static final String APP_LABEL = "app";

  private final Informers<Canary> canaries;
  private final Informers<AnalysisTemplate> templates;
  private final Informers<Deployment> deployments;
  private final Informers<GenericKubernetesResource> virtualServices;
  private final RouteIndex routeIndex = new RouteIndex();
  private final Informers<GenericKubernetesResource> destinationRules;
  private final List<SharedIndexInformer<?>> all = new ArrayList<>();
  private final MeshIndex mesh = new MeshIndex();

  /** One kind's informers: one for every namespace, or one per watched namespace. */
  private record Informers<T extends HasMetadata>(Map<String, SharedIndexInformer<T>> byNamespace) {
    static final String ALL = "";

    SharedIndexInformer<T> of(String namespace) {
      SharedIndexInformer<T> any = byNamespace.get(ALL);
      return any != null ? any : byNamespace.get(namespace);
    }

    Optional<T> get(String namespace, String name) {
      SharedIndexInformer<T> i = of(namespace);
      return i == null
          ? Optional.empty()
          : Optional.ofNullable(i.getStore().getByKey(namespace + "/" + name));
    }

    List<T> in(String namespace) {
      SharedIndexInformer<T> i = of(namespace);
      return i == null ? List.of() : i.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace);
    }

    List<T> list() {
      List<T> out = new ArrayList<>();
      byNamespace.values().forEach(i -> out.addAll(i.getStore().list()));
      return out;
    }
  }

  /**
   * Starts the informers in {@code namespaces} (every namespace when empty); {@code changed}
   * receives the key ({@code namespace/name}) of every Canary a change may concern.
   */
  ClusterCache(KubernetesClient client, List<String> namespaces, Consumer<String> changed) {
    this.canaries =
        inform(
            namespaces,
            ns ->
                ns == null
                    ? client.resources(Canary.class).inAnyNamespace().runnableInformer(0)
                    : client.resources(Canary.class).inNamespace(ns).runnableInformer(0),
            new Handler<>() {
              @Override
              public void changed(Canary c) {
                routeIndex.put(key(c), SpecReader.routes(c));
                changed.accept(key(c));
                // a Canary contending for the same route or app may now own it, or lose it
                rivalsOf(c).forEach(r -> changed.accept(key(r)));
              }

              @Override
              public void updated(Canary before, Canary after) {
                List<Canary> rivalsBefore =
                    Objects.equals(specKey(before), specKey(after)) ? List.of() : rivalsOf(before);
                changed(after);
                rivalsBefore.forEach(r -> changed.accept(key(r)));
              }

              @Override
              public void deleted(Canary c) {
                List<Canary> rivals = rivalsOf(c);
                routeIndex.remove(key(c));
                changed.accept(key(c));
                rivals.forEach(r -> changed.accept(key(r)));
              }
            });
    this.templates =
        inform(
            namespaces,
            ns ->
                ns == null
                    ? client.resources(AnalysisTemplate.class).inAnyNamespace().runnableInformer(0)
                    : client.resources(AnalysisTemplate.class).inNamespace(ns).runnableInformer(0),
            t -> canariesIn(t.getMetadata().getNamespace()).forEach(c -> changed.accept(key(c))));
    this.deployments =
        inform(
            namespaces,
            ns ->
                ns == null
                    ? client
                        .apps()
                        .deployments()
                        .inAnyNamespace()
                        .withLabel(APP_LABEL)
                        .runnableInformer(0)
                    : client
                        .apps()
                        .deployments()
                        .inNamespace(ns)
                        .withLabel(APP_LABEL)
                        .runnableInformer(0),
            d ->
                canariesIn(d.getMetadata().getNamespace()).stream()
                    .filter(
                        c ->
                            Objects.equals(
                                c.getSpec() == null ? null : c.getSpec().app, label(d, APP_LABEL)))
                    .forEach(c -> changed.accept(key(c))));
    this.virtualServices =
        inform(
            namespaces,
            ns ->
                ns == null
                    ? client
                        .genericKubernetesResources(Istio.VIRTUAL_SERVICE)
                        .inAnyNamespace()
                        .runnableInformer(0)
                    : client
                        .genericKubernetesResources(Istio.VIRTUAL_SERVICE)
                        .inNamespace(ns)
                        .runnableInformer(0),
            new Handler<>() {
              @Override
              public void changed(GenericKubernetesResource vs) {
                touched(vs, mesh.put(vs));
              }

              @Override
              public void deleted(GenericKubernetesResource vs) {
                touched(vs, mesh.remove(vs));
              }

              private void touched(GenericKubernetesResource vs, Set<String> hosts) {
                // the Canaries that manage a route of it, in any namespace
                routeIndex.canariesManaging(key(vs)).forEach(changed);
                // and every Canary whose candidates or retirement depend on these hosts' routes
                mesh.canariesInterestedIn(hosts).forEach(changed);
              }
            });
    this.destinationRules =
        inform(
            namespaces,
            ns ->
                ns == null
                    ? client
                        .genericKubernetesResources(Istio.DESTINATION_RULE)
                        .inAnyNamespace()
                        .runnableInformer(0)
                    : client
                        .genericKubernetesResources(Istio.DESTINATION_RULE)
                        .inNamespace(ns)
                        .runnableInformer(0),
            dr ->
                canariesIn(dr.getMetadata().getNamespace()).stream()
                    .filter(c -> c.getSpec() != null && c.getSpec().destinationRule != null)
                    .filter(
                        c ->
                            Objects.equals(
                                c.getSpec().destinationRule.name, dr.getMetadata().getName()))
                    .forEach(c -> changed.accept(key(c))));
  }

  /** What to do when an object of one kind is added, changed or deleted. */
  @FunctionalInterface
  private interface Handler<T> {
    void changed(T obj);

    default void updated(T before, T after) {
      changed(after);
    }

    default void deleted(T obj) {
      changed(obj);
    }
  }

  private <T extends HasMetadata> Informers<T> inform(
      List<String> namespaces,
      java.util.function.Function<String, SharedIndexInformer<T>> create,
      Handler<T> onChange) {
    Map<String, SharedIndexInformer<T>> byNamespace = new java.util.LinkedHashMap<>();
    if (namespaces.isEmpty()) {
      byNamespace.put(Informers.ALL, start(create.apply(null), onChange));
    } else {
      for (String ns : namespaces) {
        byNamespace.put(ns, start(create.apply(ns), onChange));
      }
    }
    return new Informers<>(byNamespace);
  }

  private <T extends HasMetadata> SharedIndexInformer<T> start(
      SharedIndexInformer<T> informer, Handler<T> onChange) {
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(T obj) {
            onChange.changed(obj);
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            onChange.updated(oldObj, newObj);
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            onChange.deleted(obj);
          }
        });
    all.add(informer);
    return informer;
  }

  /** Starts every informer and waits until each has listed what exists. */
  void startAndSync() {
    all.stream().map(i -> i.start().toCompletableFuture()).toList().forEach(f -> f.join());
  }

  boolean synced() {
    return all.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  static String label(HasMetadata o, String name) {
    Map<String, String> labels = o.getMetadata().getLabels();
    return labels == null ? null : labels.get(name);
  }

  Optional<Canary> canary(String key) {
    String[] parts = key.split("/", 2);
    return parts.length < 2 ? Optional.empty() : canaries.get(parts[0], parts[1]);
  }

  List<Canary> canaries() {
    return canaries.list();
  }

  List<Canary> canariesIn(String namespace) {
    return canaries.in(namespace);
  }

  /**
   * The other Canaries that may contend with {@code c} for a route or an app: those in its
   * namespace that name the same app, and those anywhere that manage a route of a VirtualService it
   * names.
   */
  List<Canary> rivalsOf(Canary c) {
    if (c.getSpec() == null) {
      return List.of();
    }
    String self = key(c);
    String app = c.getSpec().app;
    Set<String> keys = new java.util.LinkedHashSet<>();
    for (Canary o : canariesIn(c.getMetadata().getNamespace())) {
      if (o.getSpec() != null && Objects.equals(o.getSpec().app, app)) {
        keys.add(key(o));
      }
    }
    for (RouteRef ref : SpecReader.routes(c)) {
      keys.addAll(routeIndex.canariesManaging(ref.key()));
    }
    keys.remove(self);
    return keys.stream().map(this::canary).flatMap(Optional::stream).toList();
  }

  private static List<Object> specKey(Canary c) {
    if (c.getSpec() == null) {
      return List.of();
    }
    return java.util.Arrays.asList(c.getSpec().app, SpecReader.routes(c));
  }

  /** Which Canaries manage a route of which VirtualService, kept by the Canary informer. */
  private static final class RouteIndex {
    private final Map<String, List<RouteRef>> byCanary = new java.util.HashMap<>();
    private final Map<String, Set<String>> byVirtualService = new java.util.HashMap<>();

    synchronized void put(String canary, List<RouteRef> routes) {
      remove(canary);
      byCanary.put(canary, routes);
      routes.forEach(
          r ->
              byVirtualService
                  .computeIfAbsent(r.key(), k -> new java.util.HashSet<>())
                  .add(canary));
    }

    synchronized void remove(String canary) {
      List<RouteRef> before = byCanary.remove(canary);
      if (before == null) {
        return;
      }
      for (RouteRef r : before) {
        Set<String> set = byVirtualService.get(r.key());
        if (set != null) {
          set.remove(canary);
          if (set.isEmpty()) {
            byVirtualService.remove(r.key());
          }
        }
      }
    }

    /** The Canaries ({@code namespace/name}) that manage a route of {@code virtualService}. */
    synchronized List<String> canariesManaging(String virtualService) {
      return List.copyOf(byVirtualService.getOrDefault(virtualService, Set.of()));
    }
  }

  /** The subset references of every watched VirtualService, by host. */
  MeshIndex mesh() {
    return mesh;
  }

  Optional<AnalysisTemplate> template(String namespace, String name) {
    return templates.get(namespace, name);
  }

  Optional<GenericKubernetesResource> virtualService(String namespace, String name) {
    return virtualServices.get(namespace, name);
  }

  Optional<GenericKubernetesResource> destinationRule(String namespace, String name) {
    return destinationRules.get(namespace, name);
  }

  /** The Deployments in {@code namespace} whose app label is {@code app}. */
  List<Deployment> deploymentsOf(String namespace, String app) {
    return deployments.in(namespace).stream().filter(d -> app.equals(label(d, APP_LABEL))).toList();
  }

  @Override
  public void close() {
    all.forEach(SharedIndexInformer::close);
  }
}
