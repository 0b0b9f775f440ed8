package dev.sluice.bench;

import dev.sluice.testing.SluiceDaemon;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes the packaged daemon's AppCDS archive ({@code target/quarkus-app/app-cds.jsa}) from a
 * training run: the daemon starts, syncs its caches, releases ten Canaries (one rolled back by a
 * failing check, one by an alert), serves its API, health and metrics, and writes every class it
 * loaded into the archive when it exits. The Maven build runs this after packaging ({@code
 * -Dsluice.appcds.skip} leaves it out).
 *
 * <p>Quarkus' own archive holds only what its static initialisation loads; what follows (Vert.x,
 * the HTTP server, the Kubernetes client, the informers, the first reconciles) was read from the
 * jars at every start. Measured in docs/performance.md ("Fourth pass").
 */
public final class CdsTraining {
  private static final String[] RUN = {
    "--canaries", "10", "--warmup", "0", "--interval", "2s", "--analysis-interval", "1s"
  };

  private CdsTraining() {}

  public static void main(String[] args) {
    Path project = Path.of(System.getProperty("sluice.project.dir", ".")).toAbsolutePath();
    Path archive = SluiceDaemon.defaultJar(project).resolveSibling("app-cds.jsa");
    int status = 1;
    // twice at most: a run can lose a free port to another process between finding and binding it
    for (int attempt = 1; attempt <= 2 && status != 0; attempt++) {
      status = train(project, archive);
    }
    System.exit(status);
  }

  private static int train(Path project, Path archive) {
    try {
      // the daemon must start without an archive to write one
      Files.deleteIfExists(archive);
      System.setProperty(SluiceDaemon.JVM_ARGS_PROPERTY, "-XX:ArchiveClassesAtExit=" + archive);
      String[] args = new String[RUN.length + 2];
      System.arraycopy(RUN, 0, args, 0, RUN.length);
      args[RUN.length] = "--out";
      args[RUN.length + 1] = project.resolve("target/appcds-training").toString();
      int status = Benchmark.run(args);
      if (status != 0) {
        return status;
      }
      if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
        System.err.println("the training run wrote no AppCDS archive at " + archive);
        return 1;
      }
      System.out.printf(
          "AppCDS archive from the training run: %s (%.1f MB)%n",
          archive, Files.size(archive) / 1e6);
      return 0;
    } catch (Exception | Error e) {
      e.printStackTrace();
      return 1;
    }
  }
}
