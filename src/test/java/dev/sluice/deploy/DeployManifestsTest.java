package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.Canary;
import dev.sluice.testing.CrdSchemas;
import dev.sluice.testing.IstioSchemas;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code kubectl apply -k deploy/} installs, and the helloworld example: rendered with {@code
 * kubectl kustomize} (see {@link Kustomize} for which kubectl), every object parsed into its
 * fabric8 model type without a field the type does not know, the daemon's Deployment as locked down
 * as docs/install.md says, RBAC without wildcards and matching docs/rbac.md, the CRDs exactly the
 * generated ones, and the example's objects valid for Istio and for Sluice.
 */
class DeployManifestsTest {
  private static final Path BASE = Path.of("deploy");
  private static final Path EXAMPLE = Path.of("deploy/examples/helloworld");
  private static final String NS = "sluice-system";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** The model type each rendered kind must parse into (by apiVersion and kind). */
  private static final Map<String, Class<?>> MODEL =
      Map.ofEntries(
          Map.entry("v1/Namespace", Namespace.class),
          Map.entry(
              "apiextensions.k8s.io/v1/CustomResourceDefinition", CustomResourceDefinition.class),
          Map.entry("v1/ServiceAccount", ServiceAccount.class),
          Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", ClusterRole.class),
          Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", ClusterRoleBinding.class),
          Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
          Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
          Map.entry("apps/v1/Deployment", Deployment.class),
          Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
          Map.entry("v1/Service", Service.class),
          // no fabric8 model in the client; checked field by field below and by promtool
          Map.entry("monitoring.coreos.com/v1/ServiceMonitor", GenericKubernetesResource.class),
          Map.entry("monitoring.coreos.com/v1/PrometheusRule", GenericKubernetesResource.class),
          // checked against the real Istio CRD schemas below
          Map.entry("networking.istio.io/v1/VirtualService", GenericKubernetesResource.class),
          Map.entry("networking.istio.io/v1/DestinationRule", GenericKubernetesResource.class),
          Map.entry("sluice.dev/v1alpha1/Canary", Canary.class));

  private static List<JsonNode> base;
  private static List<JsonNode> example;

  @BeforeAll
  static void render() {
    base = Kustomize.objects(Kustomize.render(BASE));
    example = Kustomize.objects(Kustomize.render(EXAMPLE));
  }

  // ---- what is rendered ----

  @Test
  void theBaseRendersExactlyTheInstall() {
    assertThat(base.stream().map(Kustomize::id))
        .containsExactlyInAnyOrder(
            "Namespace sluice-system",
            "CustomResourceDefinition canaries.sluice.dev",
            "CustomResourceDefinition analysistemplates.sluice.dev",
            "ServiceAccount sluice-system/sluice",
            "ClusterRole sluice",
            "ClusterRoleBinding sluice",
            "Role sluice-system/sluice-leader-election",
            "RoleBinding sluice-system/sluice-leader-election",
            "Deployment sluice-system/sluice",
            "PodDisruptionBudget sluice-system/sluice",
            "Service sluice-system/sluice",
            "ServiceMonitor sluice-system/sluice",
            "PrometheusRule sluice-system/sluice");
    // kubectl apply -k applies in this order: the Namespace and the CRDs before what needs them
    assertThat(Kustomize.id(base.get(0))).isEqualTo("Namespace sluice-system");
    assertThat(base.subList(1, 3))
        .allMatch(o -> o.path("kind").asText().equals("CustomResourceDefinition"));
  }

  @Test
  void theExampleRendersTheHelloworldObjects() {
    assertThat(example.stream().map(Kustomize::id))
        .containsExactlyInAnyOrder(
            "Namespace helloworld",
            "Service helloworld/helloworld",
            "Deployment helloworld/helloworld-v1",
            "Deployment helloworld/helloworld-debug",
            "Deployment helloworld/helloworld-load",
            "DestinationRule helloworld/helloworld",
            "VirtualService helloworld/helloworld",
            "Canary helloworld/helloworld");
    assertThat(Kustomize.id(example.get(0))).isEqualTo("Namespace helloworld");
  }

  @Test
  void everyRenderedObjectParsesIntoItsModelTypeWithoutUnknownFields() {
    List<JsonNode> all = new ArrayList<>(base);
    all.addAll(example);
    all.addAll(Kustomize.objects(EXAMPLE.resolve("helloworld-v2.yaml")));
    for (JsonNode o : all) {
      String type = o.path("apiVersion").asText() + "/" + o.path("kind").asText();
      assertThat(MODEL).as("model type of %s", Kustomize.id(o)).containsKey(type);
      Class<?> expected = MODEL.get(type);
      Object parsed = SERIALIZATION.unmarshal(SERIALIZATION.asJson(o), expected);
      assertThat(parsed).as(Kustomize.id(o)).isInstanceOf(expected);
      assertThat(((HasMetadata) parsed).getMetadata().getName()).isNotBlank();
      if (expected != GenericKubernetesResource.class) {
        assertThat(ModelCheck.unknownFields(parsed))
            .as("fields of %s that %s does not know", Kustomize.id(o), expected.getSimpleName())
            .isEmpty();
      }
      if (expected.getName().startsWith("io.fabric8.kubernetes.api.model.")
          && expected != GenericKubernetesResource.class) {
        // and the client, reading apiVersion and kind by itself, picks that same type
        Object generic = SERIALIZATION.unmarshal(SERIALIZATION.asJson(o));
        assertThat(generic).as(Kustomize.id(o)).isInstanceOf(expected);
      }
    }
  }

  // ---- the CRDs ----

  @Test
  void theRenderedCrdsAreTheGeneratedFilesUnchanged() throws IOException {
    List<JsonNode> crds = ofKind(base, "CustomResourceDefinition");
    assertThat(crds).hasSize(2);
    for (JsonNode crd : crds) {
      Path file =
          BASE.resolve("crds").resolve(crd.path("metadata").path("name").asText() + "-v1.yml");
      assertThat(file).exists();
      // kustomize re-serialises YAML (quotes, line folding, 1000.0 written as 1000), so the text
      // differs; the content may not
      assertThat(TreeDiff.differences(YAML.readTree(file.toFile()), crd))
          .as("where the rendered CRD differs from %s", file)
          .isEmpty();
    }
    // referenced where they are generated, never copied
    try (Stream<Path> files = Files.walk(BASE)) {
      assertThat(
              files
                  .filter(Files::isRegularFile)
                  .filter(p -> !p.startsWith(BASE.resolve("crds")))
                  .filter(p -> p.toString().matches(".*\\.ya?ml"))
                  .filter(p -> read(p).contains("kind: CustomResourceDefinition")))
          .as("CRD copies outside deploy/crds")
          .isEmpty();
    }
  }

  // ---- the daemon's Deployment ----

  @Test
  void theDaemonRunsTwoLockedDownReplicas() throws IOException {
    Deployment d = one(base, Deployment.class);
    assertThat(d.getMetadata().getNamespace()).isEqualTo(NS);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName())
        .isEqualTo(one(base, ServiceAccount.class).getMetadata().getName());
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

    assertThat(pod.getContainers()).hasSize(1);
    Container c = pod.getContainers().get(0);
    assertThat(c.getImage())
        .as("the image set by deploy/kustomization.yaml `images`")
        .isEqualTo("sluice:latest");
    var sc = c.getSecurityContext();
    assertThat(sc.getRunAsNonRoot()).isNotEqualTo(Boolean.FALSE);
    assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

    // the image's user (src/main/docker/Dockerfile.jvm) is the one the pod runs as
    Matcher user =
        Pattern.compile("(?m)^USER (\\d+)")
            .matcher(Files.readString(Path.of("src/main/docker/Dockerfile.jvm")));
    assertThat(user.find()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(Long.parseLong(user.group(1)));

    // the only writable place is /tmp, an emptyDir
    assertThat(c.getVolumeMounts())
        .singleElement()
        .satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    String tmp = c.getVolumeMounts().get(0).getName();
    assertThat(pod.getVolumes())
        .anySatisfy(
            v -> {
              assertThat(v.getName()).isEqualTo(tmp);
              assertThat(v.getEmptyDir()).isNotNull();
            });

    assertThat(c.getPorts())
        .anySatisfy(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getContainerPort()).isEqualTo(8080);
            });
    assertProbe(c, c.getReadinessProbe().getHttpGet(), "/q/health/ready");
    assertProbe(c, c.getLivenessProbe().getHttpGet(), "/q/health/live");

    Map<String, Quantity> requests = c.getResources().getRequests();
    Map<String, Quantity> limits = c.getResources().getLimits();
    for (String r : List.of("cpu", "memory")) {
      assertThat(requests).as("requests").containsKey(r);
      assertThat(limits).as("limits").containsKey(r);
      assertThat(limits.get(r).getNumericalAmount())
          .as("%s limit >= request", r)
          .isGreaterThanOrEqualTo(requests.get(r).getNumericalAmount());
    }
  }

  private static void assertProbe(Container c, HTTPGetAction get, String path) {
    assertThat(get.getPath()).isEqualTo(path);
    Object port =
        get.getPort().getIntVal() != null ? get.getPort().getIntVal() : get.getPort().getStrVal();
    assertThat(c.getPorts())
        .as("probe port %s", port)
        .anySatisfy(p -> assertThat(port).isIn(p.getName(), p.getContainerPort()));
    assertThat(
            c.getPorts().stream()
                .filter(p -> port.equals(p.getName()) || port.equals(p.getContainerPort())))
        .allSatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(8080));
  }

  @Test
  void theDaemonGetsItsSettingsFromTheEnvironment() {
    Container c =
        one(base, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, EnvVar> env =
        c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    assertThat(env.get("SLUICE_PROMETHEUS_URL").getValue()).startsWith("http");
    assertThat(env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.name");
    var token = env.get("SLUICE_API_TOKEN").getValueFrom().getSecretKeyRef();
    assertThat(token.getName()).isEqualTo("sluice-api-token");
    assertThat(token.getKey()).isEqualTo("token");
    assertThat(token.getOptional()).isTrue();
    // daemon-wide notification URLs: each from the optional Secret sluice-notifications
    for (String sink : List.of("slack", "teams", "cloudevents")) {
      var url =
          env.get("SLUICE_NOTIFICATIONS_" + sink.toUpperCase(java.util.Locale.ROOT) + "_URL")
              .getValueFrom()
              .getSecretKeyRef();
      assertThat(url.getName()).isEqualTo("sluice-notifications");
      assertThat(url.getKey()).isEqualTo(sink + "-url");
      assertThat(url.getOptional()).isTrue();
    }
    // what the sandbox and the benchmark run, plus the archive's place in the image
    assertThat(List.of(env.get("JAVA_OPTS").getValue().split(" ")))
        .containsExactlyElementsOf(
            Stream.concat(
                    dev.sluice.testing.DaemonJvm.OPTIONS.stream(),
                    Stream.of("-XX:SharedArchiveFile=/deployments/app-cds.jsa"))
                .toList());
    assertThat(env.get("MALLOC_ARENA_MAX").getValue()).isEqualTo("2");
  }

  @Test
  void theServiceAndServiceMonitorReachTheDaemonsHttpPort() {
    Deployment d = one(base, Deployment.class);
    Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
    Service svc = one(base, Service.class);
    assertThat(podLabels).containsAllEntriesOf(svc.getSpec().getSelector());
    assertThat(svc.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getPort()).isEqualTo(8080);
              assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
            });

    JsonNode monitor = ofKind(base, "ServiceMonitor").get(0);
    JsonNode spec = monitor.path("spec");
    Map<String, String> selector =
        YAML.convertValue(spec.path("selector").path("matchLabels"), Map.class);
    assertThat(svc.getMetadata().getLabels()).containsAllEntriesOf(selector);
    assertThat(spec.path("namespaceSelector").path("matchNames").get(0).asText()).isEqualTo(NS);
    JsonNode endpoint = spec.path("endpoints").get(0);
    assertThat(endpoint.path("port").asText()).isEqualTo("http");
    assertThat(endpoint.path("path").asText()).isEqualTo("/q/metrics");
    // Sluice's own `namespace` label (the Canary's) must survive the scrape
    assertThat(endpoint.path("honorLabels").asBoolean()).isTrue();

    PodDisruptionBudget pdb = one(base, PodDisruptionBudget.class);
    assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
  }

  // ---- RBAC ----

  @Test
  void rbacHasNoWildcardsAndNoVerbSluiceDoesNotUse() {
    for (PolicyRule rule : rules()) {
      assertThat(rule.getApiGroups()).doesNotContain("*");
      assertThat(rule.getResources())
          .isNotEmpty()
          .doesNotContain("*")
          .noneMatch(r -> r.endsWith("/*"));
      assertThat(rule.getVerbs())
          .isNotEmpty()
          .doesNotContain("*", "deletecollection", "escalate", "bind", "impersonate")
          .isSubsetOf("get", "list", "watch", "create", "update", "patch", "delete");
      // the only patch: fabric8's LeaderElector renews the Lease with one (RbacIT records it)
      if (rule.getVerbs().contains("patch")) {
        assertThat(rule.getResources()).containsExactly("leases");
      }
      assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
      assertThat(rule.getResources()).doesNotContain("pods", "configmaps");
      // Secrets: read by name only (a webhook's credentials, a Canary's notification receiver's
      // URL), right before use: never listed or watched
      if (rule.getResources().contains("secrets")) {
        assertThat(rule.getResources()).containsExactly("secrets");
        assertThat(rule.getVerbs()).containsExactly("get");
      }
    }
  }

  @Test
  void rbacBindsTheDaemonsServiceAccountAndLeasesStayInItsNamespace() {
    ServiceAccount sa = one(base, ServiceAccount.class);
    ClusterRoleBinding crb = one(base, ClusterRoleBinding.class);
    assertBinds(
        crb.getRoleRef(),
        crb.getSubjects(),
        "ClusterRole",
        one(base, ClusterRole.class).getMetadata().getName(),
        sa);
    Role role = one(base, Role.class);
    RoleBinding rb = one(base, RoleBinding.class);
    assertBinds(rb.getRoleRef(), rb.getSubjects(), "Role", role.getMetadata().getName(), sa);
    assertThat(role.getMetadata().getNamespace()).isEqualTo(NS);
    assertThat(rb.getMetadata().getNamespace()).isEqualTo(NS);
    assertThat(one(base, Deployment.class).getMetadata().getNamespace())
        .as("the Lease is in the pod's namespace (POD_NAMESPACE)")
        .isEqualTo(NS);
    // Leases only there: the ClusterRole grants none
    assertThat(one(base, ClusterRole.class).getRules())
        .noneMatch(r -> r.getResources().contains("leases"));
  }

  private static void assertBinds(
      RoleRef ref, List<Subject> subjects, String kind, String name, ServiceAccount sa) {
    assertThat(ref.getKind()).isEqualTo(kind);
    assertThat(ref.getName()).isEqualTo(name);
    assertThat(subjects)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo(sa.getMetadata().getName());
              assertThat(s.getNamespace()).isEqualTo(sa.getMetadata().getNamespace());
            });
  }

  @Test
  void rbacIsExactlyWhatDocsRbacMdExplains() throws IOException {
    Map<String, Set<String>> granted = new TreeMap<>();
    for (JsonNode o : base) {
      String kind = o.path("kind").asText();
      if (kind.equals("ClusterRole") || kind.equals("Role")) {
        String role = kind + " " + o.path("metadata").path("name").asText();
        List<PolicyRule> rules =
            kind.equals("Role")
                ? SERIALIZATION.convertValue(o, Role.class).getRules()
                : SERIALIZATION.convertValue(o, ClusterRole.class).getRules();
        for (PolicyRule r : rules) {
          for (String group : r.getApiGroups()) {
            for (String resource : r.getResources()) {
              granted
                  .computeIfAbsent(role + " | " + group + " | " + resource, k -> new TreeSet<>())
                  .addAll(r.getVerbs());
            }
          }
        }
      }
    }
    Map<String, Set<String>> documented = new TreeMap<>();
    Pattern code = Pattern.compile("`([^`]*)`");
    for (String line : Files.readAllLines(Path.of("docs/rbac.md"))) {
      if (!line.startsWith("| ") || line.startsWith("| role") || line.startsWith("| ---")) {
        continue;
      }
      String[] cells = line.split("\\|");
      // cells[0] is empty (the line starts with "|")
      String role = cells[1].trim().split(" ")[0] + " " + first(code, cells[1]);
      String group = first(code, cells[2]).replace("\"", "");
      String resource = first(code, cells[3]);
      Set<String> verbs =
          code.matcher(cells[4])
              .results()
              .map(m -> m.group(1))
              .collect(Collectors.toCollection(TreeSet::new));
      documented.put(role + " | " + group + " | " + resource, verbs);
    }
    assertThat(documented).as("docs/rbac.md table").isNotEmpty();
    assertThat(granted).as("deploy/rbac.yaml vs docs/rbac.md").isEqualTo(documented);
  }

  private static String first(Pattern p, String text) {
    Matcher m = p.matcher(text);
    assertThat(m.find()).as("a `code` value in %s", text).isTrue();
    return m.group(1);
  }

  private static List<PolicyRule> rules() {
    List<PolicyRule> rules = new ArrayList<>(one(base, ClusterRole.class).getRules());
    rules.addAll(one(base, Role.class).getRules());
    return rules;
  }

  // ---- the example ----

  @Test
  void theExamplesIstioObjectsMatchTheIstioSchemas() {
    IstioSchemas.validateVirtualService(ofKind(example, "VirtualService").get(0));
    IstioSchemas.validateDestinationRule(ofKind(example, "DestinationRule").get(0));
  }

  @Test
  void theExampleIsTheGuidesHelloworldReadyForARelease() {
    JsonNode vs = ofKind(example, "VirtualService").get(0);
    JsonNode dr = ofKind(example, "DestinationRule").get(0);
    Canary canary = one(example, Canary.class);
    Service svc = one(example, Service.class);

    assertThat(canary.getSpec().virtualService.name)
        .isEqualTo(vs.path("metadata").path("name").asText());
    assertThat(canary.getSpec().destinationRule.name)
        .isEqualTo(dr.path("metadata").path("name").asText());
    assertThat(svc.getSpec().getSelector())
        .as("the Service selects the app only")
        .isEqualTo(Map.of("app", canary.getSpec().app));

    // v1 and v2: same app, one version each, v2 the newer image
    Deployment v1 = named(example, Deployment.class, "helloworld-v1");
    Deployment v2 =
        SERIALIZATION.convertValue(
            Kustomize.objects(EXAMPLE.resolve("helloworld-v2.yaml")).get(0), Deployment.class);
    for (Deployment d : List.of(v1, v2)) {
      String version = d.getMetadata().getName().substring("helloworld-".length());
      Map<String, String> labels = Map.of("app", canary.getSpec().app, "version", version);
      assertThat(d.getMetadata().getNamespace()).isEqualTo(canary.getMetadata().getNamespace());
      assertThat(d.getSpec().getSelector().getMatchLabels()).isEqualTo(labels);
      assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(labels);
      assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
          .isEqualTo("docker.io/istio/examples-helloworld-" + version);
    }
    // the debug Deployment is labelled as the guide labels every build (version: debug), and
    // its subset selects it by that label: the debug route serves it, so it is never released
    assertThat(
            named(example, Deployment.class, "helloworld-debug")
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getLabels())
        .isEqualTo(Map.of("app", canary.getSpec().app, "version", "debug"));
    assertThat(dr.path("spec").path("subsets"))
        .anySatisfy(
            s -> {
              assertThat(s.path("name").asText()).isEqualTo("debug");
              assertThat(s.path("labels").path("version").asText()).isEqualTo("debug");
            });

    // the DestinationRule has v1's subset; the default route sends 100% to it; a debug route too
    assertThat(dr.path("spec").path("subsets").findValuesAsText("name")).contains("v1");
    JsonNode http = vs.path("spec").path("http");
    JsonNode fallback = null;
    JsonNode debug = null;
    for (JsonNode route : http) {
      if (route.has("match")) {
        debug = route;
      } else if (fallback == null) {
        fallback = route;
      }
    }
    assertThat(fallback).isNotNull();
    assertThat(fallback.path("route"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.path("destination").path("subset").asText()).isEqualTo("v1");
              assertThat(r.path("weight").asInt()).isEqualTo(100);
            });
    assertThat(debug).isNotNull();
    assertThat(debug.path("match").get(0).path("headers").has("my-header")).isTrue();

    // every object in one namespace, which has sidecar injection
    assertThat(example)
        .allSatisfy(
            o -> {
              if (!o.path("kind").asText().equals("Namespace")) {
                assertThat(o.path("metadata").path("namespace").asText()).isEqualTo("helloworld");
              }
            });
    assertThat(one(example, Namespace.class).getMetadata().getLabels())
        .containsEntry("istio-injection", "enabled");
  }

  @Test
  void theExampleCanaryIsValidForTheCrdAndUsesTheBuiltInTemplates() throws IOException {
    JsonNode canary = ofKind(example, "Canary").get(0);
    JsonNode crd =
        base.stream()
            .filter(o -> o.path("metadata").path("name").asText().equals("canaries.sluice.dev"))
            .findFirst()
            .orElseThrow();
    assertThat(CrdSchemas.errors(crd, canary)).as("Canary against its CRD's schema").isEmpty();

    Map<String, Set<String>> builtins = new TreeMap<>();
    try (Stream<Path> files = Files.list(Path.of("analysis-templates"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        JsonNode t = YAML.readTree(f.toFile());
        builtins.put(
            t.path("metadata").path("name").asText(),
            new TreeSet<>(t.path("spec").path("args").findValuesAsText("name")));
      }
    }
    Canary c = SERIALIZATION.convertValue(canary, Canary.class);
    assertThat(c.getSpec().analysis.templates)
        .extracting(t -> t.name)
        .containsExactly("error-rate", "latency-p99");
    for (var ref : c.getSpec().analysis.templates) {
      assertThat(builtins).containsKey(ref.name);
      assertThat(ref.args).allSatisfy(a -> assertThat(builtins.get(ref.name)).contains(a.name));
    }
  }

  // ---- helpers ----

  private static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
  }

  private static <T extends HasMetadata> T one(List<JsonNode> objects, Class<T> type) {
    List<JsonNode> found = ofKind(objects, type.getSimpleName());
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return SERIALIZATION.convertValue(found.get(0), type);
  }

  private static <T extends HasMetadata> T named(
      List<JsonNode> objects, Class<T> type, String name) {
    return ofKind(objects, type.getSimpleName()).stream()
        .filter(o -> o.path("metadata").path("name").asText().equals(name))
        .findFirst()
        .map(o -> SERIALIZATION.convertValue(o, type))
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
