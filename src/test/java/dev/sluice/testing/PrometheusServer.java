package dev.sluice.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real Prometheus server (the Debian package's {@code /usr/bin/prometheus}), started by hand on a
 * free loopback port with a 1 s scrape interval and a temporary data directory, and stopped (the
 * directory deleted) at the end.
 */
public final class PrometheusServer implements AutoCloseable {
  public static final String INSTALL_HINT =
      "the sandbox needs a real Prometheus server: run scripts/install-prometheus "
          + "(or 'apt-get install prometheus'), or name the binary with -Dsluice.prometheus.binary=PATH";

  private final Path dataDir;
  private final Process process;
  private final URI url;
  private final String version;

  /**
   * Starts Prometheus scraping {@code meshTarget} every second and Sluice's {@code /q/metrics} at
   * {@code sluiceTarget} every 5 s; its log goes to {@code log}.
   */
  public PrometheusServer(Path binary, String meshTarget, String sluiceTarget, Path log) {
    this(binary, meshTarget, sluiceTarget, null, null, log);
  }

  /**
   * As above, and when {@code alertmanagerTarget} is given, evaluates the alerting {@code rules} (a
   * rule file's YAML) every second and sends the alerts to that Alertmanager.
   */
  public PrometheusServer(
      Path binary,
      String meshTarget,
      String sluiceTarget,
      String alertmanagerTarget,
      String rules,
      Path log) {
    try {
      dataDir = Files.createTempDirectory("sluice-sandbox-prometheus-");
      Path config = dataDir.resolve("prometheus.yml");
      String alerting = "";
      if (alertmanagerTarget != null) {
        Path ruleFile = dataDir.resolve("rules.yml");
        Files.writeString(ruleFile, rules);
        alerting =
            """
            rule_files: ['%s']
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['%s']
            """
                .formatted(ruleFile, alertmanagerTarget);
      }
      Files.writeString(
          config,
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
              + alerting);
      version = versionOf(binary);
      Processes.Started started =
          Processes.startOnFreePort(
              port ->
                  List.of(
                      binary.toString(),
                      "--config.file=" + config,
                      "--storage.tsdb.path=" + dataDir.resolve("data"),
                      "--web.listen-address=127.0.0.1:" + port,
                      "--storage.tsdb.retention.time=1d"),
              log,
              "prometheus");
      process = started.process();
      url = started.url();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The binary named by {@code -Dsluice.prometheus.binary}, at /usr/bin, or on PATH; or null. */
  public static Path find() {
    String given = System.getProperty("sluice.prometheus.binary");
    if (given != null) {
      return Files.isExecutable(Path.of(given)) ? Path.of(given) : null;
    }
    Path usual = Path.of("/usr/bin/prometheus");
    if (Files.isExecutable(usual)) {
      return usual;
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir, "prometheus");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }

  public static String versionOf(Path binary) {
    try {
      Process p =
          new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor();
      return out.lines().findFirst().orElse("").trim();
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  public URI url() {
    return url;
  }

  public String version() {
    return version;
  }

  @Override
  public void close() {
    Processes.stop(process, Duration.ofSeconds(10));
    try (Stream<Path> files = Files.walk(dataDir)) {
      List<Path> all = files.sorted(Comparator.reverseOrder()).toList();
      for (Path f : all) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
