package dev.sluice.testing;

import java.util.List;

/** How the sandbox, the benchmark and the end-to-end tests start the packaged daemon's JVM. */
public final class DaemonJvm {
  /**
   * The JVM options of deploy/deployment.yaml's JAVA_OPTS (DeployManifestsTest keeps them equal),
   * so what the sandbox and the benchmark measure is what a cluster runs. The AppCDS archive is
   * added where the jar has one.
   */
  public static final List<String> OPTIONS =
      List.of(
          "-Xmx128m",
          "-XX:+UseG1GC",
          "-XX:TieredStopAtLevel=1",
          "-XX:TrimNativeHeapInterval=5000",
          "-XX:+ExitOnOutOfMemoryError");

  private DaemonJvm() {}
}
