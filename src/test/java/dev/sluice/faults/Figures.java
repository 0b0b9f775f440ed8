package dev.sluice.faults;

import dev.sluice.testing.InvariantChecker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The figures of a fault run, one line per test, printed and appended to {@code
 * target/faults-it/figures.tsv} (what docs/reliability.md's table is made from).
 */
public final class Figures {
  private Figures() {}

  /**
   * @param test the test
   * @param faults what was injected, e.g. "409=12 500=30 kill=20"
   * @param report the invariant checker's report of the run
   */
  public static void record(String test, String faults, InvariantChecker.Report report) {
    String line =
        String.join(
            "\t",
            Instant.now().toString(),
            test,
            faults,
            "seed=" + Rig.SEED,
            "versions=" + report.versions(),
            "routeWrites=" + report.routeWrites(),
            "releases=" + report.releasesStarted(),
            "promoted=" + report.promoted(),
            "rolledBack=" + report.rolledBack(),
            "lost=" + report.releasesLost(),
            "violations=" + report.violations().size());
    System.out.println("FIGURES " + line);
    Path file =
        Path.of(System.getProperty("sluice.project.dir", "."), "target/faults-it/figures.tsv");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
