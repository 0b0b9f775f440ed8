package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Canary;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The reconciler decides from the later of the informer's copy and its own last write. */
class NewerCanaryTest {

  private static Canary canary(String uid, String resourceVersion) {
    Canary c = new Canary();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace("ns")
            .withName("helloworld")
            .withUid(uid)
            .withResourceVersion(resourceVersion)
            .build());
    return c;
  }

  @ParameterizedTest(name = "cache {0}@{1}, written {2}@{3} -> {4}")
  @CsvSource({
    "a, 10, a, 12, written", // the informer has not delivered our write yet
    "a, 12, a, 10, cache", // someone wrote after us (a spec edit)
    "a, 12, a, 12, cache",
    "a, 10, b, 12, cache", // deleted and created again: our copy is of another object
    "a, x1, a, x2, cache", // not numbers: trust the cache
  })
  void picksTheLaterCopyOfTheSameObject(
      String cacheUid, String cacheRv, String writtenUid, String writtenRv, String expected) {
    Canary cached = canary(cacheUid, cacheRv);
    Canary written = canary(writtenUid, writtenRv);
    assertThat(CanaryReconciler.newer(cached, written))
        .isSameAs(expected.equals("written") ? written : cached);
    assertThat(CanaryReconciler.newer(cached, null)).isSameAs(cached);
  }
}
