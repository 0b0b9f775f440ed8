package dev.sluice.sandbox;

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
final class SluiceDaemon implements AutoCloseable {
  static final String BUILD_HINT =
      "build it first: ./mvnw -q -DskipTests package (scripts/sandbox does this)";

  private final Process process;
  private final int port;
  private final Map<String, String> configuration;

  SluiceDaemon(Path jar, String apiServerUrl, URI prometheus, int port, Path workDir, Path log) {
    this(jar, apiServerUrl, prometheus, port, workDir, log, Map.of(), true);
  }

  /**
   * A daemon with {@code extra} environment (e.g. leader-election settings); when {@code
   * awaitReady} it returns once the daemon reports ready.
   */
  SluiceDaemon(
      Path jar,
      String apiServerUrl,
      URI prometheus,
      int port,
      Path workDir,
      Path log,
      Map<String, String> extra,
      boolean awaitReady) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no Sluice daemon at " + jar + ": " + BUILD_HINT);
    }
    this.port = port;
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
    command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-jar", jar.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    // an empty kubeconfig: the daemon must not pick up a real cluster's context or credentials
    Path kubeconfig = workDir.resolve("empty-kubeconfig");
    try {
      Files.writeString(kubeconfig, "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    env.put("KUBECONFIG", kubeconfig.toString());
    env.remove("KUBERNETES_SERVICE_HOST");
    env.putAll(configuration);
    env.putAll(extra);
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!awaitReady) {
      return;
    }
    Processes.awaitOk(
        process,
        URI.create("http://127.0.0.1:" + port + "/q/health/ready"),
        Duration.ofSeconds(120),
        log,
        "the Sluice daemon");
  }

  /** The environment the daemon was given (what an operator would set). */
  Map<String, String> configuration() {
    return configuration;
  }

  /** The daemon's HTTP root, e.g. {@code http://127.0.0.1:40123}. */
  URI http() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Kills the process at once (SIGKILL): no shutdown hook runs, the Lease is not released. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  String metricsTarget() {
    return "127.0.0.1:" + port;
  }

  static Path defaultJar(Path projectDir) {
    return projectDir.resolve(
        "target/quarkus-app/quarkus-run.jar".replace('/', File.separatorChar));
  }

  @Override
  public void close() {
    Processes.stop(process, Duration.ofSeconds(15));
  }
}
