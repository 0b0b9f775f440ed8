package dev.sluice.api;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import org.junit.jupiter.api.AfterEach;

/**
 * What the {@code @QuarkusTest}s of the API share: the client of the mock API server, the daemon's
 * meter registry and its HTTP root, and one {@link ApiScenario} per test, closed after it.
 */
abstract class ApiTest {
  @Inject KubernetesClient client;
  @Inject MeterRegistry registry;

  @TestHTTPResource("/")
  URL url;

  private ApiScenario scenario;

  /** The test's scenario in namespace {@code ns} (seeded and released by the test). */
  ApiScenario scenario(String ns) {
    scenario = new ApiScenario(client, URI.create(url.toString()), ns);
    return scenario;
  }

  @AfterEach
  void cleanUp() {
    if (scenario != null) {
      scenario.close();
    }
  }
}
