package dev.sluice.sandbox;

import dev.sluice.testing.DaemonThreads;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A stand-in for the Deployment controller and the kubelet of one namespace: for every Deployment
 * it runs {@code spec.replicas} pods, each a real {@link Backend}, writes them as Pod objects (IP
 * 127.0.0.1, the backend's port as container port, Ready) and reports the Deployment ready.
 *
 * <p>A pod goes the way Kubernetes takes a pod down when its Deployment is deleted or scaled down:
 * it is first marked not ready (the endpoints controller drops it, so the mesh stops sending it new
 * requests), keeps serving for {@code drainMillis} (a preStop sleep, for proxies that have not
 * heard yet), then stops accepting connections and finishes the requests in progress (SIGTERM
 * handled gracefully), and finally its Pod object is deleted.
 */
final class Kubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final Function<String, Behaviour> behaviourOfVersion;
  private final long drainMillis;
  private final ExecutorService serving =
      Executors.newCachedThreadPool(DaemonThreads.named("sandbox-pod"));
  private final ExecutorService work =
      Executors.newSingleThreadExecutor(DaemonThreads.named("sandbox-kubelet"));
  private final ExecutorService terminating =
      Executors.newCachedThreadPool(DaemonThreads.named("sandbox-pod-stop"));
  private final Map<String, Backend> pods = new ConcurrentHashMap<>();
  private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
  private SharedIndexInformer<Deployment> informer;

  Kubelet(
      KubernetesClient client,
      String namespace,
      Function<String, Behaviour> behaviourOfVersion,
      long drainMillis) {
    this.client = client;
    this.namespace = namespace;
    this.behaviourOfVersion = behaviourOfVersion;
    this.drainMillis = drainMillis;
  }

  Kubelet start() {
    informer =
        client
            .apps()
            .deployments()
            .inNamespace(namespace)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Deployment d) {
                    work.execute(() -> reconcile(d, false));
                  }

                  @Override
                  public void onUpdate(Deployment old, Deployment d) {
                    work.execute(() -> reconcile(d, false));
                  }

                  @Override
                  public void onDelete(Deployment d, boolean unknown) {
                    work.execute(() -> reconcile(d, true));
                  }
                },
                0);
    return this;
  }

  /** Brings the Deployment's pods to its replicas (0 when deleted) and reports its status. */
  private void reconcile(Deployment d, boolean deleted) {
    try {
      String name = d.getMetadata().getName();
      int replicas =
          deleted ? 0 : d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
      for (int i = 0; i < Math.max(replicas, 16); i++) {
        String pod = name + "-" + i;
        boolean running = pods.containsKey(pod);
        if (i < replicas && !running) {
          startPod(pod, name, labels);
        } else if (i >= replicas && running) {
          Backend backend = pods.remove(pod);
          terminating.execute(() -> terminate(backend));
        }
      }
      if (!deleted) {
        reportReady(d, replicas);
      }
    } catch (RuntimeException e) {
      log("kubelet: " + e);
    }
  }

  private void startPod(String pod, String deployment, Map<String, String> labels) {
    String version = versionOf(labels);
    Backend backend;
    try {
      backend = new Backend(pod, version, () -> behaviourOfVersion.apply(version), serving);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    pods.put(pod, backend);
    Pod object =
        new PodBuilder()
            .withNewMetadata()
            .withName(pod)
            .withNamespace(namespace)
            .withLabels(labels)
            .addToAnnotations("sandbox.sluice.dev/deployment", deployment)
            .endMetadata()
            .withNewSpec()
            .withContainers(
                new ContainerBuilder()
                    .withName("helloworld")
                    .withPorts(new ContainerPortBuilder().withContainerPort(backend.port()).build())
                    .build())
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .withPodIP("127.0.0.1")
            .withConditions(ready(true))
            .endStatus()
            .build();
    client.pods().inNamespace(namespace).resource(object).createOr(c -> c.update());
    log("pod " + pod + " started on port " + backend.port());
  }

  private static PodCondition ready(boolean ready) {
    return new PodConditionBuilder()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .withLastTransitionTime(Instant.now().toString())
        .build();
  }

  private void terminate(Backend backend) {
    String pod = backend.pod();
    try {
      Pod p = client.pods().inNamespace(namespace).withName(pod).get();
      if (p != null) {
        p.getStatus().setConditions(List.of(ready(false)));
        client.pods().inNamespace(namespace).resource(p).updateStatus();
      }
      log("pod " + pod + " not ready (terminating); draining " + drainMillis + " ms");
      Thread.sleep(drainMillis);
      backend.stop(2);
      client.pods().inNamespace(namespace).withName(pod).delete();
      log("pod " + pod + " stopped");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (KubernetesClientException e) {
      log("kubelet: " + pod + ": " + e.getMessage());
    }
  }

  private void reportReady(Deployment d, int replicas) {
    DeploymentStatus want =
        new DeploymentStatusBuilder()
            .withObservedGeneration(d.getMetadata().getGeneration())
            .withReplicas(replicas)
            .withUpdatedReplicas(replicas)
            .withReadyReplicas(replicas)
            .withAvailableReplicas(replicas)
            .withConditions(
                new DeploymentConditionBuilder()
                    .withType("Available")
                    .withStatus("True")
                    .withReason("MinimumReplicasAvailable")
                    .build())
            .build();
    DeploymentStatus have = d.getStatus();
    if (have != null
        && Objects.equals(have.getReadyReplicas(), replicas)
        && Objects.equals(have.getReplicas(), replicas)
        && Objects.equals(have.getObservedGeneration(), d.getMetadata().getGeneration())) {
      return;
    }
    for (int attempt = 0; attempt < 5; attempt++) {
      Deployment fresh =
          client
              .apps()
              .deployments()
              .inNamespace(namespace)
              .withName(d.getMetadata().getName())
              .get();
      if (fresh == null) {
        return;
      }
      fresh.setStatus(want);
      try {
        client.apps().deployments().inNamespace(namespace).resource(fresh).updateStatus();
        log("deployment " + d.getMetadata().getName() + " ready " + replicas + "/" + replicas);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
  }

  /** The version label of a pod, or "unknown". */
  static String versionOf(Map<String, String> labels) {
    return labels.getOrDefault("version", "unknown");
  }

  private void log(String line) {
    log.add(Instant.now() + " " + line);
  }

  List<String> log() {
    return List.copyOf(log);
  }

  /** Pods still running. */
  List<String> runningPods() {
    return pods.keySet().stream().sorted().toList();
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    work.shutdownNow();
    for (Backend b : pods.values()) {
      b.stop(0);
    }
    pods.clear();
    terminating.shutdown();
    serving.shutdownNow();
  }
}
