package dev.sluice.analysis.compare;

import java.util.Objects;

/**
 * One compared metric as the scorer sees it.
 *
 * @param name the metric's name (for messages)
 * @param group the group it counts in
 * @param critical whether its failure fails the whole evaluation, whatever the score
 * @param comparison its judged comparison
 */
public record ScoredMetric(String name, String group, boolean critical, Comparison comparison) {
  public ScoredMetric {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(comparison, "comparison");
  }
}
