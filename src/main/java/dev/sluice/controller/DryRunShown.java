package dev.sluice.controller;

import dev.sluice.analysis.GateVerdict;
import dev.sluice.analysis.Measurement;
import dev.sluice.model.CanaryStatus;
import java.util.HashMap;
import java.util.Map;

/**
 * Whether the stored status is behind on the dry-run checks. A passing evaluation mid-bake is not
 * written (only its time changes, see {@code Recording#material}), so a dry-run check that starts
 * to fail under a passing gate would stay unseen in {@code status.measurements} until the step
 * ends. An evaluation whose dry-run outcomes differ from the stored ones is written; one that only
 * repeats them is not, so a dry-run check failing all the time costs one write, not one each time.
 */
final class DryRunShown {
  private DryRunShown() {}

  /** Whether {@code verdict} has a dry-run outcome {@code stored} does not show. */
  static boolean outdated(CanaryStatus stored, GateVerdict verdict) {
    if (verdict == null) {
      return false;
    }
    Map<String, String> shown = new HashMap<>();
    if (stored != null && stored.measurements != null) {
      for (CanaryStatus.MeasurementStatus m : stored.measurements) {
        if (Boolean.TRUE.equals(m.dryRun) && m.check != null) {
          shown.put(m.check, m.outcome);
        }
      }
    }
    for (Measurement m : verdict.measurements()) {
      if (m.dryRun() && !m.outcome().name().equals(shown.get(m.check()))) {
        return true;
      }
    }
    return false;
  }
}
