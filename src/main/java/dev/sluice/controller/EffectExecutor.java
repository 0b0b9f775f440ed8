package dev.sluice.controller;

import dev.sluice.model.Canary;
import dev.sluice.rollout.DecisionLoop;
import dev.sluice.rollout.Effect;
import dev.sluice.routing.TrafficRouter;
import dev.sluice.routing.WriteConflictException;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Carries out the state machine's effects on the cluster: routes and subsets through the {@link
 * TrafficRouter}, old Deployments through the Kubernetes API. Every write is conditional on the
 * copy it was computed from; the snapshot is updated with what the API server stored, so the next
 * decision sees this reconcile's own writes.
 */
final class EffectExecutor {
  private final KubernetesClient client;
  private final TrafficRouter router;
  private final IstioWrites istioWrites;

  EffectExecutor(KubernetesClient client, TrafficRouter router, IstioWrites istioWrites) {
    this.client = client;
    this.router = router;
    this.istioWrites = istioWrites;
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
      world.virtualService =
          istioWrites.wrote(
              world.virtualService,
              router.setRoute(world.virtualService, canary.getSpec().virtualService.route, set));
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

  private void retire(String namespace, WorldReader.Snapshot world, Effect.RetireDeployment r) {
    String name = r.deployment();
    Deployment d = world.deployments.get(name);
    if (d == null) {
      return; // already gone
    }
    switch (r.policy()) {
      case DELETE -> {
        client.apps().deployments().inNamespace(namespace).withName(name).delete();
        world.deployments.remove(name);
      }
      case SCALE_TO_ZERO -> {
        // a plain update carrying the resourceVersion read: a conflict means decide again
        Deployment copy = Serialization.clone(d);
        copy.getSpec().setReplicas(0);
        try {
          world.deployments.put(
              name, client.apps().deployments().inNamespace(namespace).resource(copy).update());
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
