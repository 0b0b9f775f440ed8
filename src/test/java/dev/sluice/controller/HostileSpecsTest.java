package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.Canary;
import dev.sluice.testing.CrdSchemas;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Canary specs generated at random (seeded) from a valid one: zero to three mutations, each known
 * to be harmless or bad, drawn from a list of bad inputs (negative or &gt;100 weights, zero steps,
 * steps not increasing, bad durations, label values crafted to alter PromQL, names that are not
 * names, huge objects). Each generated spec goes through both lines of defence:
 *
 * <ul>
 *   <li>the CRD's OpenAPI schema (deploy/crds/canaries.sluice.dev-v1.yml, as the API server would
 *       apply it): must refuse every mutation the schema can express, and accept every valid spec;
 *   <li>the daemon's own reading ({@link SpecReader}, which turns a refusal into the InvalidSpec
 *       condition and event): must refuse every bad spec on its own as well (the schema may be
 *       older than the daemon, or absent, as on the mock API server), with a message naming the
 *       field, and never throw.
 * </ul>
 *
 * Template references (unknown templates, missing or hostile arguments) are resolved when a release
 * is evaluated, not here: the schema's part of them is checked here, the rest end to end in {@code
 * HostileInputIT}. Figures go to target/faults-it/figures.tsv.
 */
class HostileSpecsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static final int PER_SEED = Integer.getInteger("sluice.faults.specs", 400);

  /**
   * A change to a valid spec.
   *
   * @param field what the daemon's message must name (null: no daemon check expected)
   * @param schema whether the CRD schema must refuse it
   * @param bad whether it makes the spec invalid
   */
  record Mutation(
      String name,
      String field,
      boolean schema,
      boolean bad,
      BiConsumer<ObjectNode, Random> apply) {}

  private static final List<String> BAD_DURATIONS =
      List.of("", "1", "s", "1x", "-1s", "1.5s", "1 s", "1s ", "1S", "1d", "1e3s", "0x10s", "１s");
  private static final List<String> ZERO_DURATIONS = List.of("0s", "0ms", "0h0m0s", "000ms");
  private static final List<String> HOSTILE_LABELS =
      List.of(
          "helloworld\"} or vector(1) #",
          "helloworld\",destination_version=~\".*",
          "hello world",
          ".*",
          "helloworld|other",
          "-helloworld",
          "helloworld-",
          "a".repeat(64),
          "héllo",
          "hello\nworld",
          "{{ namespace }}");

  /** The hostile values that are not names either (a DNS subdomain may be 64 letters long). */
  private static final List<String> HOSTILE_NAMES =
      HOSTILE_LABELS.stream()
          .filter(v -> !v.matches(dev.sluice.model.Patterns.DNS_SUBDOMAIN))
          .toList();

  static final List<Mutation> MUTATIONS =
      List.of(
          // harmless variations: the spec stays valid
          new Mutation(
              "stepWeight in 1..100",
              null,
              false,
              false,
              (s, r) -> s.put("stepWeight", 1 + r.nextInt(100))),
          new Mutation(
              "maxWeight in 1..100",
              null,
              false,
              false,
              (s, r) -> s.put("maxWeight", 1 + r.nextInt(100))),
          new Mutation(
              "increasing steps", null, false, false, (s, r) -> s.set("steps", increasingSteps(r))),
          new Mutation(
              "valid interval", null, false, false, (s, r) -> s.put("interval", validDuration(r))),
          new Mutation(
              "valid progressDeadline",
              null,
              false,
              false,
              (s, r) -> limits(s).put("progressDeadline", validDuration(r))),
          new Mutation(
              "retirementDelay 0s", null, false, false, (s, r) -> s.put("retirementDelay", "0s")),
          new Mutation(
              "limits in 1..1000",
              null,
              false,
              false,
              (s, r) -> {
                for (String f : List.of("failureThreshold", "inconclusiveLimit", "errorLimit")) {
                  limits(s).put(f, 1 + r.nextInt(1000));
                }
              }),
          // bad: what the schema can express
          new Mutation(
              "stepWeight <= 0",
              "stepWeight",
              true,
              true,
              (s, r) -> s.put("stepWeight", -r.nextInt(1_000_000))),
          new Mutation(
              "stepWeight > 100",
              "stepWeight",
              true,
              true,
              (s, r) -> s.put("stepWeight", 101 + r.nextInt(1_000_000))),
          new Mutation(
              "maxWeight <= 0",
              "maxWeight",
              true,
              true,
              (s, r) -> s.put("maxWeight", -r.nextInt(1000))),
          new Mutation(
              "maxWeight > 100",
              "maxWeight",
              true,
              true,
              (s, r) -> s.put("maxWeight", 101 + r.nextInt(1000))),
          new Mutation(
              "a step outside 1..100",
              "steps",
              true,
              true,
              (s, r) -> {
                ArrayNode steps = increasingSteps(r);
                steps.set(
                    r.nextInt(steps.size()),
                    r.nextBoolean() ? -r.nextInt(100) : 101 + r.nextInt(1000));
                s.set("steps", steps);
              }),
          new Mutation(
              "more than 100 steps",
              "steps",
              true,
              true,
              (s, r) -> {
                ArrayNode steps = s.arrayNode();
                for (int i = 1; i <= 101 + r.nextInt(1000); i++) {
                  steps.add(i);
                }
                s.set("steps", steps);
              }),
          new Mutation(
              "bad interval",
              "interval",
              true,
              true,
              (s, r) -> s.put("interval", pick(r, BAD_DURATIONS))),
          new Mutation(
              "bad analysis.interval",
              "analysis.interval",
              true,
              true,
              (s, r) -> ((ObjectNode) s.get("analysis")).put("interval", pick(r, BAD_DURATIONS))),
          new Mutation(
              "bad progressDeadline",
              "progressDeadline",
              true,
              true,
              (s, r) -> limits(s).put("progressDeadline", pick(r, BAD_DURATIONS))),
          new Mutation(
              "bad retirementDelay",
              "retirementDelay",
              true,
              true,
              (s, r) -> s.put("retirementDelay", pick(r, BAD_DURATIONS))),
          new Mutation(
              "a limit <= 0",
              "limits.",
              true,
              true,
              (s, r) ->
                  limits(s)
                      .put(
                          pick(r, "failureThreshold", "inconclusiveLimit", "errorLimit"),
                          -r.nextInt(10))),
          new Mutation(
              "hostile app", "app", true, true, (s, r) -> s.put("app", pick(r, HOSTILE_LABELS))),
          new Mutation(
              "hostile targetVersion",
              "targetVersion",
              true,
              true,
              (s, r) -> s.put("targetVersion", pick(r, HOSTILE_LABELS))),
          new Mutation(
              "hostile virtualService.name",
              "virtualService.name",
              true,
              true,
              (s, r) -> object(s, "virtualService").put("name", pick(r, HOSTILE_NAMES))),
          // "one of virtualService and virtualServices" is no OpenAPI rule: the daemon says it
          new Mutation(
              "no virtualService",
              "virtualService",
              false,
              true,
              (s, r) -> s.remove("virtualService")),
          new Mutation(
              "hostile destinationRule.name",
              "destinationRule.name",
              true,
              true,
              (s, r) -> object(s, "destinationRule").put("name", pick(r, HOSTILE_NAMES))),
          new Mutation("no app", "app", true, true, (s, r) -> s.remove("app")),
          new Mutation(
              "hostile template name",
              "analysis.templates",
              true,
              true,
              (s, r) -> templates(s).addObject().put("name", pick(r, HOSTILE_NAMES))),
          // bad: the schema cannot say it; the daemon must
          new Mutation(
              "steps not increasing",
              "steps",
              false,
              true,
              (s, r) -> {
                ArrayNode steps = increasingSteps(r);
                if (steps.size() < 2) {
                  steps.add(steps.get(0).asInt());
                } else {
                  int i = 1 + r.nextInt(steps.size() - 1);
                  steps.set(i, steps.get(i - 1 - r.nextInt(i)).asInt());
                }
                s.set("steps", steps);
              }),
          new Mutation(
              "zero interval",
              "interval",
              false,
              true,
              (s, r) -> s.put("interval", pick(r, ZERO_DURATIONS))),
          new Mutation(
              "zero analysis.interval",
              "analysis.interval",
              false,
              true,
              (s, r) -> ((ObjectNode) s.get("analysis")).put("interval", pick(r, ZERO_DURATIONS))),
          new Mutation(
              "zero progressDeadline",
              "progressDeadline",
              false,
              true,
              (s, r) -> limits(s).put("progressDeadline", pick(r, ZERO_DURATIONS))),
          new Mutation(
              "overlong duration",
              "interval",
              false,
              true,
              (s, r) -> s.put("interval", "9".repeat(10 + r.nextInt(30)) + "h")));

  static Stream<Long> seeds() {
    long seed = Long.getLong("sluice.faults.seed", 6L);
    return Stream.of(seed, seed + 1, seed + 2);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void everyBadSpecIsRefusedByTheSchemaWhereItCanSayItAndByTheDaemonAlways(long seed)
      throws Exception {
    JsonNode crd = YAML.readTree(new File("deploy/crds/canaries.sluice.dev-v1.yml"));
    JsonNode base = YAML.readTree(new File("deploy/examples/helloworld/canary.yaml"));
    Random random = new Random(seed);
    int bad = 0;
    int bySchema = 0;
    int byDaemon = 0;
    int valid = 0;
    int acceptedBad = 0;
    for (int n = 0; n < PER_SEED; n++) {
      ObjectNode canary = base.deepCopy();
      ObjectNode spec = (ObjectNode) canary.get("spec");
      if (!spec.has("analysis")) {
        spec.putObject("analysis");
      }
      int count = random.nextInt(4);
      List<Mutation> applied = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Mutation m = MUTATIONS.get(random.nextInt(MUTATIONS.size()));
        m.apply().accept(spec, random);
        applied.add(m);
      }
      // a later harmless mutation may overwrite an earlier bad one of the same field: the last
      // mutation of each field decides
      List<Mutation> effective = effective(applied);
      boolean isBad = effective.stream().anyMatch(Mutation::bad);
      List<String> schemaErrors = CrdSchemas.errors(crd, canary);
      String what =
          seed + "/" + n + " " + effective.stream().map(Mutation::name).toList() + ": " + spec;
      SpecReader.Result read = SpecReader.read(SERIALIZATION.convertValue(canary, Canary.class));
      if (!isBad) {
        valid++;
        assertThat(schemaErrors).as("schema, valid spec " + what).isEmpty();
        assertThat(read.problems()).as("daemon, valid spec " + what).isEmpty();
        continue;
      }
      bad++;
      if (!schemaErrors.isEmpty()) {
        bySchema++;
      }
      if (schemaErrors.isEmpty() && read.valid()) {
        acceptedBad++;
      }
      if (effective.stream().anyMatch(m -> m.bad() && m.schema())) {
        assertThat(schemaErrors).as("schema " + what).isNotEmpty();
      }
      if (effective.stream()
          .anyMatch(m -> m.bad() && m.field() != null && !m.field().equals("analysis.templates"))) {
        assertThat(read.valid()).as("daemon " + what).isFalse();
        byDaemon++;
        for (Mutation m : effective) {
          if (m.bad() && !m.field().equals("analysis.templates")) {
            assertThat(String.join("; ", read.problems())).as(what).contains(m.field());
          }
        }
      } else if (effective.stream()
          .anyMatch(m -> m.bad() && "analysis.templates".equals(m.field()))) {
        assertThat(read.valid()).as("daemon " + what).isFalse();
        byDaemon++;
      }
    }
    System.out.printf(
        "HostileSpecsTest seed %d: %d specs, %d valid accepted, %d bad: %d refused by the schema,"
            + " %d by the daemon%n",
        seed, PER_SEED, valid, bad, bySchema, byDaemon);
    record(seed, valid, bad, bySchema, byDaemon, acceptedBad);
    assertThat(acceptedBad).as("bad specs accepted by both the schema and the daemon").isZero();
  }

  /** The mutations that still hold: the last one of each field. */
  private static List<Mutation> effective(List<Mutation> applied) {
    List<Mutation> out = new ArrayList<>();
    for (int i = 0; i < applied.size(); i++) {
      Mutation m = applied.get(i);
      String key = key(m);
      boolean overwritten = false;
      for (int j = i + 1; j < applied.size(); j++) {
        if (key(applied.get(j)).equals(key)) {
          overwritten = true;
        }
      }
      if (!overwritten || key.equals("analysis.templates")) {
        out.add(m);
      }
    }
    return out;
  }

  /** The spec field a mutation writes. */
  private static String key(Mutation m) {
    String n = m.name();
    if (n.contains("stepWeight")) return "stepWeight";
    if (n.contains("maxWeight")) return "maxWeight";
    if (n.contains("step")) return "steps";
    if (n.contains("analysis.interval")) return "analysis.interval";
    if (n.contains("progressDeadline")) return "progressDeadline";
    if (n.contains("retirementDelay")) return "retirementDelay";
    if (n.contains("interval") || n.contains("duration")) return "interval";
    if (n.contains("limit")) return "limits"; // the harmless one sets every limit
    if (n.contains("template")) return "analysis.templates";
    if (n.contains("app")) return "app";
    if (n.contains("virtualService")) return "virtualService"; // removing it undoes a bad name
    return n;
  }

  private static void record(
      long seed, int valid, int bad, int bySchema, int byDaemon, int acceptedBad) {
    Path file = Path.of("target/faults-it/figures.tsv");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(
          file,
          String.join(
                  "\t",
                  java.time.Instant.now().toString(),
                  "HostileSpecsTest",
                  "specs="
                      + PER_SEED
                      + ",valid="
                      + valid
                      + ",bad="
                      + bad
                      + ",refusedBySchema="
                      + bySchema
                      + ",refusedByDaemon="
                      + byDaemon,
                  "seed=" + seed,
                  "versions=-",
                  "routeWrites=-",
                  "releases=-",
                  "promoted=-",
                  "rolledBack=-",
                  "lost=-",
                  "violations=" + acceptedBad)
              + "\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The object field {@code name} of the spec, created when an earlier mutation removed it. */
  private static ObjectNode object(ObjectNode s, String name) {
    if (!(s.get(name) instanceof ObjectNode)) {
      s.putObject(name);
    }
    return (ObjectNode) s.get(name);
  }

  private static ObjectNode limits(ObjectNode s) {
    if (!s.has("limits")) {
      s.putObject("limits");
    }
    return (ObjectNode) s.get("limits");
  }

  private static ArrayNode templates(ObjectNode s) {
    ObjectNode a = (ObjectNode) s.get("analysis");
    if (!a.has("templates")) {
      a.putArray("templates");
    }
    return (ArrayNode) a.get("templates");
  }

  private static ArrayNode increasingSteps(Random r) {
    ArrayNode steps = new ObjectMapper().createArrayNode();
    int w = 0;
    int n = 1 + r.nextInt(8);
    for (int i = 0; i < n && w < 100; i++) {
      w += 1 + r.nextInt(Math.max(1, (100 - w) / 2));
      steps.add(Math.min(w, 100));
    }
    return steps;
  }

  private static String validDuration(Random r) {
    return pick(r, "500ms", "1s", "30s", "1m", "1m30s", "2h", "10m", "1h2m3s4ms");
  }

  private static String pick(Random r, String... values) {
    return values[r.nextInt(values.length)];
  }

  private static String pick(Random r, List<String> values) {
    return values.get(r.nextInt(values.size()));
  }
}
