package dev.sluice.testing;

import dev.sluice.model.AnalysisTemplate;
import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** Applies the readable YAML fixtures of {@code src/test/resources/} to a (mock) cluster. */
public final class Fixtures {
  private Fixtures() {}

  public static final ResourceDefinitionContext VIRTUAL_SERVICE =
      new ResourceDefinitionContext.Builder()
          .withGroup("networking.istio.io")
          .withVersion("v1")
          .withKind("VirtualService")
          .withPlural("virtualservices")
          .withNamespaced(true)
          .build();

  public static final ResourceDefinitionContext DESTINATION_RULE =
      new ResourceDefinitionContext.Builder()
          .withGroup("networking.istio.io")
          .withVersion("v1")
          .withKind("DestinationRule")
          .withPlural("destinationrules")
          .withNamespaced(true)
          .build();

  /** The documents of a multi-document YAML resource, as generic objects. */
  public static List<GenericKubernetesResource> read(KubernetesClient client, String resource) {
    try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + resource);
      }
      String text = new String(in.readAllBytes());
      List<GenericKubernetesResource> out = new ArrayList<>();
      for (String doc : text.split("(?m)^---\\s*$")) {
        if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
          out.add(
              client.getKubernetesSerialization().unmarshal(doc, GenericKubernetesResource.class));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates every object of {@code resource} in {@code namespace}. */
  public static void apply(KubernetesClient client, String namespace, String resource) {
    apply(client, namespace, resource, UnaryOperator.identity());
  }

  /** Creates every object of {@code resource}, each passed through {@code edit} first. */
  public static void apply(
      KubernetesClient client,
      String namespace,
      String resource,
      UnaryOperator<GenericKubernetesResource> edit) {
    if (client.namespaces().withName(namespace).get() == null) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .create();
    }
    for (GenericKubernetesResource doc : read(client, resource)) {
      create(client, namespace, edit.apply(doc));
    }
  }

  /**
   * Creates a gateway's VirtualService ({@code scenarios/mesh/gateway-fallback.yaml}) named {@code
   * name} in {@code namespace} (the gateway's, e.g. istio-ingress), for host {@code
   * <name>.example.com}, sending everything to subset v1 of the app in {@code appNamespace} by its
   * fully qualified name.
   */
  public static void applyGateway(
      KubernetesClient client, String namespace, String name, String appNamespace) {
    apply(
        client,
        namespace,
        "scenarios/mesh/gateway-fallback.yaml",
        doc -> {
          String json =
              client
                  .getKubernetesSerialization()
                  .asJson(doc)
                  .replace("\"helloworld-gateway\"", "\"" + name + "\"")
                  .replace("helloworld.shop.svc", "helloworld." + appNamespace + ".svc")
                  .replace("hello.example.com", name + ".example.com");
          return client
              .getKubernetesSerialization()
              .unmarshal(json, GenericKubernetesResource.class);
        });
  }

  /**
   * Creates the zero-downtime guide's objects ({@code scenarios/helloworld.yaml}, then its debug
   * build, {@code scenarios/helloworld-debug.yaml}) in {@code namespace}, the Canary's spec edited
   * by {@code canarySpec} first.
   */
  public static void seedHelloworld(
      KubernetesClient client, String namespace, Consumer<Map<String, Object>> canarySpec) {
    apply(client, namespace, "scenarios/helloworld.yaml", editCanary(canarySpec));
    apply(client, namespace, "scenarios/helloworld-debug.yaml");
  }

  /** The status of the seed Canary (helloworld) of {@code namespace}; empty while it has none. */
  public static CanaryStatus status(KubernetesClient client, String namespace) {
    Canary c = client.resources(Canary.class).inNamespace(namespace).withName("helloworld").get();
    return c == null || c.getStatus() == null ? new CanaryStatus() : c.getStatus();
  }

  /**
   * The seed VirtualService (helloworld) of {@code namespace}, as stored; null when there is none.
   */
  public static GenericKubernetesResource virtualService(
      KubernetesClient client, String namespace) {
    return client
        .genericKubernetesResources(VIRTUAL_SERVICE)
        .inNamespace(namespace)
        .withName("helloworld")
        .get();
  }

  /** An edit that passes {@code canarySpec} over a Canary's spec and leaves other kinds alone. */
  public static UnaryOperator<GenericKubernetesResource> editCanary(
      Consumer<Map<String, Object>> canarySpec) {
    return editSpec("Canary", canarySpec);
  }

  /** An edit that passes {@code edit} over the spec of each object of {@code kind}. */
  public static UnaryOperator<GenericKubernetesResource> editSpec(
      String kind, Consumer<Map<String, Object>> edit) {
    return doc -> {
      if (doc.getKind().equals(kind)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) doc.getAdditionalProperties().get("spec");
        edit.accept(spec);
      }
      return doc;
    };
  }

  /** Creates one object (its kind decides how) in {@code namespace}. */
  public static void create(
      KubernetesClient client, String namespace, GenericKubernetesResource doc) {
    doc.getMetadata().setNamespace(namespace);
    var ser = client.getKubernetesSerialization();
    switch (doc.getKind()) {
      case "Deployment" ->
          client
              .apps()
              .deployments()
              .inNamespace(namespace)
              .resource(convert(ser, doc, Deployment.class))
              .create();
      case "Service" ->
          client
              .services()
              .inNamespace(namespace)
              .resource(convert(ser, doc, Service.class))
              .create();
      case "Canary" ->
          client
              .resources(Canary.class)
              .inNamespace(namespace)
              .resource(convert(ser, doc, Canary.class))
              .create();
      case "AnalysisTemplate" ->
          client
              .resources(AnalysisTemplate.class)
              .inNamespace(namespace)
              .resource(convert(ser, doc, AnalysisTemplate.class))
              .create();
      case "VirtualService" ->
          client
              .genericKubernetesResources(VIRTUAL_SERVICE)
              .inNamespace(namespace)
              .resource(doc)
              .create();
      case "DestinationRule" ->
          client
              .genericKubernetesResources(DESTINATION_RULE)
              .inNamespace(namespace)
              .resource(doc)
              .create();
      default -> throw new IllegalArgumentException("fixtures do not know kind " + doc.getKind());
    }
  }

  private static <T extends HasMetadata> T convert(
      io.fabric8.kubernetes.client.utils.KubernetesSerialization ser,
      GenericKubernetesResource doc,
      Class<T> type) {
    return ser.unmarshal(ser.asJson(doc), type);
  }
}
