package dev.sluice.sandbox;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
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
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The sandbox's Kubernetes API: the fabric8 mock server in CRUD mode on 127.0.0.1 (plain HTTP, a
 * free port), with Sluice's CRDs from {@code deploy/crds/} and minimal Istio CRDs (the real names,
 * group, version and plural, no schema), so it needs nothing outside the project.
 */
final class ApiServer implements AutoCloseable {
  private static final List<String> SLUICE_CRDS =
      List.of("canaries.sluice.dev-v1.yml", "analysistemplates.sluice.dev-v1.yml");
  private static final String ISTIO_CRDS = "mockcluster/istio-minimal-crds.yaml";
  private static final Pattern EVENTS = Pattern.compile("/api/v1/namespaces/[^/]+/events(\\?.*)?");

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final AtomicLong eventsDiscarded = new AtomicLong();
  private final Queue<Long> writeNanos = new ConcurrentLinkedQueue<>();

  ApiServer(Path projectDir) {
    this(projectDir, false);
  }

  /**
   * @param discardEvents answer Event creations with 201 without storing them. The mock server
   *     finds an object by scanning every object it holds, one request at a time; a thousand
   *     releases leave tens of thousands of Events behind that a real API server keeps apart
   *     (indexed, with a TTL), so storing them would measure the mock, not the daemon. Only the
   *     benchmark uses this.
   */
  ApiServer(Path projectDir, boolean discardEvents) {
    KubernetesCrudDispatcher dispatcher =
        discardEvents
            ? new KubernetesCrudDispatcher(List.of()) {
              @Override
              public MockResponse handleCreate(RecordedRequest request) {
                if (EVENTS.matcher(request.getPath()).matches()) {
                  eventsDiscarded.incrementAndGet();
                  return new MockResponse().setResponseCode(201).setBody(request.getUtf8Body());
                }
                String body = peek(request);
                long start = System.nanoTime();
                MockResponse r = super.handleCreate(request);
                writeNanos.add(System.nanoTime() - start);
                request.getBody().writeUtf8(body); // readable again for takeRequest
                return r;
              }

              @Override
              public MockResponse handleUpdate(RecordedRequest request) {
                String body = peek(request);
                long start = System.nanoTime();
                MockResponse r = super.handleUpdate(request);
                writeNanos.add(System.nanoTime() - start);
                request.getBody().writeUtf8(body); // readable again for takeRequest
                return r;
              }
            }
            : new KubernetesCrudDispatcher(List.of());
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
    try (InputStream in = ApiServer.class.getClassLoader().getResourceAsStream(ISTIO_CRDS)) {
      for (var item : client.load(in).items()) {
        create((CustomResourceDefinition) item);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void create(CustomResourceDefinition crd) {
    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
  }

  /** A request's body, left in place for the dispatcher (reading it consumes it). */
  private static String peek(RecordedRequest request) {
    String body = request.getUtf8Body();
    request.getBody().writeUtf8(body);
    return body;
  }

  /**
   * How long each create and update took inside the mock server (waiting for its lock included),
   * when built to discard Events; taken and cleared.
   */
  List<Long> takeWriteNanos() {
    List<Long> out = new ArrayList<>();
    Long n;
    while ((n = writeNanos.poll()) != null) {
      out.add(n);
    }
    return out;
  }

  /** Event creations answered without storing them (see the constructor). */
  long eventsDiscarded() {
    return eventsDiscarded.get();
  }

  /** The API root, e.g. {@code http://127.0.0.1:40123}. */
  String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** The mock server, e.g. for the requests it received ({@code takeRequest}). */
  KubernetesMockServer server() {
    return server;
  }

  KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
