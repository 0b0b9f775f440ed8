package dev.sluice.sandbox;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * The sandbox's launchers (the mock API server, the packaged daemon as a process) for tests in
 * other packages, such as the fault tests of {@code dev.sluice.faults}: a public face over the
 * package-private {@link ApiServer} and {@link SluiceDaemon}, which stay as they are.
 */
public final class Launchers {
  private Launchers() {}

  /** The mock Kubernetes API server (CRUD mode, Sluice's CRDs, minimal Istio CRDs). */
  public static final class Api implements AutoCloseable {
    private final ApiServer server;

    private Api(ApiServer server) {
      this.server = server;
    }

    public String url() {
      return server.url();
    }

    public KubernetesClient client() {
      return server.client();
    }

    public KubernetesMockServer server() {
      return server.server();
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /** One packaged daemon process. */
  public static final class Daemon implements AutoCloseable {
    private final SluiceDaemon daemon;

    private Daemon(SluiceDaemon daemon) {
      this.daemon = daemon;
    }

    /** SIGKILL: no shutdown hook runs, nothing is released. */
    public void kill() {
      daemon.kill();
    }

    public boolean alive() {
      return daemon.alive();
    }

    /** The daemon's HTTP root. */
    public URI http() {
      return daemon.http();
    }

    /** SIGTERM, then SIGKILL after a grace period. */
    @Override
    public void close() {
      daemon.close();
    }
  }

  public static Api apiServer(Path projectDir) {
    return new Api(new ApiServer(projectDir));
  }

  /**
   * Starts the packaged daemon ({@code target/quarkus-app/quarkus-run.jar} of {@code projectDir})
   * with the API server at {@code apiServerUrl}, Prometheus at {@code prometheus}, a free HTTP
   * port, {@code extra} environment, its output in {@code log}; when {@code awaitReady}, returns
   * once it reports ready.
   */
  public static Daemon daemon(
      Path projectDir,
      String apiServerUrl,
      URI prometheus,
      Path workDir,
      Path log,
      Map<String, String> extra,
      boolean awaitReady) {
    return new Daemon(
        new SluiceDaemon(
            SluiceDaemon.defaultJar(projectDir),
            apiServerUrl,
            prometheus,
            Processes.freePort(),
            workDir,
            log,
            extra,
            awaitReady));
  }

  /** A loopback port free right now. */
  public static int freePort() {
    return Processes.freePort();
  }
}
