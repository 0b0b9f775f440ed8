package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.Canary;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PrimedSerializationTest {
  private static final String CANARY =
      "{\"apiVersion\":\"sluice.dev/v1alpha1\",\"kind\":\"Canary\",\"metadata\":{\"name\":\"c\"}}";

  @AfterEach
  void nothingPrimedAnyMore() {
    PrimedSerialization.forget();
  }

  private final AtomicInteger quarkusMappers = new AtomicInteger();

  private ObjectMapper quarkusMapper() {
    quarkusMappers.incrementAndGet();
    return new ObjectMapper();
  }

  @Test
  void withoutAPreloadTheClientGetsASerializerBuiltOnQuarkusObjectMapper() {
    KubernetesSerialization json =
        PrimedSerialization.choose(true, this::quarkusMapper, new Class[] {Canary.class});
    assertThat(quarkusMappers).hasValue(1);
    assertThat(json.unmarshal(CANARY, KubernetesResource.class)).isInstanceOf(Canary.class);
  }

  @Test
  void theClientGetsThePreloadsSerializerWithQuarkusResourcesRegistered() {
    PrimedSerialization.expect();
    KubernetesSerialization primed = Main.primedSerialization();
    PrimedSerialization.offer(primed);
    PrimedSerialization.offer(null); // the preload's final offer changes nothing
    KubernetesSerialization json =
        PrimedSerialization.choose(true, this::quarkusMapper, new Class[] {Canary.class});
    assertThat(json).isSameAs(primed);
    assertThat(quarkusMappers).hasValue(0);
    assertThat(json.unmarshal(CANARY, KubernetesResource.class)).isInstanceOf(Canary.class);
  }

  @Test
  void aFailedPreloadOrACustomisedMapperMeansABuiltOne() {
    PrimedSerialization.expect();
    PrimedSerialization.offer(null); // the preload failed
    assertThat(PrimedSerialization.choose(true, this::quarkusMapper, new Class[0])).isNotNull();
    assertThat(quarkusMappers).hasValue(1);

    PrimedSerialization.expect();
    KubernetesSerialization primed = Main.primedSerialization();
    PrimedSerialization.offer(primed);
    // a customizer of the client's object mapper exists: the primed one would miss it
    assertThat(PrimedSerialization.choose(false, this::quarkusMapper, new Class[0]))
        .isNotSameAs(primed);
    assertThat(quarkusMappers).hasValue(2);
  }
}
