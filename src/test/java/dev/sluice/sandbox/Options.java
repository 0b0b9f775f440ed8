package dev.sluice.sandbox;

import dev.sluice.testing.SluiceDaemon;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The sandbox's settings, from the command line of {@code scripts/sandbox}.
 *
 * @param scenarios the scenarios to run, in order
 * @param interval the Canary's step interval (bake time), a Sluice duration such as {@code 3s}
 * @param rate requests per second of the load generator
 * @param errorRatio share of v2's requests answered 500 in the {@code errors}, {@code
 *     gateway-errors} and {@code mirror} scenarios
 * @param latencyMs v2's typical latency in the {@code slow} scenario
 * @param badAt the canary weight (percent) at which v2 turns bad in {@code errors}, {@code slow},
 *     {@code alert} and {@code gateway-errors}
 * @param reportDir where the report goes (a timestamped directory inside it)
 * @param projectDir the project's root (CRDs, the daemon's jar)
 * @param daemonJar the packaged Sluice daemon
 */
record Options(
    List<Scenario> scenarios,
    String interval,
    double rate,
    double errorRatio,
    int latencyMs,
    int badAt,
    Path reportDir,
    Path projectDir,
    Path daemonJar) {

  static final String USAGE =
      """
      usage: scripts/sandbox [SCENARIO...] [options]

      Runs Sluice on this machine against a real Prometheus, with real HTTP traffic that the
      VirtualService steers, and writes a report.

      scenarios (default: good errors alert; several as 'good errors' or 'good,errors')
        good      v2 is healthy: promoted 10% at a time to 100%, then v1 is retired
        errors    v2 answers 5xx for a share of its requests: rolled back to 100% v1
        slow      v2's p99 latency goes over 500 ms: rolled back to 100% v1
        alert     v2 answers 8% 5xx, under the Canary's gate (20%) but over a Prometheus
                  alerting rule (2% over 30s): the alert, sent by a real Alertmanager to
                  Sluice's webhook, rolls it back to 100% v1 (needs prometheus-alertmanager)
        gateway   as good, but half the load enters through an ingress gateway (its own
                  VirtualService in istio-ingress) and half from inside the mesh; the Canary
                  lists both VirtualServices, which move in lockstep to 100% v2
        gateway-errors
                  as errors in the gateway layout: both routes back to 100% v1 at once
        abtest    an A/B stage: the insiders (x-canary: insider, a fifth of the sessions)
                  reach v2, everyone else v1; then v2 is promoted without weight steps
        mirror    v2 answers 5xx from the first; a mirroring stage copies every request to
                  it: rolled back during the mirror stage, no user ever answered by v2
        affinity  weight steps under session affinity (a cookie): promoted, and no session
                  answered by both versions while the weights moved
        bluegreen preview testers (x-sluice-preview: "true") reach v2, then everyone
                  switches to it in one write; promoted after the post-switch checks
        webhooks  the Canary's webhooks answered by a receiver in the sandbox: a failing
                  pre-rollout test suite rolls the first release back before v2 gets any
                  traffic; retried, a confirm gate opened mid-run holds it, and a step hook
                  starts the load of a service quiet until then: promoted
        subtle    v2 takes 25% longer than v1 (~150 against ~120 ms), far under
                  latency-p99's 500 ms: the fixed-threshold Canary promotes it (its
                  latency-compare is a dry-run check, shown in the report)
        subtle-compare
                  the same v2 under a Canary that also counts latency-compare (v2's
                  median latency against v1's, Mann-Whitney U test): rolled back

      options
        --interval D      bake time of each step, e.g. 2s, 5s, 1m (default 3s)
        --rate N          requests per second of the load generator (default 50)
        --error-ratio R   share of v2's requests answered 500 in 'errors', 'gateway-errors' and
                          'mirror', 0..1 (default 0.2)
        --latency-ms N    v2's typical latency in 'slow', ms (default 800)
        --bad-at W        canary weight (%) at which v2 turns bad in 'errors', 'slow', 'alert',
                          'gateway-errors'; 10 means from its first request (default 30)
        --report DIR      where the report directory goes (default sandbox-report)
        --help            this text
      """;

  private static final Pattern DURATION = Pattern.compile("(\\d+(ms|s|m|h))+");

  static Options defaults(Path projectDir) {
    return new Options(
        List.of(Scenario.GOOD, Scenario.ERRORS, Scenario.ALERT),
        "3s",
        50,
        0.2,
        800,
        30,
        projectDir.resolve("sandbox-report"),
        projectDir,
        SluiceDaemon.defaultJar(projectDir));
  }

  /** Parses the command line; throws IllegalArgumentException with a message for people. */
  static Options parse(String[] args, Path projectDir) {
    Options o = defaults(projectDir);
    List<Scenario> scenarios = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String value = null;
      if (a.startsWith("--") && a.contains("=")) {
        value = a.substring(a.indexOf('=') + 1);
        a = a.substring(0, a.indexOf('='));
      }
      if (a.startsWith("--") && !a.equals("--help") && value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        value = args[++i];
      }
      try {
        switch (a) {
          case "--help", "-h" -> throw new HelpRequested();
          case "--interval" -> {
            if (!DURATION.matcher(value).matches()) {
              throw new IllegalArgumentException(
                  "--interval takes a duration such as 2s, 5s or 1m, not " + value);
            }
            o = o.with(value, o.rate, o.errorRatio, o.latencyMs, o.badAt, o.reportDir);
          }
          case "--rate" -> {
            double rate = Double.parseDouble(value);
            if (!(rate >= 1 && rate <= 1000)) {
              throw new IllegalArgumentException("--rate must be within 1..1000 requests/s");
            }
            o = o.with(o.interval, rate, o.errorRatio, o.latencyMs, o.badAt, o.reportDir);
          }
          case "--error-ratio" -> {
            double r = Double.parseDouble(value);
            if (!(r > 0 && r <= 1)) {
              throw new IllegalArgumentException("--error-ratio must be within (0, 1]");
            }
            o = o.with(o.interval, o.rate, r, o.latencyMs, o.badAt, o.reportDir);
          }
          case "--latency-ms" -> {
            int ms = Integer.parseInt(value);
            if (ms < 1 || ms > 5000) {
              throw new IllegalArgumentException("--latency-ms must be within 1..5000");
            }
            o = o.with(o.interval, o.rate, o.errorRatio, ms, o.badAt, o.reportDir);
          }
          case "--bad-at" -> {
            int w = Integer.parseInt(value);
            if (w < 1 || w > 100) {
              throw new IllegalArgumentException("--bad-at must be a weight within 1..100");
            }
            o = o.with(o.interval, o.rate, o.errorRatio, o.latencyMs, w, o.reportDir);
          }
          case "--report" ->
              o = o.with(o.interval, o.rate, o.errorRatio, o.latencyMs, o.badAt, Path.of(value));
          default -> {
            if (a.startsWith("-")) {
              throw new IllegalArgumentException("unknown option " + a);
            }
            for (String s : a.split(",")) {
              scenarios.add(Scenario.of(s.trim()));
            }
          }
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(a + ": not a number: " + value);
      }
    }
    if (!scenarios.isEmpty()) {
      o = o.withScenarios(scenarios);
    }
    return o;
  }

  /** Thrown for --help. */
  static final class HelpRequested extends RuntimeException {
    HelpRequested() {
      super(USAGE);
    }
  }

  Options with(
      String interval, double rate, double errorRatio, int latencyMs, int badAt, Path reportDir) {
    return new Options(
        scenarios, interval, rate, errorRatio, latencyMs, badAt, reportDir, projectDir, daemonJar);
  }

  Options withScenarios(List<Scenario> scenarios) {
    List<Scenario> distinct = scenarios.stream().distinct().toList();
    return new Options(
        distinct, interval, rate, errorRatio, latencyMs, badAt, reportDir, projectDir, daemonJar);
  }
}
