package dev.sluice.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.testing.DaemonThreads;
import dev.sluice.testing.LoopbackHttp;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The sandbox's stand-in for the Envoy sidecar of a client of {@code host} in one namespace: an
 * HTTP proxy on a free loopback port that routes every request by the objects as currently stored
 * ({@link MeshConfig}), kept up to date by watching the VirtualServices, DestinationRules, Services
 * and Pods of the namespace, and reports Istio's standard metrics ({@link IstioMetrics}).
 *
 * <p>Requests the proxy cannot deliver are answered by the proxy itself, as Envoy does, with a
 * response flag in the header {@value #FLAG_HEADER}: {@code NR} (no route), {@code NC} (no such
 * subset), {@code UH} (no ready pod), {@code UF} (connection to the pod failed), {@code UT}
 * (timeout). Unlike Envoy, the proxy never retries, so every such failure reaches the client and is
 * counted.
 *
 * <p>The route's header manipulation is applied to the request sent to the pod and to its answer
 * ({@link HeaderOperations}), and the route's mirrors get a copy of the request ({@link Mirrors}).
 * Every answer from a pod also carries two headers of the sandbox's own, for the load generator's
 * counts: {@value #ROUTE_HEADER} (the HTTP route that led there) and {@value #ROUTED_BY_HEADER}
 * (the VirtualService's {@code name@resourceVersion} that was routed by).
 *
 * <p>{@link #gateway} makes the stand-in of an ingress gateway instead: it applies the
 * VirtualServices of the gateway's namespace bound to that gateway, routes every request as one for
 * their public host, and reaches the app's pods in the app's namespace (its destinations name the
 * Service by its fully qualified name).
 */
final class Mesh implements AutoCloseable {
  static final String FLAG_HEADER = "x-sandbox-response-flags";
  static final String ROUTE_HEADER = "x-sandbox-route";
  static final String ROUTED_BY_HEADER = "x-sandbox-routed-by";
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "content-length",
          "transfer-encoding",
          "host",
          "expect",
          "upgrade",
          "keep-alive",
          "date");

  private final KubernetesClient client;
  private final String namespace;
  private final String host;
  private final IstioMetrics metrics;
  // the gateway's "namespace/name", null for a sidecar; where its VirtualServices are
  private final String gateway;
  private final String virtualServiceNamespace;
  // the app's Service (Istio's destination_service) and the client's workload (source_*)
  private final String service;
  private final String sourceWorkload;
  private final String sourceNamespace;
  private final AtomicReference<MeshConfig> config = new AtomicReference<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final List<Consumer<GenericKubernetesResource>> vsListeners =
      new CopyOnWriteArrayList<>();
  private final ExecutorService handlers =
      Executors.newFixedThreadPool(128, DaemonThreads.named("sandbox-mesh"));
  private final HttpClient upstream;
  private final Mirrors mirrors;
  private SharedIndexInformer<GenericKubernetesResource> virtualServices;
  private SharedIndexInformer<GenericKubernetesResource> destinationRules;
  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<Pod> pods;
  private HttpServer server;
  private boolean started;

  /** The sidecar of the clients of {@code host}, a Service of {@code namespace}. */
  Mesh(KubernetesClient client, String namespace, String host, IstioMetrics metrics) {
    this(client, null, namespace, namespace, host, host, "sandbox-load", namespace, metrics);
  }

  private Mesh(
      KubernetesClient client,
      String gateway,
      String virtualServiceNamespace,
      String namespace,
      String host,
      String service,
      String sourceWorkload,
      String sourceNamespace,
      IstioMetrics metrics) {
    this.client = client;
    this.gateway = gateway;
    this.virtualServiceNamespace = virtualServiceNamespace;
    this.namespace = namespace;
    this.host = host;
    this.service = service;
    this.sourceWorkload = sourceWorkload;
    this.sourceNamespace = sourceNamespace;
    this.metrics = metrics;
    this.upstream = http11("sandbox-mesh-client", Duration.ofSeconds(1));
    this.mirrors =
        new Mirrors(
            http11("sandbox-mesh-mirror", Duration.ofSeconds(1)),
            a -> metrics.record(a.millis(), labels("destination", a.to(), a.status(), "-")));
  }

  /**
   * The ingress gateway {@code gatewayNamespace/gatewayName} (its workload {@code
   * istio-ingressgateway}) for requests to the public host {@code publicHost}: routed by the
   * VirtualServices of {@code gatewayNamespace} bound to the gateway, to the pods of Service {@code
   * service} in {@code namespace}.
   */
  static Mesh gateway(
      KubernetesClient client,
      String gatewayNamespace,
      String gatewayName,
      String publicHost,
      String namespace,
      String service,
      IstioMetrics metrics) {
    return new Mesh(
        client,
        gatewayNamespace + "/" + gatewayName,
        gatewayNamespace,
        namespace,
        publicHost,
        service,
        "istio-ingressgateway",
        gatewayNamespace,
        metrics);
  }

  /** An HTTP/1.1 client on four daemon threads, as the sidecars and the load generator use one. */
  static HttpClient http11(String threads, Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .executor(Executors.newFixedThreadPool(4, DaemonThreads.named(threads)))
        .build();
  }

  /** Called with the VirtualService as stored, after the proxy routes by it. */
  void onVirtualService(Consumer<GenericKubernetesResource> listener) {
    vsListeners.add(listener);
  }

  Mesh start() {
    virtualServices =
        watch(
            client
                .genericKubernetesResources(dev.sluice.testing.Fixtures.VIRTUAL_SERVICE)
                .inNamespace(virtualServiceNamespace)
                .runnableInformer(0),
            true);
    destinationRules = watch(dev.sluice.testing.Fixtures.DESTINATION_RULE, false);
    services = watch(client.services().inNamespace(namespace).runnableInformer(0), false);
    pods = watch(client.pods().inNamespace(namespace).runnableInformer(0), false);
    informers.forEach(i -> i.start().toCompletableFuture().join());
    synchronized (this) {
      started = true;
      rebuild();
    }
    server = LoopbackHttp.serve(256, "/", this::handle, handlers);
    return this;
  }

  /** Watches the Istio kind {@code kind} of the namespace. */
  private SharedIndexInformer<GenericKubernetesResource> watch(
      ResourceDefinitionContext kind, boolean isVirtualService) {
    return watch(
        client.genericKubernetesResources(kind).inNamespace(namespace).runnableInformer(0),
        isVirtualService);
  }

  private <T extends HasMetadata> SharedIndexInformer<T> watch(
      SharedIndexInformer<T> informer, boolean isVirtualService) {
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(T obj) {
            changed(obj, isVirtualService);
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            changed(newObj, isVirtualService);
          }

          @Override
          public void onDelete(T obj, boolean unknown) {
            changed(obj, false);
          }
        });
    informers.add(informer);
    return informer;
  }

  private synchronized void changed(HasMetadata obj, boolean isVirtualService) {
    if (!started) {
      return; // still starting: the first config is built once every cache is filled
    }
    rebuild();
    if (isVirtualService) {
      vsListeners.forEach(l -> l.accept((GenericKubernetesResource) obj));
    }
  }

  private void rebuild() {
    config.set(
        new MeshConfig(
            gateway,
            namespace,
            virtualServices.getStore().list(),
            destinationRules.getStore().list(),
            services.getStore().list(),
            pods.getStore().list()));
  }

  /** The proxy's URL, {@code http://127.0.0.1:PORT}. */
  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  MeshConfig config() {
    return config.get();
  }

  /** The copies this proxy mirrored, and what became of them. */
  Mirrors mirrors() {
    return mirrors;
  }

  private void handle(HttpExchange exchange) throws IOException {
    long start = System.nanoTime();
    try (exchange) {
      byte[] requestBody = exchange.getRequestBody().readAllBytes();
      MeshConfig.Request request =
          new MeshConfig.Request(
              exchange.getRequestMethod(),
              exchange.getRequestURI().toString(),
              exchange.getRequestHeaders().getFirst("Host"),
              exchange.getRequestHeaders());
      MeshConfig.Decision decision =
          config.get().route(host, request, () -> ThreadLocalRandom.current().nextDouble());
      if (decision instanceof MeshConfig.Refuse refuse) {
        reply(exchange, refuse.status(), refuse.flag(), refuse.why() + "\n", Map.of());
        source(start, null, refuse.status(), refuse.flag());
        return;
      }
      MeshConfig.Forward to = (MeshConfig.Forward) decision;
      Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                  headers.put(name, values);
                }
              });
      for (MeshConfig.Decision mirror : to.mirrors()) {
        mirrors.send(
            mirror,
            exchange.getRequestMethod(),
            exchange.getRequestURI().toString(),
            headers,
            requestBody);
      }
      HttpRequest.Builder out =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + to.port() + exchange.getRequestURI()))
              .timeout(to.timeout())
              .method(
                  exchange.getRequestMethod(),
                  requestBody.length == 0
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(requestBody));
      HeaderOperations.applyAll(to.requestHeaders(), headers)
          .forEach((name, values) -> values.forEach(v -> out.header(name, v)));
      long upstreamStart = System.nanoTime();
      HttpResponse<byte[]> response;
      try {
        response = upstream.send(out.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (HttpTimeoutException e) {
        reply(exchange, 504, "UT", "upstream request timeout\n", Map.of());
        source(start, to, 504, "UT");
        return;
      } catch (IOException e) {
        String why =
            (e instanceof ConnectException ? "upstream connect error: " : "upstream reset: ") + e;
        reply(exchange, 503, "UF", why + "\n", Map.of());
        source(start, to, 503, "UF");
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      double upstreamMs = (System.nanoTime() - upstreamStart) / 1e6;
      metrics.record(upstreamMs, labels("destination", to, response.statusCode(), "-"));
      Map<String, List<String>> answer = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      answer.putAll(HeaderOperations.applyAll(to.responseHeaders(), response.headers().map()));
      answer.put(ROUTE_HEADER, List.of(to.route()));
      if (to.routedBy() != null) {
        answer.put(ROUTED_BY_HEADER, List.of(to.routedBy()));
      }
      reply(exchange, response.statusCode(), null, response.body(), answer);
      source(start, to, response.statusCode(), "-");
    }
  }

  private void source(long start, MeshConfig.Forward to, int status, String flag) {
    metrics.record((System.nanoTime() - start) / 1e6, labels("source", to, status, flag));
  }

  private String[] labels(String reporter, MeshConfig.Forward to, int status, String flag) {
    Map<String, String> pod = to == null ? Map.of() : to.labels();
    String app = pod.getOrDefault("app", "unknown");
    String version = pod.getOrDefault("version", "unknown");
    return new String[] {
      reporter,
      sourceWorkload,
      sourceNamespace,
      sourceWorkload,
      "unknown",
      to == null ? "unknown" : to.workload(),
      to == null ? "unknown" : namespace,
      app,
      version,
      service + "." + namespace + ".svc.cluster.local",
      service,
      namespace,
      app,
      pod.getOrDefault("version", "latest"),
      "http",
      Integer.toString(status),
      flag,
      reporter.equals("destination") ? "mutual_tls" : "unknown"
    };
  }

  private static void reply(
      HttpExchange exchange,
      int status,
      String flag,
      Object body,
      Map<String, List<String>> headers)
      throws IOException {
    byte[] bytes = body instanceof byte[] b ? b : body.toString().getBytes(StandardCharsets.UTF_8);
    headers.forEach(
        (name, values) -> {
          if (!HOP_BY_HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
            exchange.getResponseHeaders().put(name, values);
          }
        });
    if (flag != null) {
      exchange.getResponseHeaders().set(FLAG_HEADER, flag);
      exchange.getResponseHeaders().set("Content-Type", "text/plain");
    }
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
    }
    informers.forEach(SharedIndexInformer::close);
    handlers.shutdownNow();
  }
}
