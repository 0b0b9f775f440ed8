package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.Canary;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One Sluice per set of namespaces: a daemon configured with {@code sluice.namespaces} manages the
 * Canaries there and never touches the others (another Sluice, with its own Lease, does).
 */
@QuarkusTest
@TestProfile(NamespaceSelectionTest.ShardA.class)
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class NamespaceSelectionTest {

  /** This daemon is the Sluice of namespace shard-a only. */
  public static class ShardA implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "sluice.namespaces", "shard-a,shard-c",
          "sluice.leader-election.lease-name", "sluice-shard-a");
    }
  }

  @Inject KubernetesClient client;

  private Canary canary(String ns) {
    return client.resources(Canary.class).inNamespace(ns).withName("helloworld").get();
  }

  @Test
  void onlyTheSelectedNamespacesAreManaged() {
    for (String ns : new String[] {"shard-a", "shard-b"}) {
      PrometheusStub.canary(ns, 0.0, 100, 500);
      Fixtures.apply(client, ns, "scenarios/helloworld.yaml");
    }
    String vsB =
        client
            .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
            .inNamespace("shard-b")
            .withName("helloworld")
            .get()
            .getMetadata()
            .getResourceVersion();
    for (String ns : new String[] {"shard-a", "shard-b"}) {
      Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");
    }
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                canary("shard-a").getStatus() != null
                    && "Succeeded".equals(canary("shard-a").getStatus().phase));
    // shard-b's Canary was never acted on: no status, its VirtualService never written
    assertThat(canary("shard-b").getStatus())
        .satisfiesAnyOf(s -> assertThat(s).isNull(), s -> assertThat(s.phase).isNull());
    assertThat(
            client
                .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
                .inNamespace("shard-b")
                .withName("helloworld")
                .get()
                .getMetadata()
                .getResourceVersion())
        .isEqualTo(vsB);
    assertThat(client.apps().deployments().inNamespace("shard-b").withName("helloworld-v1").get())
        .isNotNull();
  }
}
