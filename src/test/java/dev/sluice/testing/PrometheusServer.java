package dev.sluice.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A real Prometheus server (the Debian package's {@code /usr/bin/prometheus}), started by hand on a
 * free loopback port with a temporary data directory, and stopped (the directory deleted) at the
 * end.
 */
public final class PrometheusServer extends ServerProcess {
  public static final String INSTALL_HINT =
      "the sandbox needs a real Prometheus server: run scripts/install-prometheus "
          + "(or 'apt-get install prometheus'), or name the binary with -Dsluice.prometheus.binary=PATH";

  /**
   * Starts Prometheus with the configuration {@code config} gives for the rule file's path (where
   * {@code rules}, a rule file's YAML, is written when given); its log goes to {@code log}.
   */
  public PrometheusServer(Path binary, Function<Path, String> config, String rules, Path log) {
    super(binary, "prometheus");
    Path ruleFile = rules == null ? dataDir.resolve("rules.yml") : write("rules.yml", rules);
    Path configFile = write("prometheus.yml", config.apply(ruleFile));
    start(
        port ->
            List.of(
                binary.toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dataDir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.retention.time=1d"),
        log,
        "prometheus");
  }

  /**
   * The sandbox's Prometheus: scrapes {@code meshTarget} every second and Sluice's {@code
   * /q/metrics} at {@code sluiceTarget} every 5 s, and when {@code alertmanagerTarget} is given,
   * evaluates the alerting {@code rules} every second and sends the alerts to that Alertmanager.
   */
  public static PrometheusServer forSandbox(
      Path binary,
      String meshTarget,
      String sluiceTarget,
      String alertmanagerTarget,
      String rules,
      Path log) {
    return new PrometheusServer(
        binary,
        ruleFile ->
            """
            # written by the Sluice sandbox
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: mesh        # the sidecars' Istio metrics
                static_configs:
                  - targets: ['%s']
              - job_name: sluice
                scrape_interval: 5s
                metrics_path: /q/metrics
                static_configs:
                  - targets: ['%s']
            """
                    .formatted(meshTarget, sluiceTarget)
                + (alertmanagerTarget == null
                    ? ""
                    : """
                    rule_files: ['%s']
                    alerting:
                      alertmanagers:
                        - static_configs:
                            - targets: ['%s']
                    """
                        .formatted(ruleFile, alertmanagerTarget)),
        alertmanagerTarget == null ? null : rules,
        log);
  }

  /** The binary named by {@code -Dsluice.prometheus.binary}, at /usr/bin, or on PATH; or null. */
  public static Path find() {
    return find("sluice.prometheus.binary", Path.of("/usr/bin/prometheus"), List.of("prometheus"));
  }
}
