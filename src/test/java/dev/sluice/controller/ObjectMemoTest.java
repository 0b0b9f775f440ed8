package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ObjectMemoTest {
  private final AtomicInteger computed = new AtomicInteger();
  private final ObjectMemo<String> memo = new ObjectMemo<>(3);

  private String value(ConfigMap cm, String detail) {
    return memo.get(cm, detail, () -> cm.getData().get("k") + "#" + computed.incrementAndGet());
  }

  private static ConfigMap object(String name, String resourceVersion, String value) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withNamespace("ns")
        .withName(name)
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .addToData("k", value)
        .build();
  }

  @Test
  void theSameInstanceAtTheSameVersionIsAnalysedOnce() {
    ConfigMap a = object("a", "1", "x");
    assertThat(value(a, "r")).isEqualTo("x#1");
    assertThat(value(a, "r")).isEqualTo("x#1");
    assertThat(computed).hasValue(1);
  }

  @Test
  void anEqualCopyAnotherVersionOrAnotherDetailIsAnalysedAgain() {
    ConfigMap a = object("a", "1", "x");
    value(a, "r");
    // an edited copy keeps the resourceVersion it was read at: it must not get the old answer
    assertThat(value(object("a", "1", "edited"), "r")).isEqualTo("edited#2");
    ConfigMap newer = object("a", "2", "y");
    assertThat(value(newer, "r")).isEqualTo("y#3");
    assertThat(value(newer, "other route")).isEqualTo("y#4");
    assertThat(value(newer, "other route")).isEqualTo("y#4");
  }

  @Test
  void objectsWithoutAVersionAreNeverRemembered() {
    ConfigMap unsaved = object("a", null, "x");
    value(unsaved, null);
    value(unsaved, null);
    assertThat(computed).hasValue(2);
    assertThat(memo.get(null, null, () -> "none")).isEqualTo("none");
  }

  @Test
  void pastItsCapacityItForgetsAndStillAnswersRight() {
    ConfigMap[] objects = new ConfigMap[5];
    for (int i = 0; i < objects.length; i++) {
      objects[i] = object("o" + i, "1", "v" + i);
      assertThat(value(objects[i], null)).startsWith("v" + i + "#");
    }
    for (int i = 0; i < objects.length; i++) {
      assertThat(value(objects[i], null)).startsWith("v" + i + "#");
    }
  }
}
