package dev.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The managed route's expected writes in a release, as "subset=weight" lists. */
final class Routes {
  private Routes() {}

  static List<Integer> tens() {
    return List.of(10, 20, 30, 40, 50, 60, 70, 80, 90, 100);
  }

  /** The route writes of a promotion: join at 0, each step once, then the canary alone. */
  static List<List<String>> promotion(String stable, String canary, List<Integer> steps) {
    List<List<String>> out = new ArrayList<>();
    out.add(List.of(stable + "=100", canary + "=0"));
    for (int w : steps) {
      out.add(List.of(stable + "=" + (100 - w), canary + "=" + w));
    }
    out.add(List.of(canary + "=100"));
    return out;
  }

  /** Some 10% steps, each once, in order, then one write back to 100% stable. */
  static void assertRolledBackAfterSteps(
      String id, List<List<String>> writes, String stable, String canary) {
    assertThat(writes).as(id).isNotEmpty();
    assertThat(writes.get(writes.size() - 1))
        .as(id + ": the rollback")
        .isEqualTo(List.of(stable + "=100"));
    List<List<String>> all = promotion(stable, canary, tens());
    assertThat(writes.subList(0, writes.size() - 1))
        .as(id + ": the steps before the rollback")
        .isEqualTo(all.subList(0, writes.size() - 1));
  }

  /**
   * The route writes of a round of three releases: {@code promoted} (ten 10% steps) and {@code
   * explicit} (its explicit steps) each promoted, every other one rolled back after some 10% steps
   * (those of the {@code lockstep} namespaces on two VirtualServices). Releases are named
   * "namespace/... stable->canary (...)" by the invariant checker. {@code lockstepStages} is the
   * number of stages (mirror, match) the lockstep releases have before their weights: each writes
   * the canary at 0 again.
   */
  static void assertRounds(
      Map<String, List<List<String>>> writesByRelease,
      String promoted,
      String explicit,
      List<Integer> explicitSteps,
      List<String> lockstep,
      int lockstepStages) {
    for (var e : writesByRelease.entrySet()) {
      String id = e.getKey();
      String[] v = id.substring(id.indexOf(' ') + 1, id.indexOf(" (")).split("->");
      if (id.startsWith(promoted + "/")) {
        assertThat(e.getValue()).as(id).isEqualTo(promotion(v[0], v[1], tens()));
      } else if (id.startsWith(explicit + "/")) {
        assertThat(e.getValue()).as(id).isEqualTo(promotion(v[0], v[1], explicitSteps));
      } else if (lockstep.stream().anyMatch(ns -> id.startsWith(ns + "/"))) {
        // two VirtualServices: every step written to each, once (a step written twice to one of
        // them would be a repeated step), then the rollback
        List<List<String>> all = e.getValue();
        int rollback = all.indexOf(List.of(v[0] + "=100"));
        assertThat(rollback).as(id + ": the rollback").isPositive();
        assertThat(all.subList(rollback, all.size()))
            .as(id + ": the rollback, at most one write per VirtualService")
            .hasSizeLessThanOrEqualTo(2)
            .allMatch(w -> w.equals(List.of(v[0] + "=100")));
        List<List<String>> steps = all.subList(0, rollback);
        List<List<String>> once = new ArrayList<>();
        for (List<String> w : steps) {
          if (once.isEmpty() || !once.get(once.size() - 1).equals(w)) {
            once.add(w);
          }
        }
        for (int i = 0; i < once.size(); i++) {
          List<String> w = once.get(i);
          // the canary at 0 is written when it joins and again for each stage before the weights
          // (a mirror's write keeps the destinations and adds the mirror)
          int writes = w.contains(v[1] + "=0") ? 2 * (1 + lockstepStages) : 2;
          long written = steps.stream().filter(w::equals).count();
          if (i == once.size() - 1 && !w.contains(v[1] + "=0") && written == 1) {
            // the step the rollback ended: a SIGKILL between its two writes (issued at once) left
            // it in one VirtualService, and the resumed daemon's first decision was the rollback,
            // which writes both to 100% stable rather than finishing the step first
            continue;
          }
          assertThat(written)
              .as(id + ": writes of " + w + " (one per VirtualService)")
              .isEqualTo(writes);
        }
        List<List<String>> collapsed = new ArrayList<>(once);
        collapsed.add(List.of(v[0] + "=100"));
        assertRolledBackAfterSteps(id, collapsed, v[0], v[1]);
      } else {
        assertRolledBackAfterSteps(id, e.getValue(), v[0], v[1]);
      }
    }
  }
}
