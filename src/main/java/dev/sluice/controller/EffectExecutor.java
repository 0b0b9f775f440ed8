package dev.sluice.controller;

import dev.sluice.model.Canary;
import dev.sluice.rollout.DecisionLoop;
import dev.sluice.rollout.Effect;
import dev.sluice.rollout.ManagedRoute;
import dev.sluice.routing.TrafficRouter;
import dev.sluice.routing.WriteConflictException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Carries out the state machine's effects on the cluster: routes and subsets through the {@link
 * TrafficRouter}, old Deployments through the Kubernetes API. Every write is conditional on the
 * copy it was computed from; the snapshot is updated with what the API server stored, so the next
 * decision sees this reconcile's own writes.
 */
final class EffectExecutor {
  /** Writes to several VirtualServices of one decision, issued at once. */
  private static final ExecutorService WRITERS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "sluice-route-write");
            t.setDaemon(true);
            return t;
          });

  private final KubernetesClient client;
  private final TrafficRouter router;
  private final IstioWrites istioWrites;
  private final DeploymentWrites deploymentWrites;

  EffectExecutor(
      KubernetesClient client,
      TrafficRouter router,
      IstioWrites istioWrites,
      DeploymentWrites deploymentWrites) {
    this.client = client;
    this.router = router;
    this.istioWrites = istioWrites;
    this.deploymentWrites = deploymentWrites;
  }

  /**
   * Carries out {@code effect} for {@code canary} on {@code world}'s copies.
   *
   * @return false on a write conflict (nothing was written; read again)
   * @throws DecisionLoop.EffectFailed when the write failed otherwise
   */
  boolean carryOut(Canary canary, WorldReader.Snapshot world, Effect effect) {
    try {
      apply(canary, world, effect);
      return true;
    } catch (WriteConflictException e) {
      return false;
    } catch (KubernetesClientException e) {
      throw new DecisionLoop.EffectFailed(
          "write failed (" + e.getCode() + "): " + e.getMessage(), e);
    }
  }

  private void apply(Canary canary, WorldReader.Snapshot world, Effect effect) {
    if (effect instanceof Effect.SetRoute set) {
      setRoutes(world, set.ownedBy(world.owner()));
    } else if (effect instanceof Effect.AddSubset add) {
      world.destinationRule =
          istioWrites.wrote(
              world.destinationRule,
              router.addSubset(world.destinationRule, add, SpecReader.versionLabel(canary)));
    } else if (effect instanceof Effect.RemoveSubset remove) {
      world.destinationRule =
          istioWrites.wrote(
              world.destinationRule,
              router.removeSubset(world.destinationRule, remove, world.world()));
    } else if (effect instanceof Effect.RetireDeployment retire) {
      retire(canary.getMetadata().getNamespace(), world, retire);
    }
  }

  /**
   * Every managed route that can be written, one write per VirtualService; the writes to several
   * VirtualServices are issued at once and all awaited (a rollback is done when the last is), then
   * a failure, else a conflict, is reported.
   */
  private void setRoutes(WorldReader.Snapshot world, Effect.SetRoute set) {
    Map<String, List<String>> byVirtualService = new LinkedHashMap<>();
    for (ManagedRoute r : world.routes()) {
      if (!r.ok()) {
        continue; // the state machine asks for a route write only when leaving these out is right
      }
      byVirtualService.computeIfAbsent(r.ref().key(), k -> new ArrayList<>()).add(r.ref().route());
    }
    if (byVirtualService.size() == 1) {
      Map.Entry<String, List<String>> only = byVirtualService.entrySet().iterator().next();
      write(world, only.getKey(), only.getValue(), set);
      return;
    }
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    Map<String, GenericKubernetesResource> stored = new java.util.concurrent.ConcurrentHashMap<>();
    for (Map.Entry<String, List<String>> e : byVirtualService.entrySet()) {
      GenericKubernetesResource asRead = world.virtualServices.get(e.getKey());
      writes.add(
          CompletableFuture.runAsync(
              () -> stored.put(e.getKey(), router.setRoutes(asRead, e.getValue(), set)), WRITERS));
    }
    RuntimeException failure = null;
    RuntimeException conflict = null;
    for (CompletableFuture<Void> w : writes) {
      try {
        w.join();
      } catch (java.util.concurrent.CompletionException e) {
        RuntimeException cause =
            e.getCause() instanceof RuntimeException r
                ? r
                : new IllegalStateException(e.getCause());
        if (cause instanceof WriteConflictException) {
          conflict = cause;
        } else if (failure == null) {
          failure = cause;
        }
      }
    }
    stored.forEach(
        (key, vs) ->
            world.virtualServices.put(key, istioWrites.wrote(world.virtualServices.get(key), vs)));
    if (failure != null) {
      throw failure;
    }
    if (conflict != null) {
      throw conflict;
    }
  }

  private void write(
      WorldReader.Snapshot world, String key, List<String> routes, Effect.SetRoute set) {
    GenericKubernetesResource asRead = world.virtualServices.get(key);
    world.virtualServices.put(
        key, istioWrites.wrote(asRead, router.setRoutes(asRead, routes, set)));
  }

  private void retire(String namespace, WorldReader.Snapshot world, Effect.RetireDeployment r) {
    String name = r.deployment();
    Deployment d = world.deployments.get(name);
    if (d == null) {
      return; // already gone
    }
    switch (r.policy()) {
      case DELETE -> {
        client.apps().deployments().inNamespace(namespace).withName(name).delete();
        deploymentWrites.deleted(d);
        world.deployments.remove(name);
      }
      case SCALE_TO_ZERO -> {
        // a plain update carrying the resourceVersion read: a conflict means decide again
        Deployment copy = Serialization.clone(d);
        copy.getSpec().setReplicas(0);
        try {
          world.deployments.put(
              name,
              deploymentWrites.wrote(
                  d, client.apps().deployments().inNamespace(namespace).resource(copy).update()));
        } catch (KubernetesClientException e) {
          if (e.getCode() == 409) {
            throw new WriteConflictException(
                "Deployment", namespace, name, d.getMetadata().getResourceVersion(), e);
          }
          throw e;
        }
      }
      case KEEP -> {}
    }
  }
}
