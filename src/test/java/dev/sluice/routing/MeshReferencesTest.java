package dev.sluice.routing;

import static dev.sluice.routing.Fixtures.load;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.rollout.Reference;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading every subset reference of a VirtualService, and Istio's host names. */
class MeshReferencesTest {

  @Test
  void everyKindOfRouteAndMirrorIsReadWithItsHostResolved() {
    List<Reference> refs = MeshReferences.of(load("mesh/gateway-vs.yaml"));

    String vs = "istio-ingress/helloworld-gateway";
    assertThat(refs)
        .containsExactly(
            new Reference(vs, "http", 0, "public", false, "helloworld.shop", "v1"),
            new Reference(vs, "http", 0, "public", true, "helloworld.shop", "shadow"),
            new Reference(vs, "http", 1, "other-app", false, "reviews.shop", "v1"),
            new Reference(vs, "tls", 0, null, false, "helloworld.shop", "v1"),
            new Reference(vs, "tcp", 0, "raw", false, "helloworld.shop", "v0"),
            new Reference(vs, "tcp", 0, "raw", false, "api.example.com", "v1"));
    assertThat(refs.get(1).describe("shop"))
        .isEqualTo("mirror of route `public` of VirtualService istio-ingress/helloworld-gateway");
    assertThat(refs.get(3).describe("istio-ingress"))
        .isEqualTo("tls route 0 of VirtualService helloworld-gateway");
    assertThat(refs.get(4).describe("istio-ingress"))
        .isEqualTo("tcp route `raw` of VirtualService helloworld-gateway");
  }

  @Test
  void unnamedRoutesAreNamedByTheirPosition() {
    List<Reference> refs = MeshReferences.of(load("helloworld-vs.yaml"));
    assertThat(refs)
        .extracting(r -> r.describe("default") + " -> " + r.host() + "/" + r.subset())
        .containsExactly(
            "http route 0 of VirtualService helloworld -> helloworld.default/debug",
            "http route 1 of VirtualService helloworld -> helloworld.default/v1");
  }

  @ParameterizedTest(name = "{0} named in {1} is {2}")
  @CsvSource(
      nullValues = "-",
      textBlock =
          """
          helloworld,                          shop,  helloworld.shop
          helloworld.shop,                     other, helloworld.shop
          helloworld.shop.svc,                 other, helloworld.shop
          helloworld.shop.svc.cluster.local,   other, helloworld.shop
          helloworld.shop.svc.corp.internal.,  other, helloworld.shop
          HelloWorld,                          shop,  helloworld.shop
          api.example.com,                     shop,  api.example.com
          *.shop.svc.cluster.local,            shop,  *.shop
          *,                                   shop,  *
          -,                                   shop,  -
          """)
  void hostsAreReducedToOneKeyPerService(String host, String namespace, String key) {
    assertThat(Hosts.key(host, namespace)).isEqualTo(key);
  }

  @ParameterizedTest(name = "rule {0} covers {1}: {2}")
  @CsvSource(
      textBlock =
          """
          helloworld.shop, helloworld.shop, true
          helloworld.shop, helloworld.other, false
          *.shop,          helloworld.shop, true
          *.shop,          helloworld.other, false
          *,               api.example.com, true
          """)
  void aRuleHostCoversItsServicesAndWildcards(String rule, String destination, boolean covers) {
    assertThat(Hosts.covers(rule, destination)).isEqualTo(covers);
  }
}
