package dev.sluice.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One command line: {@code COMMAND [NAME] [-n NS | -A] [--by WHO] [--timeout D] [--interval D]
 * [--context CTX] [--kubeconfig FILE]}.
 */
record Args(
    String command,
    String name,
    String namespace,
    String by,
    Duration timeout,
    Duration interval,
    String context,
    String kubeconfig) {

  /** The manual actions, as the {@code sluice.dev/action} annotation spells them. */
  static final Set<String> ACTIONS = Set.of("pause", "resume", "promote", "abort", "retry");

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);

  static final String USAGE =
      """
      Usage: kubectl sluice COMMAND [NAME] [flags]

      Commands:
        get [NAME]          every Canary (all namespaces, or -n NS): versions, weight, stage,
                            phase and the last check values
        watch NAME          a release live: weight, checks and events, until it ends
        pause NAME          hold the current weight
        resume NAME         continue a paused release
        promote NAME        skip the remaining steps: the canary takes 100%
        abort NAME          roll back now
        retry NAME          release a rolled-back version again

      Flags:
        -n, --namespace NS  the Canary's namespace (default: the kubeconfig context's)
        -A, --all-namespaces  get: every namespace (the default for get without -n)
        --by WHO            actions: who asks, recorded by Sluice (default: $USER)
        --timeout D         actions: how long to wait for Sluice's answer (default 30s)
        --interval D        watch: how often to look (default 2s)
        --context CTX       the kubeconfig context to use
        --kubeconfig FILE   the kubeconfig to use (default: $KUBECONFIG, ~/.kube/config)

      Exit codes: 0 done, 1 refused (or the watched release rolled back or failed),
      2 usage, 3 no such Canary, 4 no access to the cluster, 5 Sluice did not answer in time.
      """;

  boolean isAction() {
    return ACTIONS.contains(command);
  }

  /** Parses {@code argv}; throws a {@link CliException} with {@link ExitCode#USAGE}. */
  static Args parse(String[] argv) {
    List<String> positional = new ArrayList<>();
    String namespace = null;
    String by = null;
    Duration timeout = DEFAULT_TIMEOUT;
    Duration interval = DEFAULT_INTERVAL;
    String context = null;
    String kubeconfig = null;
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      String flag = a;
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        flag = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      switch (flag) {
        case "-h", "--help" -> {
          return new Args("help", null, null, null, timeout, interval, null, null);
        }
        case "-A", "--all-namespaces" -> namespace = null;
        case "-n", "--namespace" -> namespace = value != null ? value : next(argv, ++i, flag);
        case "--by" -> by = value != null ? value : next(argv, ++i, flag);
        case "--timeout" -> timeout = duration(value != null ? value : next(argv, ++i, flag));
        case "--interval" -> interval = duration(value != null ? value : next(argv, ++i, flag));
        case "--context" -> context = value != null ? value : next(argv, ++i, flag);
        case "--kubeconfig" -> kubeconfig = value != null ? value : next(argv, ++i, flag);
        default -> {
          if (a.startsWith("-") && a.length() > 1) {
            throw usage("unknown flag " + a);
          }
          positional.add(a);
        }
      }
    }
    if (positional.isEmpty()) {
      throw usage("no command given");
    }
    String command = positional.get(0).toLowerCase(Locale.ROOT);
    if (command.equals("help")) {
      return new Args("help", null, null, null, timeout, interval, null, null);
    }
    if (!command.equals("get") && !command.equals("watch") && !ACTIONS.contains(command)) {
      throw usage("unknown command " + positional.get(0));
    }
    if (positional.size() > 2) {
      throw usage(
          "too many arguments: " + String.join(" ", positional.subList(2, positional.size())));
    }
    String name = positional.size() == 2 ? positional.get(1) : null;
    if (by != null && (by.isBlank() || by.length() > 63 || !by.matches("[\\x20-\\x7e]+"))) {
      throw usage("--by takes a plain name of at most 63 printable characters: " + by);
    }
    if (name == null && !command.equals("get")) {
      throw usage(command + " needs the Canary's name: kubectl sluice " + command + " NAME");
    }
    return new Args(command, name, namespace, by, timeout, interval, context, kubeconfig);
  }

  private static String next(String[] argv, int i, String flag) {
    if (i >= argv.length) {
      throw usage(flag + " needs a value");
    }
    return argv[i];
  }

  /** {@code 500ms}, {@code 2s}, {@code 1m}. */
  static Duration duration(String s) {
    try {
      if (s.endsWith("ms")) {
        return positive(Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2))), s);
      }
      long n = Long.parseLong(s.substring(0, s.length() - 1));
      return switch (s.charAt(s.length() - 1)) {
        case 's' -> positive(Duration.ofSeconds(n), s);
        case 'm' -> positive(Duration.ofMinutes(n), s);
        default -> throw usage("not a duration: " + s + " (e.g. 500ms, 30s, 2m)");
      };
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw usage("not a duration: " + s + " (e.g. 500ms, 30s, 2m)");
    }
  }

  private static Duration positive(Duration d, String s) {
    if (d.isNegative() || d.isZero()) {
      throw usage("not a positive duration: " + s);
    }
    return d;
  }

  static CliException usage(String problem) {
    return new CliException(ExitCode.USAGE, problem + "\n\n" + USAGE);
  }
}
