package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ApiServerTest {
  @Test
  void theBenchmarksApiServerDiscardsEventsTimesWritesAndKeepsRequestBodies() throws Exception {
    try (ApiServer api = new ApiServer(Path.of("."), true)) {
      KubernetesClient client = api.client();
      api.takeWriteNanos(); // the CRDs it was set up with
      client
          .v1()
          .events()
          .inNamespace("ns")
          .resource(new EventBuilder().withNewMetadata().withName("e1").endMetadata().build())
          .create();
      client
          .configMaps()
          .inNamespace("ns")
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("cm")
                  .endMetadata()
                  .addToData("k", "v")
                  .build())
          .create();
      assertThat(api.eventsDiscarded()).isEqualTo(1);
      assertThat(client.v1().events().inNamespace("ns").list().getItems()).isEmpty();
      assertThat(client.configMaps().inNamespace("ns").withName("cm").get().getData())
          .containsEntry("k", "v");
      assertThat(api.takeWriteNanos()).hasSize(1).allMatch(n -> n > 0);
      assertThat(api.takeWriteNanos()).isEmpty();

      List<String> bodies = new ArrayList<>();
      RecordedRequest r;
      while ((r = api.server().takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
        if (r.getMethod().equals("POST") && r.getPath().contains("/configmaps")) {
          bodies.add(new String(r.getBody().getBytes(), StandardCharsets.UTF_8));
        }
      }
      assertThat(bodies).singleElement().asString().contains("\"k\":\"v\"");
    }
  }
}
