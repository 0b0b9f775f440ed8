package dev.sluice.sandbox;

import static dev.sluice.sandbox.MeshConfigTest.PODS;
import static dev.sluice.sandbox.MeshConfigTest.config;
import static dev.sluice.sandbox.MeshConfigTest.kind;
import static dev.sluice.sandbox.MeshConfigTest.read;
import static dev.sluice.sandbox.MeshConfigTest.withV2Subset;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A release replayed without HTTP, for the tests of the report: simulated sessions (cookie jar,
 * group header) send {@code perVersion} requests through each version of the VirtualService in turn
 * ({@link #then}), routed by the mesh's rules ({@link MeshConfig}), the Set-Cookie of their answers
 * taken back; each version is named {@code helloworld@n} (n from 1) and routed by from {@code n ×
 * 10 s}.
 */
final class ReleaseReplay {
  static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

  final List<GenericKubernetesResource> docs;
  final List<ReleaseStages.Version> versions = new ArrayList<>();
  final Sessions sessions;
  final Random random = new Random(18);
  int n;

  ReleaseReplay(Sessions.Group... groups) throws IOException {
    docs = withV2Subset(read("sandbox/helloworld.yaml"));
    sessions = new Sessions(new Sessions.Profile(10, 6, List.of(groups)));
  }

  GenericKubernetesResource seed() {
    return kind(docs, "VirtualService").get(0);
  }

  ReleaseReplay then(GenericKubernetesResource vs, int perVersion) {
    n++;
    vs.getMetadata().setResourceVersion(Integer.toString(n));
    Instant at = T0.plusSeconds(n * 10L);
    versions.add(
        new ReleaseStages.Version(
            "helloworld@" + n,
            at,
            ScenarioRun.routeWeights(vs, "default"),
            ReleaseStages.sluiceParts(vs, "default")));
    MeshConfig mesh = config(docs, vs, PODS);
    for (int i = 0; i < perVersion; i++) {
      Sessions.Session s = sessions.next();
      Map<String, String> headers = s.headers("/hello", at);
      Map<String, List<String>> request = new java.util.HashMap<>();
      headers.forEach((k, v) -> request.put(k, List.of(v)));
      MeshConfig.Forward f =
          (MeshConfig.Forward)
              mesh.route(
                  "helloworld",
                  new MeshConfig.Request("GET", "/hello", "helloworld", request),
                  random::nextDouble);
      Map<String, List<String>> answer = HeaderOperations.applyAll(f.responseHeaders(), Map.of());
      s.received(
          answer.getOrDefault("set-cookie", List.of()),
          new Sessions.Answer(at, f.version(), 200, f.route(), f.routedBy()),
          at);
    }
    return this;
  }

  ReleaseStages stages() {
    return new ReleaseStages("v2", versions);
  }

  SessionReport report() {
    return new SessionReport(sessions.all(), stages());
  }

  /** Every answer by "version 200", as the load generator counts them. */
  Map<String, Long> answered() {
    Map<String, Long> out = new HashMap<>();
    for (Sessions.Session s : sessions.all()) {
      for (Sessions.Answer a : s.answers()) {
        out.merge(a.version() + " " + a.status(), 1L, Long::sum);
      }
    }
    return out;
  }
}
