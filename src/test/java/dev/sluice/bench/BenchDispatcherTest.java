package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.ApiServer;
import dev.sluice.testing.Fixtures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's API server: the test kit's {@link ApiServer} storing through {@link
 * BenchDispatcher}.
 */
class BenchDispatcherTest {
  private final BenchDispatcher bench = new BenchDispatcher();

  @Test
  void theBenchmarksApiServerDiscardsEventsTimesWritesAndKeepsRequestBodies() throws Exception {
    try (ApiServer api = new ApiServer(Path.of("."), bench)) {
      KubernetesClient client = api.client();
      bench.takeWriteNanos(); // the CRDs it was set up with
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
      assertThat(bench.eventsDiscarded()).isEqualTo(1);
      assertThat(client.v1().events().inNamespace("ns").list().getItems()).isEmpty();
      assertThat(client.configMaps().inNamespace("ns").withName("cm").get().getData())
          .containsEntry("k", "v");
      assertThat(bench.takeWriteNanos()).hasSize(1).allMatch(n -> n > 0);
      assertThat(bench.takeWriteNanos()).isEmpty();

      List<String> bodies = new ArrayList<>();
      for (RecordedRequest r : api.takeRequests()) {
        if (r.getMethod().equals("POST") && r.getPath().contains("/configmaps")) {
          bodies.add(new String(r.getBody().getBytes(), StandardCharsets.UTF_8));
        }
      }
      assertThat(bodies).singleElement().asString().contains("\"k\":\"v\"");
    }
  }

  @Test
  void theBenchmarksApiServerFindsObjectsByKeyAsTheStockOneDoes() {
    try (ApiServer api = new ApiServer(Path.of("."), bench)) {
      KubernetesClient client = api.client();
      for (String ns : List.of("a", "b")) {
        for (String name : List.of("x", "y")) {
          client.configMaps().inNamespace(ns).resource(configMap(name, ns + name)).create();
        }
      }
      ConfigMap ax = client.configMaps().inNamespace("a").withName("x").get();
      ax.getData().put("k", "a-x-2");
      client.configMaps().inNamespace("a").resource(ax).update();
      // a stale resourceVersion is refused, as by a real API server
      assertThatThrownBy(() -> client.configMaps().inNamespace("a").resource(ax).update())
          .isInstanceOf(KubernetesClientException.class)
          .extracting(e -> ((KubernetesClientException) e).getCode())
          .isEqualTo(409);
      assertThatThrownBy(
              () -> client.configMaps().inNamespace("b").resource(configMap("x", "again")).create())
          .isInstanceOf(KubernetesClientException.class)
          .extracting(e -> ((KubernetesClientException) e).getCode())
          .isEqualTo(409);
      ConfigMap missing = configMap("z", "none");
      missing.getMetadata().setResourceVersion("1");
      assertThatThrownBy(() -> client.configMaps().inNamespace("a").resource(missing).update())
          .isInstanceOf(KubernetesClientException.class)
          .extracting(e -> ((KubernetesClientException) e).getCode())
          .isEqualTo(404);

      client.configMaps().inNamespace("b").withName("y").delete();
      client.configMaps().inNamespace("b").resource(configMap("y", "b-y-2")).create();

      assertThat(client.configMaps().inAnyNamespace().list().getItems())
          .extracting(
              cm ->
                  cm.getMetadata().getNamespace()
                      + "/"
                      + cm.getMetadata().getName()
                      + "="
                      + cm.getData().get("k"))
          .containsExactlyInAnyOrder("a/x=a-x-2", "a/y=ay", "b/x=bx", "b/y=b-y-2");
      ConfigMap by = client.configMaps().inNamespace("b").withName("y").get();
      by.getData().put("k", "b-y-3");
      assertThat(client.configMaps().inNamespace("b").resource(by).update().getData())
          .containsEntry("k", "b-y-3");
    }
  }

  @Test
  void theBenchmarksApiServerHandsOnEveryStoredRouteWriteWithItsVirtualServiceAndNoRefusedOne() {
    try (ApiServer api = new ApiServer(Path.of("."), bench)) {
      KubernetesClient client = api.client();
      Fixtures.seedHelloworld(client, "ns", spec -> {});
      List<BenchDispatcher.StoredRoute> stored = new ArrayList<>();
      bench.onRouteStored(stored::add);
      var routes = client.genericKubernetesResources(Fixtures.VIRTUAL_SERVICE).inNamespace("ns");
      GenericKubernetesResource vs = routes.list().getItems().get(0);
      vs.getAdditionalProperties().put("spec", Map.of("hosts", List.of("edited")));
      long before = System.nanoTime();
      routes.resource(vs).update(); // stored
      assertThatThrownBy(() -> routes.resource(vs).update()) // stale: refused
          .isInstanceOf(KubernetesClientException.class);
      client.configMaps().inNamespace("ns").resource(configMap("cm", "v")).create(); // not a route
      // a gateway's VirtualService of the same Canary, in another namespace
      Fixtures.apply(client, "istio-ingress", "scenarios/mesh/gateway-fallback.yaml");
      var gateways =
          client.genericKubernetesResources(Fixtures.VIRTUAL_SERVICE).inNamespace("istio-ingress");
      GenericKubernetesResource gw = gateways.withName("helloworld-gateway").get();
      gw.getAdditionalProperties().put("spec", Map.of("hosts", List.of("gateway-edited")));
      gateways.resource(gw).update();
      long after = System.nanoTime();

      assertThat(stored).hasSize(2);
      assertThat(stored.get(0))
          .satisfies(
              r -> {
                assertThat(r.namespace()).isEqualTo("ns");
                assertThat(r.name()).isEqualTo(vs.getMetadata().getName());
                assertThat(r.virtualService()).isEqualTo("ns/" + vs.getMetadata().getName());
                assertThat(r.path())
                    .isEqualTo(
                        "/apis/networking.istio.io/v1/namespaces/ns/virtualservices/"
                            + vs.getMetadata().getName());
                assertThat(r.body()).contains("\"edited\"");
                assertThat(r.nanos()).isBetween(before, after);
              });
      assertThat(stored.get(1))
          .satisfies(
              r -> {
                assertThat(r.virtualService()).isEqualTo("istio-ingress/helloworld-gateway");
                assertThat(r.body()).contains("\"gateway-edited\"");
                assertThat(r.nanos()).isBetween(stored.get(0).nanos(), after);
              });
    }
  }

  @Test
  void theBenchmarksApiServerWatchesFromAVersionAsARealOneDoes() throws Exception {
    try (ApiServer api = new ApiServer(Path.of("."), bench)) {
      KubernetesClient client = api.client();
      var maps = client.configMaps().inNamespace("ns");
      maps.resource(configMap("old", "1")).create();
      maps.resource(configMap("edited", "1")).create();
      maps.resource(configMap("gone", "1")).create();
      String listed = maps.list().getMetadata().getResourceVersion();
      ConfigMap afterList = maps.resource(configMap("after-list", "1")).create();

      BlockingQueue<String> fromVersion = new LinkedBlockingQueue<>();
      BlockingQueue<String> fromAny = new LinkedBlockingQueue<>();
      try (Watch w1 =
              maps.watch(
                  new ListOptionsBuilder().withResourceVersion(listed).build(), to(fromVersion));
          Watch w2 = maps.watch(to(fromAny))) {
        // before the watch opened, after the list: sent (a real API server keeps that history)
        assertThat(fromVersion.poll(5, TimeUnit.SECONDS)).isEqualTo("ADDED after-list");
        ConfigMap edited = maps.withName("edited").get();
        edited.getData().put("k", "2");
        maps.resource(edited).update();
        maps.withName("gone").delete();
        maps.resource(configMap("new", "1")).create();
        List<String> later = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          later.add(fromVersion.poll(5, TimeUnit.SECONDS));
        }
        assertThat(later).containsExactly("MODIFIED edited", "DELETED gone", "ADDED new");
        assertThat(fromVersion.poll(300, TimeUnit.MILLISECONDS)).isNull();

        // a watch from no version: every object first, as the stock mock server does
        List<String> any = new ArrayList<>();
        String e;
        while ((e = fromAny.poll(500, TimeUnit.MILLISECONDS)) != null) {
          any.add(e);
        }
        assertThat(any).contains("ADDED old", "ADDED " + afterList.getMetadata().getName());
      }
    }
  }

  private static Watcher<ConfigMap> to(BlockingQueue<String> events) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap resource) {
        events.add(action + " " + resource.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  private static ConfigMap configMap(String name, String value) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .addToData("k", value)
        .build();
  }
}
