package dev.sluice.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Kubernetes API of the sandbox, the benchmark and the end-to-end tests: the fabric8 mock
 * server in CRUD mode on 127.0.0.1 (plain HTTP, a free port), with Sluice's CRDs from {@code
 * deploy/crds/} and Istio's own VirtualService and DestinationRule CRDs (vendored under {@code
 * src/test/resources/istio/}), so it needs nothing outside the project.
 */
public final class ApiServer implements AutoCloseable {
  private static final List<String> SLUICE_CRDS =
      List.of("canaries.sluice.dev-v1.yml", "analysistemplates.sluice.dev-v1.yml");

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public ApiServer(Path projectDir) {
    this(projectDir, new KubernetesCrudDispatcher(List.of()));
  }

  /**
   * An API server storing through {@code dispatcher}: a test's own (e.g. to answer a conflict), or
   * the benchmark's.
   */
  public ApiServer(Path projectDir, KubernetesCrudDispatcher dispatcher) {
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    for (String file : SLUICE_CRDS) {
      Path path = projectDir.resolve("deploy/crds").resolve(file);
      try (InputStream in = Files.newInputStream(path)) {
        create(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read Sluice's CRD " + path, e);
      }
    }
    for (String file :
        List.of(IstioSchemas.VIRTUAL_SERVICE_CRD, IstioSchemas.DESTINATION_RULE_CRD)) {
      try (InputStream in = IstioSchemas.crd(file)) {
        create(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private void create(CustomResourceDefinition crd) {
    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
  }

  /** The API root, e.g. {@code http://127.0.0.1:40123}. */
  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** The mock server, e.g. for the requests it received ({@code takeRequest}). */
  public KubernetesMockServer server() {
    return server;
  }

  /**
   * Takes every request the server received since the last take (the mock server keeps them until
   * taken), in the order it received them.
   */
  public List<RecordedRequest> takeRequests() {
    return takeRequests(server);
  }

  /** As {@link #takeRequests()}, from any fabric8 mock server (a {@code @QuarkusTest}'s too). */
  public static List<RecordedRequest> takeRequests(KubernetesMockServer server) {
    List<RecordedRequest> out = new ArrayList<>();
    try {
      RecordedRequest r;
      while ((r = server.takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
        out.add(r);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while taking the recorded requests", e);
    }
    return out;
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
