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
 * registers Sluice's generated CRDs and Istio's real CRDs from {@code ../shared/istio/} (or, when
 * that folder is absent, minimal definitions with the same group, version, kind and plural).
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
    if (IstioSchemas.available()) {
      crds.add(load(client, IstioSchemas.crd(IstioSchemas.VIRTUAL_SERVICE_CRD)));
      crds.add(load(client, IstioSchemas.crd(IstioSchemas.DESTINATION_RULE_CRD)));
    } else {
      crds.add(loadResource(client, "mockcluster/istio-minimal-crds.yaml", 0));
      crds.add(loadResource(client, "mockcluster/istio-minimal-crds.yaml", 1));
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

  private static CustomResourceDefinition loadResource(
      KubernetesClient client, String resource, int index) {
    try (InputStream in = MockCluster.class.getClassLoader().getResourceAsStream(resource)) {
      return (CustomResourceDefinition) client.load(in).items().get(index);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
