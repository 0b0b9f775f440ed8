package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import org.junit.jupiter.api.Test;

/** Our own retirements laid over a cache that has not caught up with them. */
class DeploymentWritesTest {
  private static Deployment v1(String resourceVersion, int replicas) {
    return v1("uid-1", resourceVersion, replicas);
  }

  private static Deployment v1(String uid, String resourceVersion, int replicas) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withNamespace("shop")
        .withName("helloworld-v1")
        .withUid(uid)
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .endSpec()
        .build();
  }

  @Test
  void aDeploymentWeDeletedIsGoneUntilTheCacheSaysOtherwise() {
    DeploymentWrites writes = new DeploymentWrites();
    Deployment cached = v1("7", 1);
    writes.deleted(cached);

    assertThat(writes.latest(cached)).isNull(); // the cache still shows it: it is gone
    assertThat(writes.latest(v1("7", 1))).isNull();
    assertThat(writes.latest(v1("6", 1))).isNull(); // an even older copy of it, gone too
    // made again under the same name (another object): taken as it is
    Deployment again = v1("uid-2", "12", 1);
    assertThat(writes.latest(again)).isSameAs(again);
    assertThat(writes.pending()).isZero();
  }

  @Test
  void aDeploymentWeScaledToZeroShowsOurWriteUntilTheCacheHasIt() {
    DeploymentWrites writes = new DeploymentWrites();
    Deployment before = v1("7", 3);
    Deployment after = v1("8", 0);
    assertThat(writes.wrote(before, after)).isSameAs(after);

    assertThat(writes.latest(before)).isSameAs(after);
    Deployment cachedNow = v1("8", 0);
    assertThat(writes.latest(cachedNow)).isSameAs(cachedNow);
    assertThat(writes.pending()).isZero();
  }

  @Test
  void otherDeploymentsAreTakenFromTheCache() {
    DeploymentWrites writes = new DeploymentWrites();
    writes.deleted(v1("7", 1));
    Deployment v2 =
        new DeploymentBuilder()
            .withNewMetadata()
            .withNamespace("shop")
            .withName("helloworld-v2")
            .withResourceVersion("9")
            .endMetadata()
            .build();
    assertThat(writes.latest(v2)).isSameAs(v2);
    assertThat(writes.latest(null)).isNull();
  }
}
