package dev.sluice.routing;

import static dev.sluice.routing.Fixtures.json;
import static dev.sluice.routing.Fixtures.load;
import static dev.sluice.routing.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.rollout.Destination;
import dev.sluice.rollout.Effect;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.rollout.World;
import dev.sluice.testing.IstioSchemas;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client path against the fabric8 Kubernetes mock server in CRUD mode, with the real Istio CRDs
 * registered in it. Every object written is checked against the CRD schema. Skipped when the CRDs
 * are not found (see {@link IstioSchemas}).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class IstioTrafficRouterTest {

  private static final String NAMESPACE = "default";
  private static final String VS_PATH =
      "/apis/networking.istio.io/v1/namespaces/default/virtualservices/helloworld";

  // Set by the extension before each test: a fresh server (expectations first, then CRUD).
  KubernetesMockServer server;
  KubernetesClient client;
  private IstioTrafficRouter router;

  /** The parsed CRDs, read once: they are large. */
  private static List<CustomResourceDefinition> crds;

  @BeforeEach
  void startServerWithIstioCrds() {
    if (crds == null) {
      crds =
          List.of(IstioSchemas.VIRTUAL_SERVICE_CRD, IstioSchemas.DESTINATION_RULE_CRD).stream()
              .map(
                  file ->
                      client
                          .apiextensions()
                          .v1()
                          .customResourceDefinitions()
                          .load(IstioSchemas.crd(file))
                          .item())
              .toList();
    }
    // Registering the CRDs tells the CRUD server the plural and scope of the Istio kinds.
    for (CustomResourceDefinition crd : crds) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
    router = new IstioTrafficRouter(client);
  }

  @Test
  void aRouteChangeIsStoredAndNothingElseChanges() {
    GenericKubernetesResource read = create(load("helloworld-vs-extra-fields.yaml"));

    GenericKubernetesResource written =
        router.setRoute(
            read,
            "default",
            new Effect.SetRoute(List.of(new Destination("v1", 90), new Destination("v2", 10))));

    GenericKubernetesResource stored = virtualServices().withName("helloworld").get();
    assertThat(written.getMetadata().getResourceVersion())
        .isNotEqualTo(read.getMetadata().getResourceVersion())
        .isEqualTo(stored.getMetadata().getResourceVersion());
    assertThat(json(stored)).isEqualTo(json(written));
    assertThat(router.observe(stored, "default").destinations())
        .containsExactly(new Destination("v1", 90), new Destination("v2", 10));
    assertThat(specWithoutRoute(stored, 1)).isEqualTo(specWithoutRoute(read, 1));
    IstioSchemas.validateVirtualService(stored);
  }

  @Test
  void aWriteFromAStaleReadIsAConflictAndChangesNothing() {
    GenericKubernetesResource read = create(load("helloworld-vs.yaml"));
    GenericKubernetesResource theirs = someoneElseAddsALabel(read);

    assertThatThrownBy(
            () ->
                router.setRoute(
                    read,
                    null,
                    new Effect.SetRoute(
                        List.of(new Destination("v1", 90), new Destination("v2", 10)))))
        .isInstanceOf(WriteConflictException.class)
        .hasCauseInstanceOf(KubernetesClientException.class)
        .satisfies(
            e -> {
              WriteConflictException conflict = (WriteConflictException) e;
              assertThat(conflict.kind()).isEqualTo("VirtualService");
              assertThat(conflict.namespace()).isEqualTo(NAMESPACE);
              assertThat(conflict.name()).isEqualTo("helloworld");
              assertThat(conflict.resourceVersion())
                  .isEqualTo(read.getMetadata().getResourceVersion());
            });

    assertThat(json(virtualServices().withName("helloworld").get())).isEqualTo(json(theirs));
  }

  @Test
  void readingAgainAfterAConflictLetsTheWriteThrough() {
    GenericKubernetesResource read = create(load("helloworld-vs.yaml"));
    someoneElseAddsALabel(read);
    Effect.SetRoute effect =
        new Effect.SetRoute(List.of(new Destination("v1", 90), new Destination("v2", 10)));
    assertThatThrownBy(() -> router.setRoute(read, null, effect))
        .isInstanceOf(WriteConflictException.class);

    GenericKubernetesResource again = virtualServices().withName("helloworld").get();
    GenericKubernetesResource written = router.setRoute(again, null, effect);

    assertThat(written.getMetadata().getLabels()).containsEntry("changed-by", "someone-else");
    assertThat(router.observe(written, null).weightOf("v2")).isEqualTo(10);
    IstioSchemas.validateVirtualService(written);
  }

  /**
   * What the CRUD mock server itself does with a PUT carrying a stale resourceVersion: it answers
   * 409, as an API server does. (It also enforces it for DestinationRules; see below.)
   */
  @Test
  void theCrudMockServerRejectsAPutWithAStaleResourceVersion() {
    GenericKubernetesResource read = create(load("helloworld-vs.yaml"));
    someoneElseAddsALabel(read);

    assertThatThrownBy(() -> virtualServices().resource(read).update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void a409AnswerIsAConflictWhateverTheServerStores() {
    // Independent of the CRUD store: the server answers the PUT with 409.
    GenericKubernetesResource read = create(load("helloworld-vs.yaml"));
    server
        .expect()
        .put()
        .withPath(VS_PATH)
        .andReturn(
            409,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason("Conflict")
                .withCode(409)
                .withMessage("the object has been modified")
                .build())
        .once();

    assertThatThrownBy(
            () ->
                router.setRoute(
                    read, null, new Effect.SetRoute(List.of(new Destination("v2", 100)))))
        .isInstanceOf(WriteConflictException.class);
  }

  @Test
  void otherFailuresAreNotConflicts() {
    GenericKubernetesResource read = create(load("helloworld-vs.yaml"));
    server
        .expect()
        .put()
        .withPath(VS_PATH)
        .andReturn(
            422,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason("Invalid")
                .withCode(422)
                .withMessage("admission webhook denied the request")
                .build())
        .once();

    assertThatThrownBy(
            () ->
                router.setRoute(
                    read, null, new Effect.SetRoute(List.of(new Destination("v2", 100)))))
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e).isNotInstanceOf(WriteConflictException.class);
              assertThat(e.getCode()).isEqualTo(422);
            });
  }

  @Test
  void nothingIsWrittenWhenTheRouteIsAlreadySo() {
    GenericKubernetesResource read = create(load("helloworld-vs-mid-release.yaml"));
    int requests = server.getRequestCount();

    GenericKubernetesResource result =
        router.setRoute(
            read,
            null,
            new Effect.SetRoute(List.of(new Destination("v2", 30), new Destination("v1", 70))));

    assertThat(result).isSameAs(read);
    assertThat(server.getRequestCount()).isEqualTo(requests);
  }

  @Test
  void anUnmanageableVirtualServiceIsNeverWritten() {
    GenericKubernetesResource read = create(load("unmanageable/no-fallback.yaml"));
    int requests = server.getRequestCount();

    assertThatThrownBy(
            () ->
                router.setRoute(
                    read, null, new Effect.SetRoute(List.of(new Destination("v1", 100)))))
        .isInstanceOf(UnmanageableRouteException.class)
        .hasMessageContaining("match routes have no fallback route");

    assertThat(server.getRequestCount()).isEqualTo(requests);
    assertThat(json(virtualServices().withName("helloworld").get())).isEqualTo(json(read));
  }

  @Test
  void anObjectThatWasNotReadFromTheServerIsNotWritten() {
    create(load("helloworld-vs.yaml"));
    int requests = server.getRequestCount();

    // No resourceVersion: the client would fetch the latest one and overwrite blindly.
    assertThatThrownBy(
            () ->
                router.setRoute(
                    load("helloworld-vs.yaml"),
                    null,
                    new Effect.SetRoute(List.of(new Destination("v2", 100)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("resourceVersion");
    assertThat(server.getRequestCount()).isEqualTo(requests);
  }

  @Test
  void subsetsAreAddedAndRemovedOnTheServer() {
    GenericKubernetesResource read = createRule(load("helloworld-dr-traffic-policy.yaml"));

    GenericKubernetesResource added =
        router.addSubset(read, new Effect.AddSubset("v2", "v1"), "version");
    IstioSchemas.validateDestinationRule(added);
    assertThat(router.subsets(destinationRules().withName("helloworld").get()).keySet())
        .containsExactly("debug", "v1", "v2");

    World routesWithoutDebug =
        new World(
            "default",
            RouteObservation.ok(List.of(new Destination("v2", 100))),
            null,
            List.of(),
            List.of());
    GenericKubernetesResource removed =
        router.removeSubset(added, new Effect.RemoveSubset("debug"), routesWithoutDebug);
    IstioSchemas.validateDestinationRule(removed);
    GenericKubernetesResource stored = destinationRules().withName("helloworld").get();
    assertThat(router.subsets(stored).keySet()).containsExactly("v1", "v2");
    assertThat(json(stored)).isEqualTo(json(removed));
    // Everything but the subsets as it was (metadata aside: the server bumps resourceVersion and
    // generation).
    assertThat(specWithoutSubsets(stored)).isEqualTo(specWithoutSubsets(read));
    assertThat(stored.getMetadata().getLabels()).isEqualTo(read.getMetadata().getLabels());
  }

  @Test
  void aSubsetIsNotRemovedWhileARouteReferencesIt() {
    GenericKubernetesResource vs = create(load("helloworld-vs-mirror.yaml"));
    GenericKubernetesResource dr = createRule(load("helloworld-dr.yaml"));
    int requests = server.getRequestCount();

    // v1 carries the managed route; debug is not referenced; shadow is a mirror.
    World routes = Fixtures.worldOf(vs);
    assertThatThrownBy(() -> router.removeSubset(dr, new Effect.RemoveSubset("v1"), routes))
        .isInstanceOf(RefusedEditException.class)
        .hasMessageContaining("references");
    assertThatThrownBy(() -> router.removeSubset(dr, new Effect.RemoveSubset("shadow"), routes))
        .as("a mirror references its subset too")
        .isInstanceOf(RefusedEditException.class);
    assertThatThrownBy(
            () ->
                router.removeSubset(
                    dr,
                    new Effect.RemoveSubset("debug"),
                    new World(
                        "default",
                        RouteObservation.invalid("match routes have no fallback route"),
                        null,
                        List.of(),
                        List.of())))
        .isInstanceOf(RefusedEditException.class);
    assertThat(server.getRequestCount()).isEqualTo(requests);

    GenericKubernetesResource removed =
        router.removeSubset(dr, new Effect.RemoveSubset("debug"), routes);
    assertThat(router.subsets(removed).keySet()).containsExactly("v1");
  }

  @Test
  void aStaleDestinationRuleIsAConflictToo() {
    GenericKubernetesResource read = createRule(load("helloworld-dr.yaml"));
    // Another writer (another replica, a person) gets there first.
    GenericKubernetesResource theirs =
        router.addSubset(read, new Effect.AddSubset("v3", "v1"), "version");

    assertThatThrownBy(() -> router.addSubset(read, new Effect.AddSubset("v2", "v1"), "version"))
        .isInstanceOf(WriteConflictException.class)
        .hasMessageContaining("DestinationRule default/helloworld");
    assertThat(router.subsets(destinationRules().withName("helloworld").get()).keySet())
        .containsExactly("v1", "debug", "v3")
        .isEqualTo(router.subsets(theirs).keySet());
  }

  @Test
  void aWholeReleaseInTheSafeOrder() {
    GenericKubernetesResource vs = create(load("helloworld-vs.yaml"));
    GenericKubernetesResource dr = createRule(load("helloworld-dr.yaml"));
    String matchRoute = Fixtures.http(vs, 0).toString();

    dr = router.addSubset(dr, new Effect.AddSubset("v2", "v1"), "version");
    IstioSchemas.validateDestinationRule(dr);
    for (int weight = 10; weight <= 100; weight += 10) {
      vs =
          router.setRoute(
              vs,
              null,
              new Effect.SetRoute(
                  List.of(new Destination("v1", 100 - weight), new Destination("v2", weight))));
      IstioSchemas.validateVirtualService(vs);
    }
    vs = router.setRoute(vs, null, new Effect.SetRoute(List.of(new Destination("v2", 100))));
    IstioSchemas.validateVirtualService(vs);
    dr = router.removeSubset(dr, new Effect.RemoveSubset("v1"), Fixtures.worldOf(vs));
    IstioSchemas.validateDestinationRule(dr);

    GenericKubernetesResource storedVs = virtualServices().withName("helloworld").get();
    assertThat(router.observe(storedVs, null).destinations())
        .containsExactly(new Destination("v2", 100));
    assertThat(Fixtures.http(storedVs, 0).toString()).isEqualTo(matchRoute);
    assertThat(router.subsets(destinationRules().withName("helloworld").get()).keySet())
        .containsExactly("debug", "v2");
  }

  @Test
  void anObjectReadAtV1beta1IsWrittenAtV1beta1() throws InterruptedException {
    GenericKubernetesResource fixture = load("helloworld-vs.yaml");
    fixture.setApiVersion("networking.istio.io/v1beta1");
    GenericKubernetesResource read =
        client
            .genericKubernetesResources(context("v1beta1", "VirtualService", "virtualservices"))
            .inNamespace(NAMESPACE)
            .resource(fixture)
            .create();

    GenericKubernetesResource written =
        router.setRoute(read, null, new Effect.SetRoute(List.of(new Destination("v2", 100))));

    assertThat(written.getApiVersion()).isEqualTo("networking.istio.io/v1beta1");
    assertThat(router.observe(written, null).destinations())
        .containsExactly(new Destination("v2", 100));
    assertThat(server.getLastRequest().getPath())
        .isEqualTo(
            "/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices/helloworld");
    IstioSchemas.validateVirtualService(written);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private GenericKubernetesResource someoneElseAddsALabel(GenericKubernetesResource read) {
    GenericKubernetesResource copy = Fixtures.SERIALIZATION.clone(read);
    Map<String, String> labels = new HashMap<>();
    if (copy.getMetadata().getLabels() != null) {
      labels.putAll(copy.getMetadata().getLabels());
    }
    labels.put("changed-by", "someone-else");
    copy.getMetadata().setLabels(labels);
    return virtualServices().resource(copy).update();
  }

  private GenericKubernetesResource create(GenericKubernetesResource vs) {
    IstioSchemas.validateVirtualService(vs);
    return virtualServices().resource(vs).create();
  }

  private GenericKubernetesResource createRule(GenericKubernetesResource dr) {
    IstioSchemas.validateDestinationRule(dr);
    return destinationRules().resource(dr).create();
  }

  private NonNamespaceOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      virtualServices() {
    return client
        .genericKubernetesResources(context("v1", "VirtualService", "virtualservices"))
        .inNamespace(NAMESPACE);
  }

  private NonNamespaceOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      destinationRules() {
    return client
        .genericKubernetesResources(context("v1", "DestinationRule", "destinationrules"))
        .inNamespace(NAMESPACE);
  }

  private static ResourceDefinitionContext context(String version, String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("networking.istio.io")
        .withVersion(version)
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }

  private static String specWithoutRoute(GenericKubernetesResource vs, int index) {
    ObjectNode spec = (ObjectNode) tree(vs).get("spec");
    ((ObjectNode) spec.path("http").get(index)).remove("route");
    return spec.toString();
  }

  private static String specWithoutSubsets(GenericKubernetesResource dr) {
    ObjectNode spec = (ObjectNode) tree(dr).get("spec");
    spec.remove("subsets");
    return spec.toString();
  }
}
