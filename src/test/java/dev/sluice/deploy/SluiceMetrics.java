package dev.sluice.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The series Sluice exports at {@code /q/metrics}, as Prometheus names them, for the dashboard and
 * alert tests: each with the Micrometer meter name it comes from in {@code src/main/java}.
 * Micrometer's Prometheus names: dots become underscores, then the base unit, then {@code _total}
 * for a counter; a timer is {@code <name>_seconds_count/_sum/_max} and, with a percentile
 * histogram, {@code _bucket}.
 */
final class SluiceMetrics {
  private SluiceMetrics() {}

  /** Prometheus series name to Micrometer meter name. */
  static final Map<String, String> SERIES =
      Map.ofEntries(
          Map.entry("sluice_canary_weight_percent", "sluice.canary.weight"),
          Map.entry("sluice_canary_phase", "sluice.canary.phase"),
          Map.entry("sluice_canary_step", "sluice.canary.step"),
          Map.entry("sluice_canary_ready", "sluice.canary.ready"),
          Map.entry(
              "sluice_canary_release_started_timestamp_seconds",
              "sluice.canary.release.started.timestamp"),
          Map.entry("sluice_leader", "sluice.leader"),
          Map.entry("sluice_alerts_total", "sluice.alerts"),
          Map.entry("sluice_alert_reaction_seconds_bucket", "sluice.alert.reaction"),
          Map.entry("sluice_alert_reaction_seconds_count", "sluice.alert.reaction"),
          Map.entry("sluice_alert_reaction_seconds_sum", "sluice.alert.reaction"),
          Map.entry("sluice_alert_reaction_seconds_max", "sluice.alert.reaction"),
          Map.entry(
              "sluice_alert_reaction_last_timestamp_seconds",
              "sluice.alert.reaction.last.timestamp"),
          Map.entry("sluice_check_reaction_seconds_bucket", "sluice.check.reaction"),
          Map.entry("sluice_check_reaction_seconds_count", "sluice.check.reaction"),
          Map.entry("sluice_check_reaction_seconds_sum", "sluice.check.reaction"),
          Map.entry("sluice_check_reaction_seconds_max", "sluice.check.reaction"),
          Map.entry("sluice_check_value", "sluice.check.value"),
          Map.entry("sluice_check_evaluations_total", "sluice.check.evaluations"),
          Map.entry("sluice_rollbacks_total", "sluice.rollbacks"),
          Map.entry("sluice_releases_total", "sluice.releases"),
          Map.entry("sluice_release_duration_seconds_count", "sluice.release.duration"),
          Map.entry("sluice_release_duration_seconds_sum", "sluice.release.duration"),
          Map.entry("sluice_release_duration_seconds_max", "sluice.release.duration"),
          Map.entry("sluice_reconcile_seconds_bucket", "sluice.reconcile"),
          Map.entry("sluice_reconcile_seconds_count", "sluice.reconcile"),
          Map.entry("sluice_reconcile_seconds_sum", "sluice.reconcile"),
          Map.entry("sluice_reconcile_seconds_max", "sluice.reconcile"),
          Map.entry("sluice_prometheus_query_seconds_count", "sluice.prometheus.query"),
          Map.entry("sluice_prometheus_query_seconds_sum", "sluice.prometheus.query"),
          Map.entry("sluice_prometheus_query_seconds_max", "sluice.prometheus.query"),
          Map.entry("sluice_prometheus_query_errors_total", "sluice.prometheus.query.errors"));

  /**
   * Meters made on main by work that went on beside this branch (issue 5's leader election and
   * Canary gauges, the API's alert counter), with these names and labels (namespace and name for
   * the Canary gauges, result for the alerts). Only these may be missing from this branch's
   * src/main/java; once merged, they are found there like the others.
   */
  static final Set<String> ANNOUNCED =
      Set.of(
          "sluice_canary_ready",
          "sluice_canary_release_started_timestamp_seconds",
          "sluice_leader",
          "sluice_alerts_total");

  /** Every double-quoted string literal in src/main/java. */
  static Set<String> sourceStrings() {
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      return files
          .filter(p -> p.toString().endsWith(".java"))
          .flatMap(
              p -> {
                try {
                  return java.util.regex.Pattern.compile("\"([^\"\\\\]*)\"")
                      .matcher(Files.readString(p))
                      .results()
                      .map(r -> r.group(1));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .collect(Collectors.toSet());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
