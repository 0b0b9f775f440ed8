package dev.sluice.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
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
      series(
          Map.of(
              "sluice_canary_weight_percent", "sluice.canary.weight",
              "sluice_canary_phase", "sluice.canary.phase",
              "sluice_canary_step", "sluice.canary.step",
              "sluice_canary_ready", "sluice.canary.ready",
              "sluice_canary_release_started_timestamp_seconds",
                  "sluice.canary.release.started.timestamp",
              "sluice_leader", "sluice.leader",
              "sluice_alerts_total", "sluice.alerts",
              "sluice_alert_reaction_last_timestamp_seconds",
                  "sluice.alert.reaction.last.timestamp",
              "sluice_check_value", "sluice.check.value",
              "sluice_check_evaluations_total", "sluice.check.evaluations"),
          Map.of(
              "sluice_rollbacks_total", "sluice.rollbacks",
              "sluice_releases_total", "sluice.releases",
              "sluice_prometheus_query_errors_total", "sluice.prometheus.query.errors",
              "sluice_notifications_total", "sluice.notifications"),
          List.of(
              timer("sluice.alert.reaction", true),
              timer("sluice.check.reaction", true),
              timer("sluice.release.duration", false),
              timer("sluice.reconcile", true),
              timer("sluice.prometheus.query", false),
              timer("sluice.notification.latency", true)));

  /**
   * A timer's series: {@code <name>_seconds_count}, {@code _sum} and {@code _max}, and {@code
   * _bucket} when it publishes buckets.
   */
  private static Map<String, String> timer(String meter, boolean buckets) {
    String series = meter.replace('.', '_') + "_seconds";
    Map<String, String> out = new HashMap<>();
    for (String suffix :
        buckets
            ? List.of("_bucket", "_count", "_sum", "_max")
            : List.of("_count", "_sum", "_max")) {
      out.put(series + suffix, meter);
    }
    return out;
  }

  private static Map<String, String> series(
      Map<String, String> gauges, Map<String, String> counters, List<Map<String, String>> timers) {
    Map<String, String> all = new HashMap<>(gauges);
    all.putAll(counters);
    timers.forEach(all::putAll);
    return Map.copyOf(all);
  }

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
