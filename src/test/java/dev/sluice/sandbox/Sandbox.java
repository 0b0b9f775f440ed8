package dev.sluice.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sluice.testing.AlertmanagerServer;
import dev.sluice.testing.ApiServer;
import dev.sluice.testing.InProcessLogs;
import dev.sluice.testing.Processes;
import dev.sluice.testing.PrometheusServer;
import dev.sluice.testing.SluiceDaemon;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The local sandbox: the whole canary story on one machine, all on 127.0.0.1. Starts the mock
 * Kubernetes API ({@link ApiServer}), the mesh's metrics endpoint ({@link IstioMetrics}), a real
 * Prometheus ({@link PrometheusServer}) and the unmodified Sluice daemon ({@link SluiceDaemon});
 * runs each scenario in its own namespace ({@link ScenarioRun}); writes the report; stops it all.
 *
 * <p>Run by {@code scripts/sandbox}; the end-to-end test {@code SandboxIT} uses it too.
 */
public final class Sandbox implements AutoCloseable {
  static {
    InProcessLogs.quiet();
    // The JDK's HTTP server closes connections idle for 30 s; a client must not reuse one that
    // old, or the request on it fails (a loss that has nothing to do with the release).
    if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
      System.setProperty("jdk.httpclient.keepalive.timeout", "10");
    }
  }

  private final Options options;
  private final PrintStream out;
  private final Path reportDir;
  private final Instant startedAt = Instant.now();
  private final List<ScenarioRun> runs = new ArrayList<>();
  private final List<Map<String, Object>> reports = new ArrayList<>();
  private ApiServer api;
  private IstioMetrics metrics;
  private PrometheusServer prometheus;
  private AlertmanagerServer alertmanager;
  private SluiceDaemon daemon;
  private WebhookReceiver receiver;
  // kept for report.json, which is written after everything stopped
  private final Map<String, Object> versions = new LinkedHashMap<>();

  private Sandbox(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneId.systemDefault())
            .format(startedAt);
    this.reportDir = options.reportDir().resolve(stamp).toAbsolutePath();
  }

  /** Starts the shared parts: API server, metrics, Prometheus, the daemon. */
  public static Sandbox start(Options options, PrintStream out) {
    Path binary = PrometheusServer.find();
    if (binary == null) {
      throw new IllegalStateException(PrometheusServer.INSTALL_HINT);
    }
    Path alertmanagerBinary = null;
    if (options.scenarios().contains(Scenario.ALERT)) {
      alertmanagerBinary = AlertmanagerServer.find();
      if (alertmanagerBinary == null) {
        throw new IllegalStateException(AlertmanagerServer.INSTALL_HINT);
      }
    }
    if (!Files.isRegularFile(options.daemonJar())) {
      throw new IllegalStateException(
          "no Sluice daemon at " + options.daemonJar() + ": " + SluiceDaemon.BUILD_HINT);
    }
    Sandbox s = new Sandbox(options, out);
    try {
      s.startShared(binary, alertmanagerBinary);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /**
   * What the alert scenario needs to follow an alert: Alertmanager (null when not started), its
   * log, the daemon's HTTP root (its metrics).
   */
  record Alerting(URI alertmanager, Path alertmanagerLog, URI daemon) {}

  private void startShared(Path binary, Path alertmanagerBinary) {
    try {
      Files.createDirectories(reportDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println("Sluice sandbox — report: " + reportDir);
    api = new ApiServer(options.projectDir());
    metrics = new IstioMetrics();
    int daemonPort = Processes.freePort();
    // the API's bearer token: random per run, for the daemon and Alertmanager only
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    String token = HexFormat.of().formatHex(secret);
    String rules = null;
    if (alertmanagerBinary != null) {
      alertmanager =
          new AlertmanagerServer(
              alertmanagerBinary,
              URI.create("http://127.0.0.1:" + daemonPort + "/api/v1/alerts"),
              token,
              reportDir.resolve("alertmanager.log"));
      rules = AlertPath.rules();
      write("alert-rules.yml", rules);
      write(
          "alertmanager.yml",
          AlertmanagerServer.config(
              URI.create("http://127.0.0.1:" + daemonPort + "/api/v1/alerts"),
              Path.of("<temporary directory>/sluice-api-token")));
    }
    prometheus =
        PrometheusServer.forSandbox(
            binary,
            metrics.target(),
            "127.0.0.1:" + daemonPort,
            alertmanager == null ? null : alertmanager.target(),
            rules,
            reportDir.resolve("prometheus.log"));
    out.printf(
        "  Kubernetes API (fabric8 mock, CRUD)  %s%n  Prometheus (%s)  %s%n",
        api.url(), prometheus.version(), prometheus.url());
    if (alertmanager != null) {
      out.printf(
          "  Alertmanager (%s)  %s, no cluster port; route sluice=\"rollback\" → Sluice's webhook"
              + " with the token (group_wait %s); rule %s (alert-rules.yml)%n",
          alertmanager.version(),
          alertmanager.url(),
          AlertmanagerServer.GROUP_WAIT,
          AlertPath.ALERT);
    }
    // the receiver of the webhooks scenario's webhooks, and of the daemon's notifications
    receiver = WebhookReceiver.start();
    Map<String, String> daemonEnv = new LinkedHashMap<>();
    daemonEnv.put("SLUICE_API_TOKEN", token);
    Map<String, String> notifications = notificationSettings(receiver);
    daemonEnv.putAll(notifications);
    out.printf(
        "  webhook receiver  %s (the webhooks scenario's webhooks; notifications under %s: %s)%n",
        receiver.url("/"),
        WebhookReceiver.NOTIFY,
        notifications.isEmpty() ? "none configured" : notifications.keySet());
    daemon =
        new SluiceDaemon(
                options.daemonJar(),
                api.url(),
                prometheus.url(),
                daemonPort,
                reportDir,
                reportDir.resolve("sluice.log"),
                daemonEnv)
            .awaitReady();
    out.printf(
        "  Sluice daemon  http://%s (log: sluice.log), configured by %s and SLUICE_API_TOKEN"
            + " (random per run)%n",
        daemon.metricsTarget(), daemon.configuration().keySet().stream().sorted().toList());
    out.flush();
    versions.put("prometheus", prometheus.version());
    if (alertmanager != null) {
      versions.put("alertmanager", alertmanager.version());
    }
    Map<String, Object> configuration = new java.util.TreeMap<>(daemon.configuration());
    configuration.putAll(notifications);
    configuration.put("SLUICE_API_TOKEN", "(random per run, not shown)");
    versions.put("sluiceConfiguration", configuration);
  }

  /**
   * The daemon's notification settings (docs/notifications.md): the three daemon-wide receivers,
   * Slack, Teams and CloudEvents, point at {@code receiver} under {@link WebhookReceiver#NOTIFY},
   * and every kind is sent, the steps too, so that each release gives a few dozen notifications
   * (the webhooks scenario reports the CloudEvents' latency from their {@code time}, the
   * transition, to their receipt). The rate limit is raised from its 30 a minute so that a sandbox
   * release, which steps every few seconds, is not thinned out.
   */
  static Map<String, String> notificationSettings(WebhookReceiver receiver) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    env.put(
        "SLUICE_NOTIFICATIONS_SLACK_URL",
        receiver.url(WebhookReceiver.NOTIFY + "slack").toString());
    env.put(
        "SLUICE_NOTIFICATIONS_TEAMS_URL",
        receiver.url(WebhookReceiver.NOTIFY + "teams").toString());
    env.put(
        "SLUICE_NOTIFICATIONS_CLOUDEVENTS_URL",
        receiver.url(WebhookReceiver.NOTIFY + "cloudevents").toString());
    env.put("SLUICE_NOTIFICATIONS_CLOUDEVENTS_SOURCE", "/sluice/sandbox");
    env.put("SLUICE_NOTIFICATIONS_KINDS", "started,paused,resumed,step,rolledback,promoted,failed");
    env.put("SLUICE_NOTIFICATIONS_RATE_LIMIT_PER_MINUTE", "600");
    env.put("SLUICE_NOTIFICATIONS_RATE_LIMIT_BURST", "30");
    return env;
  }

  /** Runs one scenario to its end and returns its report. */
  public Map<String, Object> run(Scenario scenario) {
    ScenarioRun run =
        new ScenarioRun(
            scenario,
            options,
            api.client(),
            metrics,
            prometheus.url(),
            new Alerting(
                alertmanager == null ? null : alertmanager.url(),
                alertmanager == null ? null : alertmanager.log(),
                daemon.http()),
            receiver,
            out);
    runs.add(run);
    try {
      run.run();
      Map<String, Object> report = SandboxReport.of(run, api.client(), scenario.id() + ".svg");
      Files.writeString(reportDir.resolve(scenario.id() + ".svg"), Chart.of(run));
      Files.write(reportDir.resolve(scenario.id() + "-pods.log"), run.kubelet.log());
      reports.add(report);
      return report;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      run.close();
    }
  }

  private void write(String file, String text) {
    try {
      Files.writeString(reportDir.resolve(file), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes report.json with every scenario run so far; returns its path. */
  public Path writeReport() {
    Map<String, Object> top = new LinkedHashMap<>();
    top.put("startedAt", startedAt.toString());
    top.put("totalSeconds", SandboxReport.seconds(startedAt, Instant.now()));
    top.put("ok", reports.stream().allMatch(r -> Boolean.TRUE.equals(r.get("ok"))));
    top.putAll(versions);
    top.put("scenarios", reports);
    Path file = reportDir.resolve("report.json");
    try {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), top);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  public Path reportDir() {
    return reportDir;
  }

  public List<Map<String, Object>> reports() {
    return List.copyOf(reports);
  }

  @Override
  public void close() {
    if (daemon != null) {
      daemon.close();
      daemon = null;
    }
    if (prometheus != null) {
      prometheus.close();
      prometheus = null;
    }
    if (alertmanager != null) {
      alertmanager.close();
      alertmanager = null;
    }
    if (receiver != null) {
      receiver.close();
      receiver = null;
    }
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
    if (api != null) {
      api.close();
      api = null;
    }
  }

  /** {@code scripts/sandbox [SCENARIO...] [--interval D] [--rate N] ...}; see {@link Options}. */
  public static void main(String[] args) {
    Path projectDir =
        Path.of(System.getProperty("sluice.project.dir", ".")).toAbsolutePath().normalize();
    Options options;
    try {
      options = Options.parse(args, projectDir);
    } catch (Options.HelpRequested e) {
      System.out.print(Options.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("sandbox: " + e.getMessage());
      System.err.print(Options.USAGE);
      System.exit(2);
      return;
    }
    long t0 = System.nanoTime();
    boolean ok;
    Sandbox sandbox;
    try {
      sandbox = start(options, System.out);
    } catch (IllegalStateException e) {
      System.err.println("sandbox: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(sandbox::close, "sandbox-stop"));
    List<String> finals = new ArrayList<>();
    try {
      for (Scenario s : options.scenarios()) {
        sandbox.run(s);
        finals.add(SandboxReport.finalLine(sandbox.runs.get(sandbox.runs.size() - 1)));
      }
    } catch (RuntimeException e) {
      System.err.println("sandbox: " + e.getMessage());
    } finally {
      sandbox.close();
    }
    Path report = sandbox.writeReport();
    ok =
        sandbox.reports.size() == options.scenarios().size()
            && sandbox.reports.stream().allMatch(r -> Boolean.TRUE.equals(r.get("ok")));
    if (finals.size() > 1) {
      System.out.println();
      finals.forEach(System.out::println);
    }
    System.out.printf(
        Locale.ROOT,
        "%nsandbox %s in %.0f s. Report: %s (and %s)%n",
        ok ? "done" : "FAILED",
        Duration.ofNanos(System.nanoTime() - t0).toMillis() / 1000.0,
        report,
        String.join(", ", options.scenarios().stream().map(s -> s.id() + ".svg").toList()));
    System.exit(ok ? 0 : 1);
  }
}
