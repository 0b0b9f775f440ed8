package dev.sluice.cli;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import java.io.PrintStream;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code kubectl sluice get [NAME] [-n NS]}: one line per Canary with its versions, weight, stage,
 * phase and the last value of every check.
 */
final class GetCommand {
  private GetCommand() {}

  static int run(Canaries canaries, Args args, PrintStream out) {
    List<Canary> list;
    if (args.name() != null) {
      String ns = args.namespace();
      list =
          ns == null
              ? canaries.list(null).stream()
                  .filter(c -> c.getMetadata().getName().equals(args.name()))
                  .toList()
              : List.of(canaries.get(ns, args.name()));
      if (list.isEmpty()) {
        throw new CliException(
            ExitCode.NOT_FOUND, "canary \"" + args.name() + "\" not found in any namespace");
      }
    } else {
      list = canaries.list(args.namespace());
    }
    if (list.isEmpty()) {
      out.println(
          args.namespace() == null
              ? "No Canaries found."
              : "No Canaries found in namespace " + args.namespace() + ".");
      return ExitCode.OK;
    }
    Table table =
        new Table("NAMESPACE", "NAME", "STABLE", "CANARY", "WEIGHT", "STAGE", "PHASE", "CHECKS");
    for (Canary c : list) {
      CanaryStatus s = c.getStatus() == null ? new CanaryStatus() : c.getStatus();
      table.add(
          c.getMetadata().getNamespace(),
          c.getMetadata().getName(),
          s.stableVersion,
          s.canaryVersion,
          s.weight == null ? null : s.weight + "%",
          s.stage,
          s.phase,
          checks(s));
    }
    table.print(out, "");
    return ExitCode.OK;
  }

  /** The last evaluation, e.g. {@code error-rate=0.002 (Pass), latency-p99=0.31 (Pass)}. */
  static String checks(CanaryStatus s) {
    if (s.measurements == null || s.measurements.isEmpty()) {
      return null;
    }
    return s.measurements.stream()
        .map(
            m ->
                m.check
                    + "="
                    + (m.value == null ? "?" : m.value)
                    + (m.outcome == null ? "" : " (" + m.outcome + ")"))
        .collect(Collectors.joining(", "));
  }
}
