package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.MockCluster;
import dev.sluice.testing.PrometheusStub;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * The client's serializer reads every kind Sluice handles as its class when given only the JSON (as
 * in a watch event), though the model classes of other kinds are not registered at start-up
 * (application.properties, removed-resources).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
@WithTestResource(PrometheusStub.class)
class ClientSerializationTest {
  @Inject KubernetesClient client;

  private KubernetesResource read(String apiVersion, String kind) {
    return client
        .getKubernetesSerialization()
        .unmarshal(
            "{\"apiVersion\":\""
                + apiVersion
                + "\",\"kind\":\""
                + kind
                + "\",\"metadata\":{\"name\":\"x\"}}",
            KubernetesResource.class);
  }

  @Test
  void theKindsSluiceHandlesAreReadAsTheirClasses() {
    assertThat(read("apps/v1", "Deployment")).isInstanceOf(Deployment.class);
    assertThat(read("coordination.k8s.io/v1", "Lease")).isInstanceOf(Lease.class);
    assertThat(read("v1", "Event")).isInstanceOf(Event.class);
    // a kind whose model is not registered: generic, not an error
    assertThat(read("batch/v1", "Job")).isInstanceOf(GenericKubernetesResource.class);
  }
}
