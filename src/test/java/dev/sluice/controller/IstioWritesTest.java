package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import org.junit.jupiter.api.Test;

class IstioWritesTest {
  private final IstioWrites writes = new IstioWrites();

  private static GenericKubernetesResource vs(String resourceVersion) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("networking.istio.io/v1")
        .withKind("VirtualService")
        .withNewMetadata()
        .withNamespace("ns")
        .withName("helloworld")
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .build();
  }

  @Test
  void aLaggingCacheIsAnsweredWithOurWrite() {
    GenericKubernetesResource read = vs("7");
    GenericKubernetesResource ours = vs("8");
    writes.wrote(read, ours);
    assertThat(writes.latest(vs("7"))).isSameAs(ours);
    assertThat(writes.pending()).isEqualTo(1);
  }

  @Test
  void onceTheCacheHasOurWriteItIsTheCachesCopyAndOursIsDropped() {
    writes.wrote(vs("7"), vs("8"));
    GenericKubernetesResource cached = vs("8");
    assertThat(writes.latest(cached)).isSameAs(cached);
    assertThat(writes.pending()).isZero();
    // and a cache still at the old version later (a relist) is not answered with a stale copy
    GenericKubernetesResource old = vs("7");
    assertThat(writes.latest(old)).isSameAs(old);
  }

  @Test
  void anotherWritersLaterVersionIsTakenFromTheCache() {
    writes.wrote(vs("7"), vs("8"));
    GenericKubernetesResource theirs = vs("9");
    assertThat(writes.latest(theirs)).isSameAs(theirs);
  }

  @Test
  void twoQuickWritesKeepTheNewest() {
    GenericKubernetesResource second = vs("9");
    writes.wrote(vs("7"), vs("8"));
    writes.wrote(vs("8"), second);
    assertThat(writes.latest(vs("8"))).isSameAs(second);
    assertThat(writes.latest(vs("9"))).isNotSameAs(second);
    assertThat(writes.pending()).isZero();
  }
}
