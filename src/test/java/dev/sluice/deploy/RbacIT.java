package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import dev.sluice.testing.ApiServer;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.PrometheusStub;
import dev.sluice.testing.SluiceDaemon;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The RBAC rules of {@code deploy/rbac.yaml} against what the daemon really does: the packaged
 * daemon runs releases that go every way (promotion with delete and with scale to zero, a rollback
 * on a failed check, a rollback for an outside change, actions by annotation, leader election), the
 * mock API server records every request it makes, and each request must be allowed by a rule while
 * each verb of each rule must have been used.
 */
class RbacIT {
  private static final String AGENT = "sluice-rbac";

  /** One permission: API group, resource (with subresource, e.g. canaries/status), verb. */
  record Permission(String group, String resource, String verb) implements Comparable<Permission> {
    @Override
    public int compareTo(Permission o) {
      return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
      return (group.isEmpty() ? "core" : group) + " " + resource + " " + verb;
    }
  }

  private static final String CONFLICT =
      new KubernetesSerialization()
          .asJson(
              new StatusBuilder()
                  .withStatus("Failure")
                  .withReason("Conflict")
                  .withCode(409)
                  .withMessage(
                      "the object has been modified; please apply your changes to the latest"
                          + " version")
                  .build());
  private static final Pattern STATUS_OF_PROMOTE =
      Pattern.compile(".*/namespaces/rbac-promote/canaries/[^/?]+/status(\\?.*)?");

  @Test
  void everyCallIsAllowedAndEveryRuleIsUsed() throws Exception {
    Path project = Path.of(System.getProperty("sluice.project.dir", "."));
    Path work = Files.createDirectories(project.resolve("target/rbac-it"));
    PrometheusStub prometheus = new PrometheusStub();
    Map<String, String> promConfig = prometheus.start();
    SluiceDaemon daemon = null;
    // One status write of rbac-promote is answered 409 Conflict, as when someone changes the Canary
    // between the daemon's read and its write: the daemon then reads it again (canaries get).
    // Without it, that read happens only when such a race happens by itself.
    AtomicBoolean conflicted = new AtomicBoolean();
    KubernetesCrudDispatcher dispatcher =
        new KubernetesCrudDispatcher(List.of()) {
          @Override
          public MockResponse handleUpdate(RecordedRequest request) {
            if (STATUS_OF_PROMOTE.matcher(request.getPath()).matches()
                && conflicted.compareAndSet(false, true)) {
              return new MockResponse().setResponseCode(409).setBody(CONFLICT);
            }
            return super.handleUpdate(request);
          }
        };
    try (ApiServer api = new ApiServer(project, dispatcher)) {
      KubernetesClient client = api.client();
      seed(client, "rbac-promote", "1s", null, null);
      seed(client, "rbac-scale", "1s", "scaleToZero", null);
      // a post-rollout webhook with credentials from a Secret (secrets get); its answer does not
      // matter
      client
          .secrets()
          .inNamespace("rbac-rollback")
          .resource(
              new io.fabric8.kubernetes.api.model.SecretBuilder()
                  .withNewMetadata()
                  .withName("report-token")
                  .endMetadata()
                  .withStringData(Map.of("token", "t"))
                  .build())
          .create();
      seed(
          client,
          "rbac-rollback",
          "1s",
          null,
          Map.of(
              "name",
              "report",
              "type",
              "post-rollout",
              "url",
              promConfig.get("sluice.prometheus.url") + "/release-report",
              "secretRef",
              Map.of("name", "report-token")));
      seed(client, "rbac-reset", "5s", null, null);
      seed(client, "rbac-action", "5s", null, null);
      for (String ns : List.of("rbac-promote", "rbac-scale", "rbac-reset", "rbac-action")) {
        PrometheusStub.canary(ns, 0.0, 100, 500);
      }
      PrometheusStub.canary("rbac-rollback", 0.5, 100, 500);
      api.takeRequests();
      daemon =
          SluiceDaemon.launch(
                  project,
                  api.url(),
                  URI.create(promConfig.get("sluice.prometheus.url")),
                  work,
                  work.resolve("sluice.log"),
                  Map.of(
                      "KUBERNETES_USER_AGENT", AGENT,
                      "SLUICE_INSTANCE", AGENT,
                      "SLUICE_LEADER_ELECTION_NAMESPACE", "sluice-system",
                      "SLUICE_PROMETHEUS_RETRY_MAX_RETRIES", "1",
                      "SLUICE_PROMETHEUS_CIRCUIT_BREAKER_REQUEST_VOLUME", "100000"))
              .awaitReady();
      for (String ns :
          List.of("rbac-promote", "rbac-scale", "rbac-rollback", "rbac-reset", "rbac-action")) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> "v1".equals(status(client, ns).stableVersion));
        Fixtures.apply(client, ns, "scenarios/helloworld-v2.yaml");
      }
      awaitPhase(client, "rbac-promote", "Succeeded", 90);
      awaitPhase(client, "rbac-scale", "Succeeded", 90);
      awaitPhase(client, "rbac-rollback", "RolledBack", 90);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> !status(client, "rbac-rollback").webhooks.isEmpty());

      // an outside writer takes the canary out of the route mid-release
      awaitPhase(client, "rbac-reset", "Progressing", 60);
      resetRoute(client, "rbac-reset");
      awaitPhase(client, "rbac-reset", "RolledBack", 60);

      // a person pauses, then aborts, with kubectl annotate
      awaitPhase(client, "rbac-action", "Progressing", 60);
      annotate(client, "rbac-action", "pause");
      awaitPhase(client, "rbac-action", "Paused", 60);
      annotate(client, "rbac-action", "abort");
      awaitPhase(client, "rbac-action", "RolledBack", 60);
      Thread.sleep(3000); // a few lease renewals

      Set<Permission> used = new TreeSet<>();
      Set<String> other = new TreeSet<>();
      for (RecordedRequest r : api.takeRequests()) {
        if (!AGENT.equals(r.getHeader("User-Agent"))) {
          continue;
        }
        Permission p = permission(r);
        if (p == null) {
          other.add(r.getMethod() + " " + r.getPath());
        } else {
          used.add(p);
        }
      }
      Set<Permission> granted = granted(client, project.resolve("deploy/rbac.yaml"));
      System.out.println("RbacIT: calls the daemon made: " + used);
      assertThat(other).as("calls to paths that are not resources").isEmpty();
      assertThat(used).as("every call is allowed by deploy/rbac.yaml").isSubsetOf(granted);
      assertThat(conflicted).as("the conflict was answered").isTrue();
      assertThat(granted).as("every rule of deploy/rbac.yaml is used").isSubsetOf(used);
    } finally {
      if (daemon != null) {
        daemon.close();
      }
      prometheus.stop();
    }
  }

  private static void seed(
      KubernetesClient client,
      String ns,
      String interval,
      String retirement,
      Map<String, Object> webhook) {
    Fixtures.seedHelloworld(
        client,
        ns,
        spec -> {
          spec.put("interval", interval);
          if (retirement != null) {
            spec.put("retirement", retirement);
          }
          if (webhook != null) {
            spec.put("webhooks", List.of(webhook));
          }
          if (ns.equals("rbac-rollback")) {
            // a notification receiver of its own: its URL is read from a Secret (secrets get;
            // the Secret need not exist for the call to be made)
            spec.put(
                "notifications",
                List.of(
                    Map.of(
                        "type", "slack", "secretRef", Map.of("name", "rbac-hooks", "key", "url"))));
          }
        });
  }

  private static CanaryStatus status(KubernetesClient client, String ns) {
    return Fixtures.status(client, ns);
  }

  private static void awaitPhase(KubernetesClient client, String ns, String phase, int seconds) {
    await().atMost(Duration.ofSeconds(seconds)).until(() -> phase.equals(status(client, ns).phase));
  }

  @SuppressWarnings("unchecked")
  private static void resetRoute(KubernetesClient client, String ns) {
    GenericKubernetesResource vs = Fixtures.virtualService(client, ns);
    Map<String, Object> spec = (Map<String, Object>) vs.getAdditionalProperties().get("spec");
    for (Map<String, Object> route : (List<Map<String, Object>>) spec.get("http")) {
      if ("default".equals(route.get("name"))) {
        List<Map<String, Object>> dests = (List<Map<String, Object>>) route.get("route");
        List<Map<String, Object>> kept = new ArrayList<>();
        for (Map<String, Object> d : dests) {
          if ("v1".equals(((Map<String, Object>) d.get("destination")).get("subset"))) {
            d.put("weight", 100);
            kept.add(d);
          }
        }
        route.put("route", kept);
      }
    }
    client
        .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
        .inNamespace(ns)
        .resource(vs)
        .update();
  }

  private static void annotate(KubernetesClient client, String ns, String action) {
    Canary c = client.resources(Canary.class).inNamespace(ns).withName("helloworld").get();
    if (c.getMetadata().getAnnotations() == null) {
      c.getMetadata().setAnnotations(new java.util.HashMap<>());
    }
    c.getMetadata().getAnnotations().put("sluice.dev/action", action);
    client.resources(Canary.class).inNamespace(ns).resource(c).update();
  }

  private static final Pattern CORE =
      Pattern.compile("^/api/v1/(?:namespaces/[^/]+/)?([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?");
  private static final Pattern GROUP =
      Pattern.compile(
          "^/apis/([^/]+)/[^/]+/(?:namespaces/[^/]+/)?([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?");

  /** What permission a request needs, as the API server's authorizer sees it. */
  static Permission permission(RecordedRequest r) {
    String path = r.getPath();
    String group;
    String resource;
    String name;
    String sub;
    Matcher m;
    if ((m = CORE.matcher(path)).find()) {
      group = "";
      resource = m.group(1);
      name = m.group(2);
      sub = m.group(3);
    } else if ((m = GROUP.matcher(path)).find()) {
      group = m.group(1);
      resource = m.group(2);
      name = m.group(3);
      sub = m.group(4);
    } else {
      return null;
    }
    String verb =
        switch (r.getMethod()) {
          case "GET" -> name != null ? "get" : path.contains("watch=true") ? "watch" : "list";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> name != null ? "delete" : "deletecollection";
          default -> r.getMethod().toLowerCase();
        };
    return new Permission(group, sub == null ? resource : resource + "/" + sub, verb);
  }

  /** Every (group, resource, verb) the ClusterRole and Role of the file grant. */
  @SuppressWarnings("unchecked")
  static Set<Permission> granted(KubernetesClient client, Path rbac) throws Exception {
    Set<Permission> out = new TreeSet<>();
    try (InputStream in = Files.newInputStream(rbac)) {
      for (HasMetadata o : client.load(in).items()) {
        if (!(o.getKind().equals("ClusterRole") || o.getKind().equals("Role"))) {
          continue;
        }
        List<Map<String, Object>> rules =
            (List<Map<String, Object>>)
                client.getKubernetesSerialization().convertValue(o, Map.class).get("rules");
        for (Map<String, Object> rule : rules) {
          for (String g : (List<String>) rule.get("apiGroups")) {
            for (String res : (List<String>) rule.get("resources")) {
              for (String v : (List<String>) rule.get("verbs")) {
                out.add(new Permission(g, res, v));
              }
            }
          }
        }
      }
    }
    return out;
  }
}
