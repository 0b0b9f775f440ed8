package dev.sluice.cli;

import dev.sluice.model.Canary;
import java.io.PrintStream;
import java.util.Objects;
import java.util.Set;

/**
 * {@code kubectl sluice watch NAME}: draws the release again whenever it changes, until it ends
 * (Succeeded: exit 0; RolledBack or Failed: exit 1) or Ctrl-C. When no release is under way it says
 * so and waits for the next one.
 */
final class WatchCommand {
  static final Set<String> ENDED = Set.of("Succeeded", "RolledBack", "Failed");

  /** Clears a terminal and puts the cursor top left. */
  private static final String CLEAR = "\033[H\033[2J";

  private final Canaries canaries;
  private final PrintStream out;
  private final boolean terminal;

  WatchCommand(Canaries canaries, PrintStream out, boolean terminal) {
    this.canaries = canaries;
    this.out = out;
    this.terminal = terminal;
  }

  int run(Args args, String namespace) {
    Canary first = canaries.get(namespace, args.name());
    String phase = phase(first);
    boolean running = phase != null && !ENDED.contains(phase) && !phase.equals("Idle");
    String finishedBefore = running ? null : finished(first);
    if (!running) {
      out.printf(
          "%s/%s: no release under way (%s); waiting for the next one, Ctrl-C to stop%n",
          namespace, args.name(), phase == null ? "no status yet" : phase);
    }
    String last = null;
    Canary c = first;
    while (true) {
      phase = phase(c);
      boolean ended = phase != null && (ENDED.contains(phase) || phase.equals("Idle"));
      running |= phase != null && !ended;
      boolean newEnd = ended && !Objects.equals(finished(c), finishedBefore);
      if (running || newEnd) {
        String frame = Frame.render(c, canaries.events(c));
        if (!frame.equals(last)) {
          out.print(terminal ? CLEAR + frame : frame + "\n");
          out.flush();
          last = frame;
        }
      }
      if (ENDED.contains(phase) && (running || newEnd)) {
        return end(c, phase);
      }
      Sleep.sleep(args.interval());
      c = canaries.find(namespace, args.name());
      if (c == null) {
        throw new CliException(
            ExitCode.NOT_FOUND, namespace + "/" + args.name() + " was deleted during the watch");
      }
    }
  }

  private int end(Canary c, String phase) {
    var s = c.getStatus();
    switch (phase) {
      case "Succeeded" -> {
        out.printf("Release succeeded: %s is the stable version%n", s.stableVersion);
        return ExitCode.OK;
      }
      case "RolledBack" -> {
        out.printf(
            "Release rolled back%s%n", s.rollbackReason == null ? "" : ": " + s.rollbackReason);
        return ExitCode.REFUSED;
      }
      default -> {
        out.printf("Release failed%s%n", s.message == null ? "" : ": " + s.message);
        return ExitCode.REFUSED;
      }
    }
  }

  private static String phase(Canary c) {
    return c.getStatus() == null ? null : c.getStatus().phase;
  }

  private static String finished(Canary c) {
    return c.getStatus() == null ? null : c.getStatus().finishedAt;
  }
}
