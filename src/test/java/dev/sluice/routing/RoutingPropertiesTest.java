package dev.sluice.routing;

import static dev.sluice.routing.Fixtures.http;
import static dev.sluice.routing.Fixtures.json;
import static dev.sluice.routing.Fixtures.jsonWithoutRoute;
import static dev.sluice.routing.Fixtures.jsonWithoutSubsets;
import static dev.sluice.routing.Fixtures.load;
import static dev.sluice.routing.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.rollout.Destination;
import dev.sluice.rollout.RouteObservation;
import dev.sluice.testing.IstioSchemas;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of the edits over generated inputs: JUnit parameterized tests over cases drawn from a
 * seeded {@link Random}, so a failure names its case and reruns identically. Another seed: {@code
 * -Dsluice.test.seed=N}.
 */
class RoutingPropertiesTest {

  static final long SEED = Long.getLong("sluice.test.seed", 20261125L);

  /** A manageable route of a fixture, and its index in spec.http. */
  record Target(String fixture, String routeName, int index) {
    @Override
    public String toString() {
      return fixture + (routeName == null ? "" : "#" + routeName);
    }
  }

  static final List<Target> TARGETS =
      List.of(
          new Target("helloworld-vs.yaml", null, 1),
          new Target("helloworld-vs-mid-release.yaml", null, 1),
          new Target("helloworld-vs-unweighted.yaml", null, 0),
          new Target("helloworld-vs-named-routes.yaml", "primary", 2),
          new Target("helloworld-vs-named-routes.yaml", null, 3),
          new Target("helloworld-vs-extra-fields.yaml", "default", 1),
          new Target("helloworld-vs-extra-fields.yaml", null, 1),
          new Target("helloworld-vs-tcp.yaml", null, 0),
          new Target("helloworld-vs-mirror.yaml", null, 0));

  static final List<String> SUBSETS = List.of("v1", "v2", "v3", "v10", "canary", "debug");

  // ---- any valid weight plan ---------------------------------------------------------------

  record Plan(Target target, List<Destination> destinations) {
    @Override
    public String toString() {
      return target + " <- " + destinations;
    }
  }

  static Stream<Plan> plans() {
    Random random = new Random(SEED);
    return IntStream.range(0, 300)
        .mapToObj(i -> new Plan(TARGETS.get(random.nextInt(TARGETS.size())), randomPlan(random)));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("plans")
  void anyValidPlanChangesOnlyTheManagedRouteAndKeepsWeightsValid(Plan plan) {
    GenericKubernetesResource before = load(plan.target().fixture());
    String original = json(before);
    int index = plan.target().index();
    RouteObservation observedBefore =
        VirtualServiceEdits.inspect(before, plan.target().routeName());

    GenericKubernetesResource after =
        VirtualServiceEdits.withRoute(before, plan.target().routeName(), plan.destinations());

    assertThat(json(before)).as("input untouched").isEqualTo(original);
    assertWeightsValid(http(after, index).get("route"));
    assertThat(jsonWithoutRoute(after, index)).isEqualTo(jsonWithoutRoute(before, index));

    RouteObservation observed = VirtualServiceEdits.inspect(after, plan.target().routeName());
    assertThat(observed.state()).isEqualTo(RouteObservation.State.OK);
    assertThat(observed.destinations()).containsExactlyInAnyOrderElementsOf(plan.destinations());
    if (!json(after).equals(original)) {
      assertThat(observed.destinations()).containsExactlyElementsOf(plan.destinations());
    }
    assertThat(VirtualServiceEditsTest.usedElsewhere(after, observed))
        .isEqualTo(VirtualServiceEditsTest.usedElsewhere(before, observedBefore));
    assertEntriesAreReusedOrCopied(
        http(before, index).get("route"), http(after, index).get("route"));
    IstioSchemas.validateVirtualService(after);
  }

  // ---- a whole release, then promotion or rollback -----------------------------------------

  record Release(Target target, String canary, List<Integer> steps, int failAt) {
    @Override
    public String toString() {
      return target
          + " v1->"
          + canary
          + " steps "
          + steps
          + (failAt < 0 ? " promoted" : " rolled back at step " + failAt);
    }
  }

  static Stream<Release> releases() {
    Random random = new Random(SEED + 1);
    return IntStream.range(0, 100)
        .mapToObj(
            i -> {
              List<Integer> steps = randomSteps(random);
              int failAt = random.nextInt(3) == 0 ? -1 : random.nextInt(steps.size());
              return new Release(
                  TARGETS.get(random.nextInt(TARGETS.size())),
                  random.nextBoolean() ? "v2" : "v3",
                  steps,
                  failAt);
            });
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("releases")
  void aReleaseEndsAtAllStableOrAllCanaryWithNothingElseChanged(Release release) {
    String routeName = release.target().routeName();
    int index = release.target().index();
    GenericKubernetesResource original = load(release.target().fixture());
    String untouched = jsonWithoutRoute(original, index);
    GenericKubernetesResource vs = original;

    for (int step = 0; step < release.steps().size(); step++) {
      int weight = release.steps().get(step);
      vs =
          VirtualServiceEdits.withRoute(
              vs,
              routeName,
              List.of(
                  new Destination("v1", 100 - weight), new Destination(release.canary(), weight)));
      assertWeightsValid(http(vs, index).get("route"));
      assertThat(jsonWithoutRoute(vs, index)).isEqualTo(untouched);
      assertThat(VirtualServiceEdits.inspect(vs, routeName).weightOf(release.canary()))
          .isEqualTo(weight);
      if (step == release.failAt()) {
        vs = VirtualServiceEdits.withRoute(vs, routeName, List.of(new Destination("v1", 100)));
        break;
      }
    }
    if (release.failAt() < 0) {
      vs =
          VirtualServiceEdits.withRoute(
              vs, routeName, List.of(new Destination(release.canary(), 100)));
    }

    String winner = release.failAt() < 0 ? release.canary() : "v1";
    assertWeightsValid(http(vs, index).get("route"));
    assertThat(jsonWithoutRoute(vs, index)).isEqualTo(untouched);
    assertThat(VirtualServiceEdits.inspect(vs, routeName).destinations())
        .containsExactly(new Destination(winner, 100));
    IstioSchemas.validateVirtualService(vs);
  }

  // ---- DestinationRule subsets ---------------------------------------------------------------

  /** One edit: add {@code version} like {@code like} (null: no model), or remove it. */
  record SubsetEdit(boolean add, String version, String like) {
    @Override
    public String toString() {
      return add ? "+" + version + (like == null ? "" : "~" + like) : "-" + version;
    }
  }

  record SubsetHistory(String fixture, List<SubsetEdit> edits) {
    @Override
    public String toString() {
      return fixture + " " + edits;
    }
  }

  static Stream<SubsetHistory> subsetHistories() {
    Random random = new Random(SEED + 2);
    List<String> fixtures = List.of("helloworld-dr.yaml", "helloworld-dr-traffic-policy.yaml");
    List<String> likes = new ArrayList<>(SUBSETS);
    likes.add(null);
    return IntStream.range(0, 150)
        .mapToObj(
            i -> {
              List<SubsetEdit> edits = new ArrayList<>();
              int count = 1 + random.nextInt(8);
              for (int e = 0; e < count; e++) {
                String version = SUBSETS.get(random.nextInt(SUBSETS.size()));
                edits.add(
                    random.nextInt(3) > 0
                        ? new SubsetEdit(true, version, likes.get(random.nextInt(likes.size())))
                        : new SubsetEdit(false, version, null));
              }
              return new SubsetHistory(fixtures.get(random.nextInt(fixtures.size())), edits);
            });
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("subsetHistories")
  void subsetEditsChangeOnlyTheSubsetsAskedFor(SubsetHistory history) {
    GenericKubernetesResource original = load(history.fixture());
    String untouched = jsonWithoutSubsets(original);
    // The expected subsets, by name, as JSON text.
    Map<String, String> expected = new LinkedHashMap<>();
    tree(original)
        .path("spec")
        .path("subsets")
        .forEach(s -> expected.put(s.get("name").asText(), s.toString()));
    GenericKubernetesResource dr = original;

    for (SubsetEdit edit : history.edits()) {
      GenericKubernetesResource current = dr;
      if (!edit.add()) {
        dr = DestinationRuleEdits.withoutSubset(current, edit.version());
        expected.remove(edit.version());
      } else if (expected.containsKey(edit.version())) {
        dr = DestinationRuleEdits.withSubset(current, edit.version(), edit.like(), "version");
        assertThat(json(dr)).isEqualTo(json(current));
      } else if (edit.like() != null && !expected.containsKey(edit.like())) {
        assertThatThrownBy(
                () ->
                    DestinationRuleEdits.withSubset(
                        current, edit.version(), edit.like(), "version"))
            .isInstanceOf(RefusedEditException.class);
      } else {
        dr = DestinationRuleEdits.withSubset(current, edit.version(), edit.like(), "version");
        expected.put(edit.version(), expectedSubset(expected, edit));
      }

      assertThat(DestinationRuleEdits.subsets(dr)).containsExactlyElementsOf(expected.keySet());
      assertThat(jsonWithoutSubsets(dr)).isEqualTo(untouched);
      Map<String, String> actual = new LinkedHashMap<>();
      tree(dr)
          .path("spec")
          .path("subsets")
          .forEach(s -> actual.put(s.get("name").asText(), s.toString()));
      assertThat(actual).containsExactlyEntriesOf(expected);
    }
    IstioSchemas.validateDestinationRule(dr);
  }

  private static String expectedSubset(Map<String, String> subsets, SubsetEdit edit) {
    ObjectNode added = tree(load("helloworld-dr.yaml")).objectNode();
    added.put("name", edit.version());
    ObjectNode labels = added.putObject("labels");
    JsonNode like = null;
    if (edit.like() != null) {
      like = Fixtures.SERIALIZATION.unmarshal(subsets.get(edit.like()), JsonNode.class);
      if (like.get("labels") instanceof ObjectNode l) {
        labels.setAll(l);
      }
    }
    labels.put("version", edit.version());
    if (like != null && like.has("trafficPolicy")) {
      added.set("trafficPolicy", like.get("trafficPolicy"));
    }
    return added.toString();
  }

  // ---- generators and checks ---------------------------------------------------------------

  /** 1..4 distinct subsets in random order, integer weights 0..100 that sum to 100. */
  static List<Destination> randomPlan(Random random) {
    List<String> subsets = new ArrayList<>(SUBSETS);
    Collections.shuffle(subsets, random);
    int n = 1 + random.nextInt(4);
    List<Integer> weights = new ArrayList<>();
    if (random.nextInt(5) == 0) {
      // Edge cases: everything on one destination, zeros elsewhere.
      for (int i = 0; i < n; i++) {
        weights.add(i == 0 ? 100 : 0);
      }
      Collections.shuffle(weights, random);
    } else {
      List<Integer> cuts = new ArrayList<>();
      for (int i = 0; i < n - 1; i++) {
        cuts.add(random.nextInt(101));
      }
      Collections.sort(cuts);
      int previous = 0;
      for (int cut : cuts) {
        weights.add(cut - previous);
        previous = cut;
      }
      weights.add(100 - previous);
    }
    List<Destination> plan = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      plan.add(new Destination(subsets.get(i), weights.get(i)));
    }
    return plan;
  }

  /** Strictly increasing canary weights in 1..100, from a step weight or explicit. */
  static List<Integer> randomSteps(Random random) {
    Set<Integer> steps = new LinkedHashSet<>();
    if (random.nextBoolean()) {
      int stepWeight = 1 + random.nextInt(60);
      int maxWeight = stepWeight + random.nextInt(101 - stepWeight);
      for (int w = stepWeight; w <= maxWeight; w += stepWeight) {
        steps.add(w);
      }
    } else {
      int count = 1 + random.nextInt(6);
      while (steps.size() < count) {
        steps.add(1 + random.nextInt(100));
      }
    }
    return steps.stream().sorted().collect(Collectors.toList());
  }

  /** Invariant 1, read from the JSON itself: integer weights in 0..100 that sum to 100. */
  static void assertWeightsValid(JsonNode route) {
    assertThat(route.isArray() && !route.isEmpty()).as("route %s", route).isTrue();
    int sum = 0;
    for (JsonNode entry : route) {
      JsonNode weight = entry.get("weight");
      if (route.size() == 1 && weight == null) {
        return; // a lone destination without weight: Istio gives it 100
      }
      assertThat(weight).as("weight of %s", entry).isNotNull();
      assertThat(weight.isInt()).as("weight of %s is an integer", entry).isTrue();
      assertThat(weight.intValue()).isBetween(0, 100);
      sum += weight.intValue();
    }
    assertThat(sum).as("weights of %s", route).isEqualTo(100);
  }

  /** An entry for a subset that was there is the old entry; a new one is a copy of the first. */
  private static void assertEntriesAreReusedOrCopied(JsonNode before, JsonNode after) {
    Map<String, JsonNode> old = new HashMap<>();
    before.forEach(e -> old.put(e.path("destination").path("subset").asText(), e));
    for (JsonNode entry : after) {
      String subset = entry.path("destination").path("subset").asText();
      ObjectNode expected = ((ObjectNode) old.getOrDefault(subset, before.get(0))).deepCopy();
      ((ObjectNode) expected.get("destination")).put("subset", subset);
      ObjectNode actual = ((ObjectNode) entry).deepCopy();
      expected.remove("weight");
      actual.remove("weight");
      assertThat(actual.toString()).isEqualTo(expected.toString());
    }
  }
}
