package dev.sluice.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The unmodified Sluice daemon, the packaged {@code target/quarkus-app/quarkus-run.jar}, run as a
 * separate {@code java -jar} process and configured only as an operator would: environment
 * variables for the Kubernetes API server, the Prometheus URL and its own HTTP port.
 */
public final class SluiceDaemon implements AutoCloseable {
  /** Extra JVM options for the daemon, as SLUICE_DAEMON_JVM_ARGS gives them. */
  public static final String JVM_ARGS_PROPERTY = "sluice.daemon.jvm-args";

  public static final String BUILD_HINT =
      "build it first: ./mvnw -q -DskipTests package (scripts/sandbox does this)";

  private final Process process;
  private final int port;
  private final Path log;
  private final Map<String, String> configuration;

  /**
   * Starts the packaged daemon of {@code projectDir} ({@link #defaultJar}) on a free port, with the
   * API server at {@code apiServerUrl}, Prometheus at {@code prometheus}, {@code extra} environment
   * and its output in {@code log}; returns at once ({@link #awaitReady} waits until it is ready).
   */
  public static SluiceDaemon launch(
      Path projectDir,
      String apiServerUrl,
      URI prometheus,
      Path workDir,
      Path log,
      Map<String, String> extra) {
    return new SluiceDaemon(
        defaultJar(projectDir),
        apiServerUrl,
        prometheus,
        Processes.freePort(),
        workDir,
        log,
        extra);
  }

  /**
   * Starts the daemon of {@code jar} on {@code port} with {@code extra} environment (e.g.
   * leader-election settings); returns at once ({@link #awaitReady} waits until it is ready).
   */
  public SluiceDaemon(
      Path jar,
      String apiServerUrl,
      URI prometheus,
      int port,
      Path workDir,
      Path log,
      Map<String, String> extra) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no Sluice daemon at " + jar + ": " + BUILD_HINT);
    }
    this.port = port;
    this.log = log;
    this.configuration =
        Map.of(
            "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL",
            apiServerUrl,
            "SLUICE_PROMETHEUS_URL",
            prometheus.toString(),
            "QUARKUS_HTTP_HOST",
            "127.0.0.1",
            "QUARKUS_HTTP_PORT",
            Integer.toString(port));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(DaemonJvm.OPTIONS);
    Path archive = jar.resolveSibling("app-cds.jsa");
    if (Files.isRegularFile(archive)) {
      command.add("-XX:SharedArchiveFile=" + archive);
    }
    // extra JVM options for a run, e.g. a flight recording: SLUICE_DAEMON_JVM_ARGS="-XX:..."
    // (or the system property, which the AppCDS training sets)
    String more = System.getProperty(JVM_ARGS_PROPERTY, System.getenv("SLUICE_DAEMON_JVM_ARGS"));
    if (more != null && !more.isBlank()) {
      command.addAll(List.of(more.trim().split("\\s+")));
    }
    // from the jar's directory: the archive knows the class path relative to it
    command.addAll(List.of("-jar", jar.getFileName().toString()));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(jar.toAbsolutePath().getParent().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    // an empty kubeconfig: the daemon must not pick up a real cluster's context or credentials
    Path kubeconfig = workDir.resolve("empty-kubeconfig");
    try {
      Files.writeString(kubeconfig, "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("MALLOC_ARENA_MAX", "2"); // as in deploy/deployment.yaml
    // A bearer token, as a Pod's service account gives one (the mock API ignores it). Without
    // one, fabric8's token refresh finds none and re-reads the whole configuration before every
    // request, once the first minute is over: 8% of the daemon's CPU at 1,000 Canaries.
    env.put("KUBERNETES_AUTH_TOKEN", "sandbox-service-account");
    env.remove("KUBERNETES_SERVICE_HOST");
    env.putAll(configuration);
    env.putAll(extra);
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns once the daemon reports ready; stops it if it does not within two minutes. */
  public SluiceDaemon awaitReady() {
    try {
      await("/q/health/ready", Duration.ofSeconds(120));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    return this;
  }

  /**
   * Waits until {@code path} answers 200: {@code /q/health/live} once Quarkus has started (its HTTP
   * server opens last), {@code /q/health/ready} once the caches have synced. Polls every 50 ms;
   * fails when the daemon exits or {@code timeout} passes, with the end of its log.
   */
  public void await(String path, Duration timeout) {
    Processes.awaitOk(process, http().resolve(path), timeout, log, "the Sluice daemon");
  }

  /** The environment the daemon was given (what an operator would set). */
  public Map<String, String> configuration() {
    return configuration;
  }

  /** The daemon's HTTP root, e.g. {@code http://127.0.0.1:40123}. */
  public URI http() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Kills the process at once (SIGKILL): no shutdown hook runs, the Lease is not released. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public String metricsTarget() {
    return "127.0.0.1:" + port;
  }

  public static Path defaultJar(Path projectDir) {
    return projectDir.resolve(
        "target/quarkus-app/quarkus-run.jar".replace('/', File.separatorChar));
  }

  @Override
  public void close() {
    Processes.stop(process, Duration.ofSeconds(15));
  }
}
