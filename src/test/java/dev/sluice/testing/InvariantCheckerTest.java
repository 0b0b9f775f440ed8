package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.testing.InvariantChecker.Report;
import dev.sluice.testing.InvariantChecker.Version;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The invariant checker must catch what it is there to catch, or its "0 violations" proves nothing:
 * a good release history passes, and each bad history (a hand-made sequence of stored versions, as
 * the watches would record them) gives exactly the violation it contains.
 */
class InvariantCheckerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STARTED = "2030-01-01T00:00:00Z";

  /** A history under construction: versions get increasing resourceVersions. */
  private static final class H {
    final List<Version> versions = new ArrayList<>();
    long rv = 100;
    UnaryOperator<ObjectNode> edit = c -> c;

    H add(String kind, String action, JsonNode o, boolean external) {
      ((ObjectNode) o.path("metadata")).put("resourceVersion", Long.toString(++rv));
      versions.add(new Version(kind, action, rv, o, external));
      return this;
    }

    H vs(String... weights) {
      return add("VirtualService", "MODIFIED", vsWith(weights), false);
    }

    H dr(String... subsets) {
      return add("DestinationRule", "MODIFIED", drWith(subsets), false);
    }

    /** A write of Sluice's: this version of the VirtualService. */
    H write(ObjectNode vs) {
      return add("VirtualService", "MODIFIED", vs, false);
    }

    H canary(String phase, int step, int weight, String... outcomes) {
      return add(
          "Canary", "MODIFIED", edit.apply(canaryWith(phase, "v1", step, weight, outcomes)), false);
    }

    H rolledBack() {
      return add("Canary", "MODIFIED", edit.apply(canaryWith("RolledBack", "v1", -1, 0)), false);
    }

    /** The seed: v1 serving, the debug route, v2 ready, a Canary that adopted v1. */
    static H seed() {
      return seed(c -> c);
    }

    /** The seed, with every version of the Canary edited so (its spec). */
    static H seed(UnaryOperator<ObjectNode> edit) {
      H h = new H();
      h.edit = edit;
      h.add("Deployment", "ADDED", deployment("v1", 2), true);
      h.add("DestinationRule", "ADDED", drWith("v1", "debug"), true);
      h.add("VirtualService", "ADDED", vsWith("v1=100"), true);
      h.add("Canary", "ADDED", edit.apply(canaryWith("Idle", "v1", -1, 0)), true);
      h.add("Deployment", "ADDED", deployment("v2", 2), true);
      return h;
    }

    /** A release of v2 through steps 10 and 20, up to the 20% step. */
    H upTo20() {
      canary("Initializing", -1, 0);
      dr("v1", "debug", "v2");
      vs("v1=100", "v2=0");
      canary("Progressing", 0, 10);
      vs("v1=90", "v2=10");
      canary("Progressing", 1, 20, "PASS", "PASS");
      vs("v1=80", "v2=20");
      return this;
    }

    H promoted() {
      canary("Finalizing", 1, 20, "PASS", "PASS");
      vs("v2=100");
      dr("debug", "v2");
      add("Deployment", "DELETED", deployment("v1", 2), false);
      add("Canary", "MODIFIED", edit.apply(canaryWith("Succeeded", "v2", -1, 0)), false);
      return this;
    }

    Report check() {
      return InvariantChecker.check(versions);
    }
  }

  private static ObjectNode vsWith(String... weights) {
    ObjectNode vs = JSON.createObjectNode();
    vs.put("apiVersion", "networking.istio.io/v1").put("kind", "VirtualService");
    vs.putObject("metadata").put("name", "helloworld").put("namespace", "t");
    ObjectNode spec = vs.putObject("spec");
    spec.putArray("hosts").add("helloworld");
    ArrayNode http = spec.putArray("http");
    ObjectNode debug = http.addObject().put("name", "debug");
    debug
        .putArray("match")
        .addObject()
        .putObject("headers")
        .putObject("my-header")
        .put("regex", ".*debug.*");
    debug
        .putArray("route")
        .addObject()
        .putObject("destination")
        .put("host", "helloworld")
        .put("subset", "debug");
    ObjectNode def = http.addObject().put("name", "default");
    ArrayNode route = def.putArray("route");
    for (String w : weights) {
      String[] p = w.split("=");
      ObjectNode e = route.addObject();
      e.putObject("destination").put("host", "helloworld").put("subset", p[0]);
      if (p[1].contains(".")) {
        e.put("weight", Double.parseDouble(p[1]));
      } else {
        e.put("weight", Integer.parseInt(p[1]));
      }
    }
    def.putObject("retries").put("attempts", 3);
    return vs;
  }

  private static ObjectNode drWith(String... subsets) {
    ObjectNode dr = JSON.createObjectNode();
    dr.put("apiVersion", "networking.istio.io/v1").put("kind", "DestinationRule");
    dr.putObject("metadata").put("name", "helloworld").put("namespace", "t");
    ArrayNode list = dr.putObject("spec").put("host", "helloworld").putArray("subsets");
    for (String s : subsets) {
      list.addObject()
          .put("name", s)
          .putObject("labels")
          .put("version", s.equals("debug") ? "v1" : s);
    }
    return dr;
  }

  private static ObjectNode deployment(String version, int ready) {
    ObjectNode d = JSON.createObjectNode();
    d.put("apiVersion", "apps/v1").put("kind", "Deployment");
    d.putObject("metadata")
        .put("name", "helloworld-" + version)
        .put("namespace", "t")
        .putObject("labels")
        .put("app", "helloworld")
        .put("version", version);
    d.putObject("status").put("readyReplicas", ready);
    return d;
  }

  private static ObjectNode canaryWith(
      String phase, String stable, int step, int weight, String... outcomes) {
    ObjectNode c = JSON.createObjectNode();
    c.put("apiVersion", "sluice.dev/v1alpha1").put("kind", "Canary");
    c.putObject("metadata").put("name", "helloworld").put("namespace", "t");
    ObjectNode spec = c.putObject("spec").put("app", "helloworld");
    spec.putObject("virtualService").put("name", "helloworld");
    spec.putObject("destinationRule").put("name", "helloworld");
    spec.putArray("steps").add(10).add(20);
    ObjectNode st = c.putObject("status").put("phase", phase).put("stableVersion", stable);
    if (!phase.equals("Idle")) {
      st.put("canaryVersion", "v2").put("releaseStartedAt", STARTED);
    }
    st.put("step", step).put("weight", weight);
    if (outcomes.length > 0) {
      st.put("lastEvaluationAt", "2030-01-01T00:01:00Z");
      ArrayNode ms = st.putArray("measurements");
      for (String o : outcomes) {
        ms.addObject().put("check", "error-rate/error-ratio").put("outcome", o);
      }
    }
    return c;
  }

  @Test
  void aCleanPromotionHasNoViolation() {
    Report r = H.seed().upTo20().promoted().check();

    assertThat(r.violations()).isEmpty();
    assertThat(r.releasesStarted()).isEqualTo(1);
    assertThat(r.promoted()).isEqualTo(1);
    assertThat(r.releasesLost()).isZero();
    assertThat(r.routeWrites()).isEqualTo(4);
    assertThat(r.routeWritesByRelease().values())
        .containsExactly(
            List.of(
                List.of("v1=100", "v2=0"),
                List.of("v1=90", "v2=10"),
                List.of("v1=80", "v2=20"),
                List.of("v2=100")));
  }

  /** The Canary as canaryWith, listing a gateway's VirtualService in gw beside the mesh's. */
  private static ObjectNode lockstep(ObjectNode canary) {
    ObjectNode spec = (ObjectNode) canary.get("spec");
    spec.remove("virtualService");
    ArrayNode list = spec.putArray("virtualServices");
    list.addObject().put("name", "public").put("namespace", "gw");
    list.addObject().put("name", "helloworld");
    return canary;
  }

  /** The gateway's VirtualService in gw: one route, by FQDN, to these weights; a tcp route too. */
  private static ObjectNode gatewayWith(String... weights) {
    ObjectNode vs = JSON.createObjectNode();
    vs.put("apiVersion", "networking.istio.io/v1").put("kind", "VirtualService");
    vs.putObject("metadata").put("name", "public").put("namespace", "gw");
    ObjectNode spec = vs.putObject("spec");
    spec.putArray("hosts").add("hello.example.com");
    spec.putArray("gateways").add("gw/public");
    ArrayNode route = spec.putArray("http").addObject().putArray("route");
    for (String w : weights) {
      String[] p = w.split("=");
      route
          .addObject()
          .put("weight", Integer.parseInt(p[1]))
          .putObject("destination")
          .put("host", "helloworld.t.svc.cluster.local")
          .put("subset", p[0]);
    }
    spec.putArray("tcp")
        .addObject()
        .putArray("route")
        .addObject()
        .putObject("destination")
        .put("host", "helloworld.t.svc.cluster.local")
        .put("subset", "v1");
    return vs;
  }

  /** A release of v2 to 20% with the gateway's route written after the mesh's at each step. */
  private static H lockstepTo20() {
    H h = new H();
    h.add("Deployment", "ADDED", deployment("v1", 2), true);
    h.add("DestinationRule", "ADDED", drWith("v1", "debug"), true);
    h.add("VirtualService", "ADDED", vsWith("v1=100"), true);
    h.add("VirtualService", "ADDED", gatewayWith("v1=100"), true);
    h.add("Canary", "ADDED", lockstep(canaryWith("Idle", "v1", -1, 0)), true);
    h.add("Deployment", "ADDED", deployment("v2", 2), true);
    h.add("Canary", "MODIFIED", lockstep(canaryWith("Initializing", "v1", -1, 0)), false);
    h.dr("v1", "debug", "v2");
    h.vs("v1=100", "v2=0");
    h.add("VirtualService", "MODIFIED", gatewayWith("v1=100", "v2=0"), false);
    h.add("Canary", "MODIFIED", lockstep(canaryWith("Progressing", "v1", 0, 10)), false);
    h.vs("v1=90", "v2=10");
    h.add("VirtualService", "MODIFIED", gatewayWith("v1=90", "v2=10"), false);
    h.add(
        "Canary",
        "MODIFIED",
        lockstep(canaryWith("Progressing", "v1", 1, 20, "PASS", "PASS")),
        false);
    h.vs("v1=80", "v2=20");
    h.add("VirtualService", "MODIFIED", gatewayWith("v1=80", "v2=20"), false);
    return h;
  }

  @Test
  void twoVirtualServicesInLockstepRolledBackOneWriteEachHaveNoViolation() {
    H h = lockstepTo20();
    h.vs("v1=100");
    h.add("VirtualService", "MODIFIED", gatewayWith("v1=100"), false);
    h.add("Canary", "MODIFIED", lockstep(canaryWith("RolledBack", "v1", -1, 0, "FAIL")), false);
    Report r = h.check();
    assertThat(r.violations()).isEmpty();
    assertThat(r.routeWrites()).isEqualTo(8);
  }

  @Test
  void aGatewayRouteLeftAtTheCanaryWhenRolledBackIsRecordedIsAViolation() {
    H h = lockstepTo20();
    h.vs("v1=100");
    h.add("Canary", "MODIFIED", lockstep(canaryWith("RolledBack", "v1", -1, 0, "FAIL")), false);
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains("RolledBack recorded while the managed route of gw/public is")
                    .contains("v2=20"));
  }

  @Test
  void aGatewayRouteAheadOfTheRecordedStepOrAnotherRouteTouchedIsAViolation() {
    H h = lockstepTo20();
    h.add("VirtualService", "MODIFIED", gatewayWith("v1=70", "v2=30"), false);
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v).contains("gw/public").contains("is not the one the status recorded"));

    H other = lockstepTo20();
    ObjectNode touched = gatewayWith("v1=80", "v2=20");
    ((ObjectNode) touched.path("spec").path("tcp").get(0).path("route").get(0).path("destination"))
        .put("subset", "v2");
    other.add("VirtualService", "MODIFIED", touched, false);
    assertThat(other.check().violations())
        .anySatisfy(v -> assertThat(v).contains("changed more than the managed routes"));
  }

  @Test
  void aCleanRollbackHasNoViolation() {
    H h = H.seed().upTo20();
    h.vs("v1=100");
    h.add("Canary", "MODIFIED", canaryWith("RolledBack", "v1", -1, 0, "FAIL"), false);
    h.dr("v1", "debug");

    Report r = h.check();
    assertThat(r.violations()).isEmpty();
    assertThat(r.rolledBack()).isEqualTo(1);
  }

  @Test
  void weightsThatDoNotSumTo100() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", 0, 10).vs("v1=100", "v2=10");
    assertThat(h.check().violations()).anySatisfy(v -> assertThat(v).contains("sum to 110"));
  }

  @Test
  void aWeightThatIsNotAnInteger() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", 0, 10).vs("v1=89.5", "v2=10.5");
    assertThat(h.check().violations()).anySatisfy(v -> assertThat(v).contains("not an integer"));
  }

  @Test
  void aRouteToASubsetTheDestinationRuleDoesNotHaveYetIsFoundByResourceVersionNotArrival() {
    H h = H.seed();
    h.canary("Initializing", -1, 0);
    h.vs("v1=100", "v2=0"); // the route write comes first on the server...
    h.dr("v1", "debug", "v2");
    h.canary("Progressing", 0, 10).vs("v1=90", "v2=10").canary("Progressing", 1, 20, "PASS");
    h.vs("v1=80", "v2=20").promoted();
    // ...while the watches delivered the DestinationRule first: arrival order would hide it
    List<Version> arrival = new ArrayList<>(h.versions);
    Collections.swap(arrival, 6, 7);
    assertThat(arrival.get(6).kind()).isEqualTo("DestinationRule");

    assertThat(InvariantChecker.check(arrival).violations())
        .singleElement()
        .satisfies(v -> assertThat(v).contains("reference subsets [v2]"));
  }

  @Test
  void aSubsetRemovedWhileARouteStillUsesIt() {
    H h = H.seed().upTo20();
    h.dr("debug", "v2"); // v1 still has 80%
    assertThat(h.check().violations())
        .anySatisfy(
            v -> assertThat(v).contains("subsets [v1] removed while a route references them"));
  }

  @Test
  void anotherRouteChangedBySluice() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2");
    ObjectNode vs = vsWith("v1=100", "v2=0");
    ((ObjectNode) vs.path("spec").path("http").get(0)).put("timeout", "1s");
    h.add("VirtualService", "MODIFIED", vs, false);
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains("changed more than the managed route")
                    .contains("/spec/http/0/timeout"));
  }

  @Test
  void anotherWritersChangeThatSluicesNextWriteReverts() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    ObjectNode edited = vsWith("v1=100", "v2=0");
    ((ObjectNode) edited.path("spec").path("http").get(0)).put("timeout", "9s");
    h.add("VirtualService", "MODIFIED", edited, true); // GitOps edits the debug route: fine
    h.canary("Progressing", 0, 10).vs("v1=90", "v2=10"); // Sluice writes from a stale copy
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v).contains("/spec/http/0/timeout").contains("\"9s\" -> null"));
  }

  @Test
  void aWeightIncreaseWithoutAPassingEvaluation() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", 0, 10).vs("v1=90", "v2=10");
    h.canary("Progressing", 1, 20, "PASS", "INCONCLUSIVE").vs("v1=80", "v2=20");
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v).contains("rose from 10 to 20 without a passing evaluation"));
  }

  @Test
  void aRouteWriteAheadOfTheRecordedWeight() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", 0, 10).vs("v1=80", "v2=20");
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v).contains("not the one the status recorded"));
  }

  @Test
  void aSkippedStep() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.add("Canary", "MODIFIED", canaryWith("Progressing", "v1", 1, 20, "PASS"), false);
    h.vs("v1=80", "v2=20");
    assertThat(h.check().violations()).anySatisfy(v -> assertThat(v).contains("step skipped"));
  }

  @Test
  void aRollbackInTwoWrites() {
    H h = H.seed().upTo20();
    h.vs("v1=100");
    h.vs("v1=100", "v2=0");
    h.add("Canary", "MODIFIED", canaryWith("RolledBack", "v1", -1, 0, "FAIL"), false);
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains("the rollback took 2 writes of VirtualService t/helloworld"));
  }

  @Test
  void aRollbackRecordedWhileTheCanaryStillHasTraffic() {
    H h = H.seed().upTo20();
    h.add("Canary", "MODIFIED", canaryWith("RolledBack", "v1", -1, 0, "FAIL"), false);
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "RolledBack recorded while the managed route of t/helloworld is"
                            + " {v1=80, v2=20}"));
  }

  @Test
  void theCanaryTakenOutWhileTheReleaseGoesOn() {
    H h = H.seed().upTo20();
    h.vs("v1=100");
    h.canary("Progressing", 1, 20, "PASS");
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v).contains("yet the release went on"));
  }

  @Test
  void aReleaseThatNeverEndsIsLost() {
    Report r = H.seed().upTo20().check();
    assertThat(r.violations())
        .anySatisfy(v -> assertThat(v).contains("did not end (phase Progressing)"));
    assertThat(r.releasesLost()).isEqualTo(1);
  }

  @Test
  void trafficToADeploymentThatIsNotReady() {
    H h = H.seed();
    h.add("Deployment", "MODIFIED", deployment("v2", 0), true);
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", 0, 10).vs("v1=90", "v2=10");
    assertThat(h.check().violations())
        .anySatisfy(
            v -> assertThat(v).contains("subset v2 got traffic without a ready Deployment"));
  }

  @Test
  void aRouteWriteOutsideARelease() {
    H h = H.seed();
    h.vs("v1=90", "debug=10");
    assertThat(h.check().violations())
        .anySatisfy(v -> assertThat(v).contains("route written outside a release"));
  }

  /**
   * A gateway's VirtualService in namespace gw sending /hello to {@code subset} of helloworld.t.
   */
  private static ObjectNode gateway(String subset) {
    ObjectNode vs = JSON.createObjectNode();
    vs.put("apiVersion", "networking.istio.io/v1").put("kind", "VirtualService");
    vs.putObject("metadata").put("name", "helloworld-gateway").put("namespace", "gw");
    ObjectNode spec = vs.putObject("spec");
    spec.putArray("hosts").add("hello.example.com");
    spec.putArray("http")
        .addObject()
        .put("name", "public")
        .putArray("route")
        .addObject()
        .putObject("destination")
        .put("host", "helloworld.t.svc.cluster.local")
        .put("subset", subset);
    return vs;
  }

  @Test
  void aReleaseOfAVersionAnotherVirtualServiceServesIsCaught() {
    H h = H.seed();
    h.add("VirtualService", "ADDED", gateway("v2"), true);
    h.upTo20().promoted();
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains("a release of v2 started by itself while")
                    .contains("gw/helloworld-gateway http[0]"));
  }

  @Test
  void retiringWhatAGatewayStillRoutesToIsCaught() {
    H h = H.seed();
    h.add("VirtualService", "ADDED", gateway("v1"), true);
    h.upTo20().promoted();
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .startsWith("DestinationRule t/helloworld")
                    .contains("subset v1 removed while [gw/helloworld-gateway http[0]]"))
        .anySatisfy(
            v ->
                assertThat(v)
                    .startsWith("Deployment t/helloworld-v1")
                    .contains("deleted while [gw/helloworld-gateway http[0]] route to subset v1"));
  }

  @Test
  void twoCanariesReleasingTheSameAppAtOnceAreCaught() {
    H h = H.seed();
    ObjectNode copy = canaryWith("Idle", "v1", -1, 0);
    ((ObjectNode) copy.path("metadata")).put("name", "helloworld-copy");
    h.add("Canary", "ADDED", copy, true);
    h.canary("Initializing", -1, 0);
    ObjectNode copyReleasing = canaryWith("Initializing", "v1", -1, 0);
    ((ObjectNode) copyReleasing.path("metadata")).put("name", "helloworld-copy");
    h.add("Canary", "MODIFIED", copyReleasing, false);
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "releases while Canary helloworld (Initializing) releases the same app"));
  }

  // ---- issue 18: what a release adds besides the weights ---------------------------------------

  private static final String OWNED = "sluice/t/helloworld/";

  /** The managed route of a VirtualService built by vsWith: the last, "default". */
  private static ObjectNode managed(ObjectNode vs) {
    ArrayNode http = (ArrayNode) vs.path("spec").path("http");
    return (ObjectNode) http.get(http.size() - 1);
  }

  /**
   * {@code vs} with routes of the Canary t/helloworld inserted before the managed route, each given
   * as purpose=subset: match on the x-canary header (purpose match) or on Sluice's cookie.
   */
  private static ObjectNode withOwned(ObjectNode vs, String... purposeSubsets) {
    ArrayNode http = (ArrayNode) vs.path("spec").path("http");
    int at = http.size() - 1;
    for (String ps : purposeSubsets) {
      String[] p = ps.split("=");
      http.insert(at++, ownedRoute(OWNED + p[0], p[1]));
    }
    return vs;
  }

  private static ObjectNode ownedRoute(String name, String subset) {
    ObjectNode r = JSON.createObjectNode().put("name", name);
    ObjectNode headers = r.putArray("match").addObject().putObject("headers");
    if (name.endsWith("/match")) {
      headers.putObject("x-canary").put("exact", "insider");
    } else {
      headers
          .putObject("cookie")
          .put("regex", "^(.*;\\s*)?sluice-session=sluice-" + subset + "-0a1b2c3d(;.*)?$");
    }
    r.putArray("route")
        .addObject()
        .put("weight", 100)
        .putObject("destination")
        .put("host", "helloworld")
        .put("subset", subset);
    r.putObject("retries").put("attempts", 3);
    return r;
  }

  /** The Canary names its route by position: the default route is http[1] beside the debug one. */
  private static ObjectNode byPosition(ObjectNode canary) {
    ((ObjectNode) canary.path("spec").path("virtualService")).put("route", "http[1]");
    return canary;
  }

  @Test
  void aPositionalSelectorCountsOnlyRoutesNotNamedSluice() {
    H h = H.seed(InvariantCheckerTest::byPosition);
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", 0, 10);
    h.write(withOwned(vsWith("v1=90", "v2=10"), "sticky-canary=v2", "sticky-stable=v1"));
    h.canary("Progressing", 1, 20, "PASS", "PASS");
    h.write(withOwned(vsWith("v1=80", "v2=20"), "sticky-canary=v2", "sticky-stable=v1"));
    h.vs("v1=100").rolledBack();

    Report r = h.check();
    assertThat(r.violations()).isEmpty();
    assertThat(r.routeWritesByRelease().values())
        .containsExactly(
            List.of(
                List.of("v1=100", "v2=0"),
                List.of("v1=90", "v2=10"),
                List.of("v1=80", "v2=20"),
                List.of("v1=100")));
  }

  @Test
  void anotherCanarysRouteIsAnotherRoute() {
    H h = H.seed();
    ObjectNode theirs = vsWith("v1=100");
    ((ArrayNode) theirs.path("spec").path("http"))
        .insert(1, ownedRoute("sluice/t/other/match", "x"));
    h.add("VirtualService", "MODIFIED", theirs, true);
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains("changed more than the managed routes")
                    .contains("sluice/t/other/match"));
  }

  @Test
  void anABStageThenWeightsThenPromotionHasNoViolation() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", -1, 0); // the A/B stage: the canary at 0 but for matching requests
    h.write(withOwned(vsWith("v1=100", "v2=0"), "match=v2"));
    h.canary("Progressing", 0, 10, "PASS", "PASS").vs("v1=90", "v2=10");
    h.canary("Progressing", 1, 20, "PASS", "PASS").vs("v1=80", "v2=20");
    h.promoted();

    Report r = h.check();
    assertThat(r.violations()).isEmpty();
    assertThat(r.promoted()).isEqualTo(1);
    assertThat(r.routeWritesByRelease().values())
        .containsExactly(
            List.of(
                List.of("v1=100", "v2=0"),
                List.of("v1=100", "v2=0"),
                List.of("v1=90", "v2=10"),
                List.of("v1=80", "v2=20"),
                List.of("v2=100")));
  }

  /** A release of v2 up to its A/B stage: the status recorded, the route not yet written. */
  private static H abStage() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    return h.canary("Progressing", -1, 0);
  }

  /** The A/B stage's VirtualService with its match route edited so. */
  private static ObjectNode abRoute(java.util.function.Consumer<ObjectNode> edit) {
    ObjectNode vs = withOwned(vsWith("v1=100", "v2=0"), "match=v2");
    edit.accept((ObjectNode) vs.path("spec").path("http").get(1));
    return vs;
  }

  @Test
  void anOwnedRouteSurvivingARollbackIsAViolation() {
    H h = abStage();
    h.write(withOwned(vsWith("v1=100", "v2=0"), "match=v2"));
    h.write(withOwned(vsWith("v1=100"), "match=v2")).rolledBack();
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .startsWith("VirtualService t/helloworld")
                    .contains(
                        "the write that rolls back (v1=100) leaves Sluice's [route "
                            + OWNED
                            + "match]"))
        .anySatisfy(
            v ->
                assertThat(v)
                    .startsWith("Canary t/helloworld")
                    .contains(
                        "RolledBack recorded while t/helloworld still has Sluice's [route "
                            + OWNED
                            + "match]"));
  }

  @Test
  void anOwnedRouteLeftWhenAnotherWriterResetTheRouteIsAViolationWhenRolledBackIsRecorded() {
    H h = abStage();
    h.write(withOwned(vsWith("v1=100", "v2=0"), "match=v2"));
    // the manifest in Git puts the weights back, and only them; Sluice records the rollback
    h.add("VirtualService", "MODIFIED", withOwned(vsWith("v1=100"), "match=v2"), true);
    h.rolledBack();
    assertThat(h.check().violations())
        .singleElement()
        .satisfies(
            v ->
                assertThat(v)
                    .contains("RolledBack recorded while t/helloworld still has Sluice's [route"));
  }

  @Test
  void anOwnedRouteWrittenOutsideAReleaseIsAViolation() {
    H h = H.seed().upTo20().promoted();
    h.write(withOwned(vsWith("v2=100"), "match=v2"));
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "written outside a release (phase Succeeded) with Sluice's [route "
                            + OWNED
                            + "match]"));
  }

  @Test
  void anOwnedRouteToAThirdSubsetOrAnotherHostOrBesideAnotherDestinationIsAViolation() {
    H third = abStage();
    third.write(
        abRoute(
            r -> ((ObjectNode) r.path("route").get(0).path("destination")).put("subset", "debug")));
    assertThat(third.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "Sluice-owned route "
                            + OWNED
                            + "match sends [debug=100 on helloworld], not v2 alone at weight 100 on"
                            + " the managed route's host [helloworld.t]"));

    H host = abStage();
    host.write(
        abRoute(
            r ->
                ((ObjectNode) r.path("route").get(0).path("destination"))
                    .put("host", "helloworld.other.svc.cluster.local")));
    assertThat(host.check().violations())
        .anySatisfy(v -> assertThat(v).contains("sends [v2=100 on helloworld.other.svc"));

    H split = abStage();
    split.write(
        abRoute(
            r -> {
              ((ObjectNode) r.path("route").get(0)).put("weight", 50);
              r.withArray("route")
                  .addObject()
                  .put("weight", 50)
                  .putObject("destination")
                  .put("host", "helloworld")
                  .put("subset", "v1");
            }));
    assertThat(split.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains("sends [v2=50 on helloworld, v1=50 on helloworld], not v2 alone"));
  }

  @Test
  void aStickyRouteToTheWrongSideIsAViolation() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", 0, 10);
    h.write(withOwned(vsWith("v1=90", "v2=10"), "sticky-canary=v2", "sticky-stable=v2"));
    assertThat(h.check().violations())
        .filteredOn(v -> v.startsWith("VirtualService"))
        .singleElement()
        .satisfies(
            v ->
                assertThat(v)
                    .contains("route " + OWNED + "sticky-stable sends [v2=100")
                    .contains("not v1 alone at weight 100"));
  }

  @Test
  void anOwnedRouteOfAnotherPurposeOrWithoutARestrictingMatchIsAViolation() {
    H purpose = abStage();
    purpose.write(abRoute(r -> r.put("name", OWNED + "everyone")));
    assertThat(purpose.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "route "
                            + OWNED
                            + "everyone has purpose everyone, not one of [match, sticky-canary,"
                            + " sticky-stable]"));

    H none = abStage();
    none.write(abRoute(r -> r.remove("match")));
    assertThat(none.check().violations())
        .anySatisfy(v -> assertThat(v).contains("match has match null, which takes every request"));

    H empty = abStage();
    empty.write(abRoute(r -> r.putArray("match").addObject()));
    assertThat(empty.check().violations())
        .anySatisfy(v -> assertThat(v).contains("match has match [{}], which takes every request"));
  }

  @Test
  void anOwnedRouteAfterTheManagedRouteOrBeforeAnotherIsAViolation() {
    H after = abStage();
    ObjectNode late = vsWith("v1=100", "v2=0");
    ((ArrayNode) late.path("spec").path("http")).add(ownedRoute(OWNED + "match", "v2"));
    after.write(late);
    assertThat(after.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "Sluice-owned route "
                            + OWNED
                            + "match at http[2] is not immediately before a managed route (it is"
                            + " the last)"));

    H first = abStage();
    ObjectNode early = vsWith("v1=100", "v2=0");
    ((ArrayNode) early.path("spec").path("http")).insert(0, ownedRoute(OWNED + "match", "v2"));
    first.write(early);
    assertThat(first.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "match at http[0] is not immediately before a managed route (http[1]"
                            + " debug follows it)"));

    H twice = abStage();
    twice.write(withOwned(vsWith("v1=100", "v2=0"), "match=v2", "match=v2"));
    assertThat(twice.check().violations())
        .filteredOn(v -> v.startsWith("VirtualService"))
        .singleElement()
        .satisfies(
            v ->
                assertThat(v)
                    .contains(
                        "Sluice-owned route " + OWNED + "match appears twice before the same"));
  }

  /** {@code vs} with a mirror on its managed route, at 100%. */
  private static ObjectNode mirrored(ObjectNode vs, String host, String subset) {
    ObjectNode mirror = managed(vs).putObject("mirror").put("host", host);
    if (subset != null) {
      mirror.put("subset", subset);
    }
    managed(vs).putObject("mirrorPercentage").put("value", 100.0);
    return vs;
  }

  /** A release of v2 up to its mirror stage (the same status as the A/B stage). */
  private static H mirrorStage() {
    H h = abStage();
    return h.write(mirrored(vsWith("v1=100", "v2=0"), "helloworld", "v2"));
  }

  @Test
  void aMirrorStageThenARollbackHasNoViolation() {
    H h = mirrorStage();
    h.canary("RollingBack", -1, 0, "FAIL").vs("v1=100").rolledBack();
    Report r = h.check();
    assertThat(r.violations()).isEmpty();
    assertThat(r.rolledBack()).isEqualTo(1);
  }

  @Test
  void aMirrorStageThenTheStepsThenPromotionHasNoViolation() {
    H h = mirrorStage();
    h.canary("Progressing", 0, 10, "PASS", "PASS").vs("v1=90", "v2=10");
    h.canary("Progressing", 1, 20, "PASS", "PASS").vs("v1=80", "v2=20");
    assertThat(h.promoted().check().violations()).isEmpty();
  }

  @Test
  void sluicesMirrorWhileTheCanaryAnswersUsersIsAViolation() {
    H h = mirrorStage();
    h.canary("Progressing", 0, 10, "PASS", "PASS");
    h.write(mirrored(vsWith("v1=90", "v2=10"), "helloworld.t.svc.cluster.local", "v2"));
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "Sluice's mirror to v2 on a managed route that sends (v1=90, v2=10): it"
                            + " mirrors only while stable has 100 and the canary 0"));
  }

  @Test
  void sluicesMirrorLeftByTheRollbackIsAViolation() {
    H h = mirrorStage();
    h.write(mirrored(vsWith("v1=100"), "helloworld", "v2")).rolledBack();
    assertThat(h.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "the write that rolls back (v1=100) leaves Sluice's [mirror to v2 on route"
                            + " default]"))
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "RolledBack recorded while t/helloworld still has Sluice's [mirror to v2"));

    H percentage = mirrorStage();
    ObjectNode left = vsWith("v1=100");
    managed(left).putObject("mirrorPercentage").put("value", 100.0);
    percentage.write(left).rolledBack();
    assertThat(percentage.check().violations())
        .singleElement()
        .satisfies(
            v ->
                assertThat(v)
                    .contains("changed more than the managed routes")
                    .contains("/mirrorPercentage"));
  }

  /** A release of v2 to 20% whose managed route has the user's mirror to a shadow service. */
  private static H withUsersMirror() {
    H h = H.seed();
    h.add("VirtualService", "MODIFIED", mirrored(vsWith("v1=100"), "shadow", null), true);
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2");
    h.write(mirrored(vsWith("v1=100", "v2=0"), "shadow", null));
    h.canary("Progressing", 0, 10).write(mirrored(vsWith("v1=90", "v2=10"), "shadow", null));
    return h;
  }

  @Test
  void theUsersMirrorKeptThroughTheReleaseHasNoViolation() {
    H h = withUsersMirror();
    h.write(mirrored(vsWith("v1=100"), "shadow", null)).rolledBack();
    assertThat(h.check().violations()).isEmpty();
  }

  @Test
  void theUsersMirrorRemovedOrMadeSluicesIsAViolation() {
    H removed = withUsersMirror();
    removed.vs("v1=100").rolledBack();
    assertThat(removed.check().violations())
        .singleElement()
        .satisfies(
            v ->
                assertThat(v)
                    .contains("changed more than the managed routes")
                    .contains("/mirror: {\"host\":\"shadow\"} -> null"));

    H replaced = withUsersMirror();
    replaced.canary("Progressing", 1, 20, "PASS", "PASS");
    replaced.write(mirrored(vsWith("v1=80", "v2=20"), "helloworld", "v2"));
    assertThat(replaced.check().violations())
        .anySatisfy(v -> assertThat(v).contains("/mirror: {\"host\":\"shadow\"} -> null"));
  }

  /** {@code vs} with a Set-Cookie added to the response of its managed route's {@code subset}. */
  private static ObjectNode cookie(ObjectNode vs, String subset, String setCookie) {
    for (JsonNode e : managed(vs).path("route")) {
      if (subset.equals(e.path("destination").path("subset").asText())) {
        ((ObjectNode) e)
            .putObject("headers")
            .putObject("response")
            .putObject("add")
            .put("Set-Cookie", setCookie);
      }
    }
    return vs;
  }

  /** Sluice's session cookie for {@code subset}. */
  private static String sluiceCookie(String subset) {
    return "sluice-session=sluice-" + subset + "-0a1b2c3d; Max-Age=86400; Path=/";
  }

  /** The VirtualService of a step with session affinity: sticky routes, Sluice's cookies. */
  private static ObjectNode sticky(String stable, String canary) {
    ObjectNode vs =
        withOwned(vsWith("v1=" + stable, "v2=" + canary), "sticky-canary=v2", "sticky-stable=v1");
    return cookie(cookie(vs, "v1", sluiceCookie("v1")), "v2", sluiceCookie("v2"));
  }

  @Test
  void stickyRoutesAndCookiesDuringTheStepsThenPromotionHaveNoViolation() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", 0, 10).write(sticky("90", "10"));
    h.canary("Progressing", 1, 20, "PASS", "PASS").write(sticky("80", "20"));
    Report r = h.promoted().check();
    assertThat(r.violations()).isEmpty();
    assertThat(r.promoted()).isEqualTo(1);
  }

  @Test
  void stickyRoutesAndCookiesThenARollbackHaveNoViolation() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", 0, 10).write(sticky("90", "10"));
    h.canary("Progressing", 1, 20, "PASS", "PASS").write(sticky("80", "20"));
    assertThat(h.vs("v1=100").rolledBack().check().violations()).isEmpty();
  }

  @Test
  void sluicesCookieLeftByThePromotionIsAViolation() {
    H h = H.seed();
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    h.canary("Progressing", 0, 10).write(sticky("90", "10"));
    h.canary("Progressing", 1, 20, "PASS", "PASS").write(sticky("80", "20"));
    h.canary("Finalizing", 1, 20, "PASS", "PASS");
    h.write(cookie(vsWith("v2=100"), "v2", sluiceCookie("v2")));
    h.add("Canary", "MODIFIED", canaryWith("Succeeded", "v2", -1, 0), false);
    assertThat(h.check().violations())
        .containsExactly(
            "VirtualService t/helloworld @114: the write that promotes (v2=100) leaves Sluice's"
                + " [Set-Cookie "
                + sluiceCookie("v2")
                + " on v2]",
            "Canary t/helloworld @115: Succeeded recorded while t/helloworld still has Sluice's"
                + " [Set-Cookie "
                + sluiceCookie("v2")
                + " on v2]");
  }

  /** A release of v2 to 10% whose managed route sets the user's cookies on v1's responses. */
  private static H withUsersCookie(String setCookie) {
    H h = H.seed();
    h.add("VirtualService", "MODIFIED", cookie(vsWith("v1=100"), "v1", setCookie), true);
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2");
    // the canary's entry is a copy of the first: the user's cookie with it
    h.write(cookie(cookie(vsWith("v1=100", "v2=0"), "v1", setCookie), "v2", setCookie));
    h.canary("Progressing", 0, 10);
    h.write(cookie(cookie(vsWith("v1=90", "v2=10"), "v1", setCookie), "v2", setCookie));
    return h;
  }

  @Test
  void theUsersCookieKeptThroughTheReleaseHasNoViolation() {
    H h = withUsersCookie("theme=dark");
    h.canary("Finalizing", 0, 10, "PASS");
    h.write(cookie(vsWith("v2=100"), "v2", "theme=dark"));
    h.add("Canary", "MODIFIED", canaryWith("Succeeded", "v2", -1, 0), false);
    assertThat(h.check().violations()).isEmpty();
  }

  @Test
  void theUsersCookieChangedOrReplacedBySluicesIsAViolation() {
    H changed = withUsersCookie("theme=dark");
    changed.canary("Progressing", 1, 20, "PASS");
    changed.write(
        cookie(cookie(vsWith("v1=80", "v2=20"), "v1", "theme=light"), "v2", "theme=dark"));
    assertThat(changed.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "changed a Set-Cookie that is not Sluice's on destination v1: [add"
                            + " theme=dark] -> [add theme=light]"));

    // a cookie named sluice-... is the user's all the same: only its value tells
    H replaced = withUsersCookie("sluice-session=mine");
    replaced.canary("Progressing", 1, 20, "PASS");
    replaced.write(
        cookie(
            cookie(vsWith("v1=80", "v2=20"), "v1", sluiceCookie("v1")),
            "v2",
            "sluice-session=mine"));
    assertThat(replaced.check().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "changed a Set-Cookie that is not Sluice's on destination v1: [add"
                            + " sluice-session=mine] -> []"));
  }

  /** The Canary released blue/green: a preview on a header, then one switch. */
  private static ObjectNode blueGreen(ObjectNode canary) {
    ((ObjectNode) canary.path("spec")).putObject("blueGreen").put("previewIterations", 5);
    return canary;
  }

  @Test
  void aBlueGreenPreviewThenTheSwitchThenPromotionHasNoViolation() {
    H h = H.seed(InvariantCheckerTest::blueGreen);
    h.canary("Initializing", -1, 0).dr("v1", "debug", "v2").vs("v1=100", "v2=0");
    // step 0 is the preview (the canary at 0), step 1 the switch
    h.canary("Progressing", 0, 0).write(withOwned(vsWith("v1=100", "v2=0"), "match=v2"));
    h.canary("Progressing", 1, 100, "PASS", "PASS").vs("v1=0", "v2=100");
    h.canary("Finalizing", 1, 100, "PASS", "PASS").vs("v2=100");
    h.add("Canary", "MODIFIED", blueGreen(canaryWith("Succeeded", "v2", -1, 0)), false);
    assertThat(h.check().violations()).isEmpty();
  }
}
