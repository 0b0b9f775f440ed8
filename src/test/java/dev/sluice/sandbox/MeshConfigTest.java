package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.IstioSchemas;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's mesh routes as Envoy would by the stored objects: the sandbox's own seed objects
 * ({@code sandbox/helloworld.yaml}) and the match rules in {@code sandbox/mesh-matches.yaml}.
 */
class MeshConfigTest {
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  static List<GenericKubernetesResource> read(String resource) throws IOException {
    try (InputStream in = MeshConfigTest.class.getClassLoader().getResourceAsStream(resource)) {
      List<GenericKubernetesResource> out = new ArrayList<>();
      for (String doc : new String(in.readAllBytes()).split("(?m)^---\\s*$")) {
        if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
          out.add(YAML.unmarshal(doc, GenericKubernetesResource.class));
        }
      }
      return out;
    }
  }

  static List<GenericKubernetesResource> kind(List<GenericKubernetesResource> docs, String kind) {
    return docs.stream().filter(d -> d.getKind().equals(kind)).toList();
  }

  static Pod pod(String name, int port, boolean ready, String... labels) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .addToLabels("app", "helloworld")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("helloworld")
            .addNewPort()
            .withContainerPort(port)
            .endPort()
            .endContainer()
            .endSpec()
            .withNewStatus()
            .addNewCondition()
            .withType("Ready")
            .withStatus(ready ? "True" : "False")
            .endCondition()
            .endStatus();
    Pod p = b.build();
    for (int i = 0; i < labels.length; i += 2) {
      p.getMetadata().getLabels().put(labels[i], labels[i + 1]);
    }
    return p;
  }

  static MeshConfig config(
      List<GenericKubernetesResource> docs, GenericKubernetesResource vs, List<Pod> pods) {
    Service service = YAML.convertValue(kind(docs, "Service").get(0), Service.class);
    return new MeshConfig(
        "sandbox-test", List.of(vs), kind(docs, "DestinationRule"), List.of(service), pods);
  }

  static MeshConfig.Request get(String path, String... headers) {
    Map<String, List<String>> h = new java.util.HashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      h.put(headers[i], List.of(headers[i + 1]));
    }
    return new MeshConfig.Request("GET", path, "helloworld", h);
  }

  static final List<Pod> PODS =
      List.of(
          pod("helloworld-v1-0", 1001, true, "version", "v1"),
          pod("helloworld-v2-0", 1002, true, "version", "v2"),
          pod("helloworld-debug-0", 1003, true, "version", "debug"));

  @SuppressWarnings("unchecked")
  private static GenericKubernetesResource withDefaultRoute(
      GenericKubernetesResource vs, int v1, int v2) {
    GenericKubernetesResource copy = YAML.clone(vs);
    var http = (List<Map<String, Object>>) MeshConfig.spec(copy).get("http");
    Map<String, Object> route = http.get(1);
    route.put(
        "route",
        List.of(
            Map.of("destination", Map.of("host", "helloworld", "subset", "v1"), "weight", v1),
            Map.of("destination", Map.of("host", "helloworld", "subset", "v2"), "weight", v2)));
    return copy;
  }

  /** The seed objects with subset v2 added to the DestinationRule, as Sluice adds it. */
  @SuppressWarnings("unchecked")
  static List<GenericKubernetesResource> withV2Subset(List<GenericKubernetesResource> docs) {
    GenericKubernetesResource dr = kind(docs, "DestinationRule").get(0);
    var subsets = (List<Map<String, Object>>) MeshConfig.spec(dr).get("subsets");
    subsets.add(Map.of("name", "v2", "labels", Map.of("version", "v2")));
    return docs;
  }

  static String pod(MeshConfig.Decision d) {
    assertThat(d).isInstanceOf(MeshConfig.Forward.class);
    return ((MeshConfig.Forward) d).pod();
  }

  @Test
  void theSeedRoutesDebugRequestsToTheDebugPodAndEverythingElseToV1() throws IOException {
    var docs = read("sandbox/helloworld.yaml");
    MeshConfig mesh = config(docs, kind(docs, "VirtualService").get(0), PODS);

    assertThat(pod(mesh.route("helloworld", get("/hello"), () -> 0.5)))
        .isEqualTo("helloworld-v1-0");
    assertThat(
            pod(
                mesh.route(
                    "helloworld", get("/hello", "My-Header", "please-debug-this"), () -> 0.5)))
        .isEqualTo("helloworld-debug-0");
    // the regex is a full match of .*debug.*: "DEBUG" does not match
    assertThat(pod(mesh.route("helloworld", get("/hello", "my-header", "DEBUG"), () -> 0.5)))
        .isEqualTo("helloworld-v1-0");
    // the FQDN of the host and its namespace-qualified name are the same host
    assertThat(pod(mesh.route("helloworld.sandbox-test.svc.cluster.local", get("/"), () -> 0.5)))
        .isEqualTo("helloworld-v1-0");
  }

  @Test
  void weightsSplitTheDefaultRouteBySubset() throws IOException {
    var docs = withV2Subset(read("sandbox/helloworld.yaml"));
    MeshConfig mesh =
        config(docs, withDefaultRoute(kind(docs, "VirtualService").get(0), 90, 10), PODS);

    assertThat(pod(mesh.route("helloworld", get("/"), () -> 0.0))).isEqualTo("helloworld-v1-0");
    assertThat(pod(mesh.route("helloworld", get("/"), () -> 0.8999))).isEqualTo("helloworld-v1-0");
    assertThat(pod(mesh.route("helloworld", get("/"), () -> 0.9))).isEqualTo("helloworld-v2-0");
    assertThat(pod(mesh.route("helloworld", get("/"), () -> 0.9999))).isEqualTo("helloworld-v2-0");
    MeshConfig allV1 =
        config(docs, withDefaultRoute(kind(docs, "VirtualService").get(0), 100, 0), PODS);
    assertThat(pod(allV1.route("helloworld", get("/"), () -> 0.9999))).isEqualTo("helloworld-v1-0");
  }

  @Test
  void aSubsetMissingFromTheDestinationRuleOrWithoutReadyPodsIsAnError() throws IOException {
    var docs = read("sandbox/helloworld.yaml");
    // v2 in the route but not in the DestinationRule: Envoy has no such cluster
    MeshConfig noSubset =
        config(docs, withDefaultRoute(kind(docs, "VirtualService").get(0), 0, 100), PODS);
    MeshConfig.Decision d = noSubset.route("helloworld", get("/"), () -> 0.5);
    assertThat(d).isInstanceOf(MeshConfig.Refuse.class);
    assertThat(((MeshConfig.Refuse) d).flag()).isEqualTo("NC");
    assertThat(((MeshConfig.Refuse) d).status()).isEqualTo(503);

    // v1's only pod is terminating (not ready): no healthy upstream
    MeshConfig notReady =
        config(
            docs,
            kind(docs, "VirtualService").get(0),
            List.of(pod("helloworld-v1-0", 1001, false, "version", "v1")));
    MeshConfig.Decision uh = notReady.route("helloworld", get("/"), () -> 0.5);
    assertThat(((MeshConfig.Refuse) uh).flag()).isEqualTo("UH");
  }

  @Test
  void matchConditions() throws IOException {
    var docs = withV2Subset(read("sandbox/helloworld.yaml"));
    GenericKubernetesResource vs = read("sandbox/mesh-matches.yaml").get(0);
    MeshConfig mesh = config(docs, vs, PODS);

    // uri exact, then uri prefix with ignoreUriCase, then regex, then header prefix without a
    // header; anything else has no route (no fallback in this VirtualService)
    assertThat(pod(mesh.route("helloworld", get("/exact"), () -> 0)))
        .isEqualTo("helloworld-debug-0");
    assertThat(pod(mesh.route("helloworld", get("/exact/more"), () -> 0)))
        .isEqualTo("helloworld-v1-0");
    assertThat(pod(mesh.route("helloworld", get("/API/v1?x=1"), () -> 0)))
        .isEqualTo("helloworld-v1-0");
    assertThat(pod(mesh.route("helloworld", get("/items/42"), () -> 0)))
        .isEqualTo("helloworld-v2-0");
    assertThat(pod(mesh.route("helloworld", get("/items/x42", "x-user", "beta-7"), () -> 0)))
        .isEqualTo("helloworld-v2-0");
    // withoutHeaders: a beta user who is also an internal caller is not matched
    MeshConfig.Decision internal =
        mesh.route("helloworld", get("/other", "x-user", "beta-7", "x-internal", "1"), () -> 0);
    assertThat(internal).isInstanceOf(MeshConfig.Refuse.class);
    // query parameters
    assertThat(pod(mesh.route("helloworld", get("/q?canary=yes"), () -> 0)))
        .isEqualTo("helloworld-v2-0");
    MeshConfig.Decision none = mesh.route("helloworld", get("/other"), () -> 0);
    assertThat(none).isInstanceOf(MeshConfig.Refuse.class);
    assertThat(((MeshConfig.Refuse) none).status()).isEqualTo(404);
    assertThat(((MeshConfig.Refuse) none).flag()).isEqualTo("NR");
  }

  /**
   * The gateway scenarios' VirtualService in istio-ingress, as the sandbox writes it for namespace
   * {@code ns}, its fallback route giving {@code v1}/{@code v2}.
   */
  @SuppressWarnings("unchecked")
  private static GenericKubernetesResource gatewayVs(String ns, int v1, int v2) throws IOException {
    GenericKubernetesResource vs = read("sandbox/helloworld-gateway.yaml").get(0);
    vs.getMetadata().setNamespace("istio-ingress");
    vs.getMetadata().setName("helloworld-" + ns);
    MeshConfig.spec(vs).put("hosts", List.of(ns + ".example.com"));
    String fqdn = "helloworld." + ns + ".svc.cluster.local";
    var http = (List<Map<String, Object>>) MeshConfig.spec(vs).get("http");
    http.get(0)
        .put(
            "route",
            List.of(
                Map.of("destination", Map.of("host", fqdn, "subset", "v1"), "weight", v1),
                Map.of("destination", Map.of("host", fqdn, "subset", "v2"), "weight", v2)));
    return vs;
  }

  @Test
  void theGatewaySeedIsAValidVirtualServiceWithAFallbackRoute() throws IOException {
    GenericKubernetesResource vs = read("sandbox/helloworld-gateway.yaml").get(0);
    assertThat(IstioSchemas.virtualServiceErrors(vs)).isEmpty();
    assertThat(IstioSchemas.virtualServiceErrors(gatewayVs("sandbox-test", 90, 10))).isEmpty();
    @SuppressWarnings("unchecked")
    var http = (List<Map<String, Object>>) MeshConfig.spec(vs).get("http");
    assertThat(http).hasSize(1);
    assertThat(http.get(0)).doesNotContainKey("match").containsEntry("name", "public");
  }

  @Test
  void theGatewayRoutesByTheVirtualServicesBoundToItAndTheSidecarByTheMeshOnes()
      throws IOException {
    var docs = withV2Subset(read("sandbox/helloworld.yaml"));
    Service service = YAML.convertValue(kind(docs, "Service").get(0), Service.class);
    GenericKubernetesResource mesh = withDefaultRoute(kind(docs, "VirtualService").get(0), 100, 0);
    // the gateway's route already sends everything to v2, the mesh's nothing
    GenericKubernetesResource gateway = gatewayVs("sandbox-test", 0, 100);
    List<GenericKubernetesResource> both = List.of(gateway, mesh);
    MeshConfig ingress =
        new MeshConfig(
            "istio-ingress/public",
            "sandbox-test",
            both,
            kind(docs, "DestinationRule"),
            List.of(service),
            PODS);
    MeshConfig sidecar =
        new MeshConfig("sandbox-test", both, kind(docs, "DestinationRule"), List.of(service), PODS);

    // through the gateway: the public host, by the gateway's VirtualService, to the app's pods
    // (the destination names the Service by its FQDN; the DestinationRule's host is short)
    String host = "sandbox-test.example.com";
    MeshConfig.Decision d = ingress.route(host, get("/hello"), () -> 0.1);
    assertThat(pod(d)).isEqualTo("helloworld-v2-0");
    assertThat(((MeshConfig.Forward) d).route()).isEqualTo("public");
    // the gateway never applies the mesh's VirtualService, nor a sidecar the gateway's
    assertThat(ingress.route("helloworld", get("/hello"), () -> 0.1))
        .isInstanceOf(MeshConfig.Refuse.class);
    assertThat(pod(sidecar.route("helloworld", get("/hello"), () -> 0.1)))
        .isEqualTo("helloworld-v1-0");
    assertThat(sidecar.route(host, get("/hello"), () -> 0.1)).isInstanceOf(MeshConfig.Refuse.class);
    // bound to another gateway: not this one's
    MeshConfig other =
        new MeshConfig(
            "istio-ingress/private",
            "sandbox-test",
            both,
            kind(docs, "DestinationRule"),
            List.of(service),
            PODS);
    assertThat(other.route(host, get("/hello"), () -> 0.1)).isInstanceOf(MeshConfig.Refuse.class);
  }
}
