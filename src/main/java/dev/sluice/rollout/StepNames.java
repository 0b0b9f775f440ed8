package dev.sluice.rollout;

/** How a step reads in events and the status, in the user's terms. */
final class StepNames {
  private StepNames() {}

  static String describe(ReleaseSpec spec, Step step, String stable, String canary) {
    Strategy s = spec.strategy();
    return switch (step.kind()) {
      case MIRROR ->
          "mirroring "
              + s.mirror().percent()
              + "% of requests to "
              + canary
              + " (every answer from "
              + stable
              + ")";
      case MATCH ->
          (s.blueGreen() ? "preview: " : "")
              + "requests matching "
              + s.match().match()
              + " go to "
              + canary
              + ", the others to "
              + stable;
      case WEIGHT ->
          (s.blueGreen() ? "switch: " : "")
              + stable
              + " "
              + (100 - step.weight())
              + "%, "
              + canary
              + " "
              + step.weight()
              + "%"
              + (s.affinity() == null ? "" : " (sessions stay with their version)");
    };
  }
}
