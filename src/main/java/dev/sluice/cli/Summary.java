package dev.sluice.cli;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import java.util.Set;

/** One line about a Canary's release, e.g. {@code default/helloworld: Paused, v1 -> v2 at 30%}. */
final class Summary {
  private Summary() {}

  static String of(Canary c) {
    CanaryStatus s = c.getStatus() == null ? new CanaryStatus() : c.getStatus();
    StringBuilder b = new StringBuilder();
    b.append(c.getMetadata().getNamespace()).append('/').append(c.getMetadata().getName());
    b.append(": ").append(s.phase == null ? "no status yet" : s.phase);
    boolean over =
        s.phase == null || Set.of("Idle", "Succeeded", "RolledBack", "Failed").contains(s.phase);
    if (over) {
      if (s.stableVersion != null) {
        b.append(", ").append(s.stableVersion).append(" stable");
      }
      if (s.canaryVersion != null && !s.canaryVersion.equals(s.stableVersion)) {
        b.append(", ")
            .append(s.canaryVersion)
            .append(" at ")
            .append(s.weight == null ? 0 : s.weight)
            .append('%');
      }
      return b.toString();
    }
    if (s.canaryVersion != null) {
      b.append(", ")
          .append(s.stableVersion == null ? "?" : s.stableVersion)
          .append(" -> ")
          .append(s.canaryVersion);
      if (s.weight != null) {
        b.append(" at ").append(s.weight).append('%');
      }
    } else if (s.stableVersion != null) {
      b.append(", ").append(s.stableVersion).append(" stable");
    }
    boolean step = s.step != null && s.stepCount != null && s.step >= 0;
    if (s.stage != null || step) {
      b.append(" (");
      if (s.stage != null) {
        b.append("stage ").append(s.stage);
      }
      if (step) {
        b.append(s.stage != null ? ", " : "")
            .append("step ")
            .append(s.step + 1)
            .append(" of ")
            .append(s.stepCount);
      }
      b.append(')');
    }
    return b.toString();
  }
}
