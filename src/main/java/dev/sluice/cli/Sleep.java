package dev.sluice.cli;

import java.time.Duration;

/** Waiting between two looks at the cluster; an interrupt ends the command. */
final class Sleep {
  private Sleep() {}

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCode.REFUSED, "interrupted");
    }
  }
}
