package dev.sluice.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Prepares the fabric8 mock API server (CRUD mode) as a cluster with Istio and Sluice installed:
 * registers Sluice's generated CRDs and Istio's real CRDs (vendored in {@code
 * src/test/resources/istio/}).
 */
public class MockCluster implements Consumer<KubernetesServer> {

  @Override
  public void accept(KubernetesServer server) {
    register(server.getClient());
  }

  /** Creates the CRDs through {@code client}. */
  public static void register(KubernetesClient client) {
    for (CustomResourceDefinition crd : crds(client)) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
  }

  static List<CustomResourceDefinition> crds(KubernetesClient client) {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (String file :
        List.of("canaries.sluice.dev-v1.yml", "analysistemplates.sluice.dev-v1.yml")) {
      crds.add(load(client, Path.of("deploy/crds", file)));
    }
    for (String file :
        List.of(IstioSchemas.VIRTUAL_SERVICE_CRD, IstioSchemas.DESTINATION_RULE_CRD)) {
      try (InputStream in = IstioSchemas.crd(file)) {
        crds.add(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return crds;
  }

  private static CustomResourceDefinition load(KubernetesClient client, Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      return client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
