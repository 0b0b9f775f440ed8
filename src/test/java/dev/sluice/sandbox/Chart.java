package dev.sluice.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SVG picture of one scenario over time: the canary's weight as the mesh routed it, the 5xx
 * share and p99 that Sluice measured at each evaluation (dots coloured by outcome, the threshold
 * dashed; in grey the 5xx share of v2 that the clients saw, per second), and vertical marks for v2
 * applied, v2 turning bad, rollback, promotion and v1's retirement.
 *
 * <p>The release-strategy scenarios also show, per second, v2's share of each group of sessions'
 * answers (dots: the users, the insiders or preview testers), the copies mirrored to v2 and their
 * 5xx share, and marks for when Sluice's match route, mirror or sticky routes came.
 */
final class Chart {
  private static final int WIDTH = 960;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int PANEL = 150;
  private static final int GAP = 42;
  private static final int TOP = 56;

  private final StringBuilder svg = new StringBuilder();
  private final Instant start;
  private final double span;

  private Chart(Instant start, Instant end) {
    this.start = start;
    this.span = Math.max(1, Duration.between(start, end).toMillis() / 1000.0);
  }

  /** The SVG document for one scenario. */
  static String of(ScenarioRun run) {
    Instant end = run.moments.getOrDefault("end", Instant.now());
    Chart c = new Chart(run.startedAt(), end);
    return c.draw(run);
  }

  private double x(Instant t) {
    return x(Duration.between(start, t).toMillis() / 1000.0);
  }

  private double x(double seconds) {
    return LEFT + (WIDTH - LEFT - RIGHT) * Math.max(0, Math.min(span, seconds)) / span;
  }

  // room above the panels for the legend of several routes
  private int legendRows;

  private int top(int panel) {
    return TOP + (legendRows == 0 ? 0 : 15 * legendRows + 4) + panel * (PANEL + GAP);
  }

  private String draw(ScenarioRun run) {
    legendRows = run.routes.size() > 1 ? run.routes.size() : run.scenario().strategy() ? 1 : 0;
    int height = top(3) + (run.alertPath() != null || run.scenario().strategy() ? 36 : 20);
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " font-family=\"sans-serif\" font-size=\"12\">\n",
            WIDTH,
            height,
            WIDTH,
            height));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    text(
        LEFT,
        22,
        "Sluice sandbox — "
            + run.scenario().id()
            + ": "
            + run.outcome
            + " (interval "
            + run.options().interval()
            + ", "
            + ScenarioRun.fmt(run.options().rate())
            + " req/s"
            + (run.badBehaviour() == null
                ? ""
                : run.scenario().badFromTheStart()
                    ? ", v2 bad from its first request: " + run.badBehaviour()
                    : ", v2 turns bad at " + run.options().badAt() + "%: " + run.badBehaviour())
            + ")",
        "start",
        15,
        "#000");
    text(LEFT, 40, SandboxReport.summary(run), "start", 11, "#333");
    String strategy = StrategyChecks.summary(run);
    if (strategy != null) {
      text(LEFT, 55, strategy, "start", 11, "#333");
    }

    // panel 0: weight
    double[] weightMax = {100};
    frame(0, "canary weight %", 0, 100, false);
    if (run.routes.size() > 1) {
      routes(run);
    } else {
      polyline(weightSteps(run.route), 0, 0, weightMax[0], "#1f77b4", 2.5, null);
    }
    if (run.scenario().strategy()) {
      groups(run);
    }

    // panel 1: 5xx share
    double maxRatio = SandboxReport.max(run.canary(), ScenarioRun.CANARY_CHECK_ERRORS);
    // a strict gate (1%) leaves room to show the errors above it; a lenient one (the alert
    // scenario's 20%) is shown near the top
    double ratioTop =
        Double.isNaN(maxRatio) ? 0.05 : maxRatio < 0.05 ? maxRatio * 5 : maxRatio * 1.3;
    for (ScenarioRun.Evaluation e : run.evaluations) {
      if (e.errorRatio() != null) {
        ratioTop = Math.max(ratioTop, e.errorRatio() * 1.15);
      }
    }
    if (run.badBehaviour() != null && run.badBehaviour().errorRatio() > 0) {
      ratioTop = Math.max(ratioTop, run.badBehaviour().errorRatio() * 1.25);
    }
    ratioTop = nice(Math.min(1, ratioTop), new double[] {0.02, 0.04, 0.08, 0.2, 0.4, 0.8, 1});
    List<double[]> client = new ArrayList<>();
    for (Map.Entry<Long, LoadGenerator.Second> s : run.load.seconds().entrySet()) {
      long n = s.getValue().v2.sum();
      if (n >= 5) { // fewer answers in a second say little about a share
        double share = Math.min(ratioTop, s.getValue().v2Errors.sum() / (double) n);
        double t = s.getKey() - start.getEpochSecond() - start.getNano() / 1e9;
        client.add(new double[] {t, share}); // one flat segment per second
        client.add(new double[] {t + 1, share});
      }
    }
    frame(1, "v2 5xx share", 0, ratioTop, true);
    polyline(client, 1, 0, ratioTop, "#999", 1.2, "3,2");
    polyline(mirroredErrors(run, ratioTop), 1, 0, ratioTop, "#8c564b", 1.2, "3,2");
    threshold(1, maxRatio, ratioTop, "max " + pct(maxRatio), "#d62728");
    AlertPath alert = run.alertPath();
    if (alert != null) {
      // the alerting rule's expression as Prometheus computed it, and its threshold
      List<double[]> rule = new ArrayList<>();
      for (AlertPath.Sample p : alert.ruleValues) {
        if (!Double.isNaN(p.value())) {
          rule.add(
              new double[] {
                Duration.between(start, p.at()).toMillis() / 1000.0, Math.min(ratioTop, p.value())
              });
        }
      }
      polyline(rule, 1, 0, ratioTop, "#ff7f0e", 1.5, null);
      threshold(
          1,
          AlertPath.THRESHOLD,
          ratioTop,
          "alert "
              + AlertPath.ALERT
              + " > "
              + pct(AlertPath.THRESHOLD)
              + " over "
              + AlertPath.WINDOW,
          "#ff7f0e",
          false);
    }
    series(run, 1, ratioTop, true);

    // panel 2: p99
    double maxMs = SandboxReport.max(run.canary(), ScenarioRun.CANARY_CHECK_P99);
    double msTop = Double.isNaN(maxMs) ? 600 : maxMs * 1.4;
    for (ScenarioRun.Evaluation e : run.evaluations) {
      if (e.p99Ms() != null) {
        msTop = Math.max(msTop, e.p99Ms() * 1.15);
      }
    }
    msTop = nice(msTop, new double[] {200, 600, 800, 1000, 1500, 2000, 3000, 5000, 10000});
    frame(2, "v2 p99 ms", 0, msTop, false);
    threshold(2, maxMs, msTop, "max " + Math.round(maxMs) + " ms", "#d62728");
    series(run, 2, msTop, false);

    // markers over all panels
    Map<String, Instant> m = run.moments;
    if (run.scenario().badFromTheStart()) {
      marker(m.get("v2Applied"), "v2 applied (bad from the start)", "#ff7f0e", "2,3");
    } else {
      marker(m.get("v2Applied"), "v2 applied", "#555", "2,3");
      marker(m.get("turnedBad"), "v2 turns bad", "#ff7f0e", null);
    }
    if (run.webhooks != null) {
      run.webhooks.markers().forEach((label, at) -> marker(at, label, "#17becf", "2,3"));
    }
    if (alert != null) {
      // left of its line: the rollback follows within a pixel or two
      marker(alert.prometheusActiveAt, "alert fires", "#8c564b", "5,2", false);
    }
    if ("rolled back".equals(run.outcome) || m.containsKey("turnedBad")) {
      marker(
          m.get("route100v1"),
          alert != null ? "rollback by the alert: 100% v1" : "rollback: 100% v1",
          "#d62728",
          null);
    }
    marker(m.get("sluice mirror"), "mirror on", "#8c564b", "2,3");
    marker(
        m.get("sluice match"),
        run.scenario() == Scenario.BLUEGREEN ? "preview route" : "match route",
        "#9467bd",
        "2,3");
    marker(m.get("sluice sticky-canary"), "sticky routes", "#9467bd", "2,3");
    marker(
        m.get("route100v2"),
        run.scenario() == Scenario.BLUEGREEN ? "switch: 100% v2" : "promoted: 100% v2",
        "#2ca02c",
        null);
    marker(m.get("helloworld-v1Deleted"), "v1 deleted", "#2ca02c", "4,3");

    // legend
    int ly = top(3) + 4;
    legendDot(LEFT, ly, "#2ca02c", "pass");
    legendDot(LEFT + 60, ly, "#aaa", "inconclusive");
    legendDot(LEFT + 160, ly, "#d62728", "fail");
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"3,2\"/>\n",
            LEFT + 220,
            ly,
            LEFT + 245,
            ly));
    text(LEFT + 250, ly + 4, "5xx share the clients saw (per second)", "start", 11, "#555");
    if (alert != null) {
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ff7f0e\" stroke-width=\"1.5\"/>\n",
              LEFT + 220,
              ly + 16,
              LEFT + 245,
              ly + 16));
      text(
          LEFT + 250,
          ly + 20,
          "the alert rule's 5xx share (" + AlertPath.WINDOW + " window; the gate's is 1m)",
          "start",
          11,
          "#555");
    }
    text(
        LEFT + 500,
        ly + 4,
        "dots: Sluice's evaluations (status.measurements)",
        "start",
        11,
        "#555");
    if (run.scenario().strategy()) {
      List<String> groups = groupNames(run);
      int gx = LEFT;
      for (int i = 0; i < groups.size(); i++) {
        String label = "v2's share of the " + groups.get(i) + "' answers per second";
        legendDot(gx, ly + 16, GROUP_COLORS[i % GROUP_COLORS.length], label);
        gx += 30 + 6 * label.length();
      }
    }
    if (run.scenario() == Scenario.MIRROR) {
      int gx = LEFT + 330;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8c564b\" stroke-dasharray=\"3,2\"/>\n",
              gx,
              ly + 16,
              gx + 25,
              ly + 16));
      text(
          gx + 30,
          ly + 20,
          "copies mirrored to v2 (per s: vs requests; their 5xx share)",
          "start",
          11,
          "#555");
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static final String[] GROUP_COLORS = {"#9467bd", "#ff7f0e", "#17becf"};

  /** The users, then the scenario's groups. */
  private static List<String> groupNames(ScenarioRun run) {
    List<String> names = new ArrayList<>();
    names.add(Sessions.USERS);
    run.scenario().groups().forEach(g -> names.add(g.name()));
    return names;
  }

  /**
   * Per second, v2's share of each group's answers (dots), and the copies mirrored to v2 as a share
   * of the requests answered that second (a dashed line).
   */
  private void groups(ScenarioRun run) {
    List<String> names = groupNames(run);
    Map<Long, Long> answered = new java.util.TreeMap<>();
    for (int i = 0; i < names.size(); i++) {
      String color = GROUP_COLORS[i % GROUP_COLORS.length];
      for (Map.Entry<Long, LoadGenerator.Second> sec :
          run.load.secondsOfGroup(names.get(i)).entrySet()) {
        long v1 = sec.getValue().v1.sum();
        long v2 = sec.getValue().v2.sum();
        answered.merge(sec.getKey(), v1 + v2, Long::sum);
        if (v1 + v2 >= 3) {
          double t = sec.getKey() + 0.5 - start.getEpochSecond() - start.getNano() / 1e9;
          svg.append(
              String.format(
                  Locale.ROOT,
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"><title>%.0fs: %s, v2"
                      + " answered %d of %d</title></circle>\n",
                  x(t),
                  y(0, 100.0 * v2 / (v1 + v2), 100),
                  color,
                  t,
                  names.get(i),
                  v2,
                  v1 + v2));
        }
      }
    }
    if (run.mesh == null) {
      return;
    }
    List<double[]> mirrored = new ArrayList<>();
    for (Map.Entry<Long, LoadGenerator.Second> sec : run.mesh.mirrors().seconds().entrySet()) {
      long n = answered.getOrDefault(sec.getKey(), 0L);
      if (n > 0) {
        double share = Math.min(100, 100.0 * sec.getValue().v2.sum() / n);
        double t = sec.getKey() - start.getEpochSecond() - start.getNano() / 1e9;
        mirrored.add(new double[] {t, share});
        mirrored.add(new double[] {t + 1, share});
      }
    }
    polyline(mirrored, 0, 0, 100, "#8c564b", 1.2, "3,2");
  }

  /** Per second, the 5xx share of the copies mirrored to v2 (capped at {@code top}). */
  private List<double[]> mirroredErrors(ScenarioRun run, double top) {
    List<double[]> out = new ArrayList<>();
    if (run.mesh == null) {
      return out;
    }
    for (Map.Entry<Long, LoadGenerator.Second> s : run.mesh.mirrors().seconds().entrySet()) {
      long n = s.getValue().v2.sum();
      if (n >= 5) {
        double share = Math.min(top, s.getValue().v2Errors.sum() / (double) n);
        double t = s.getKey() - start.getEpochSecond() - start.getNano() / 1e9;
        out.add(new double[] {t, share});
        out.add(new double[] {t + 1, share});
      }
    }
    return out;
  }

  /** A route's canary weight over time, as steps. */
  private List<double[]> weightSteps(List<ScenarioRun.RoutePoint> route) {
    List<double[]> steps = new ArrayList<>();
    double last = 0;
    for (ScenarioRun.RoutePoint p : route) {
      double t = Duration.between(start, p.at()).toMillis() / 1000.0;
      steps.add(new double[] {t, last});
      last = p.weight("v2");
      steps.add(new double[] {t, last});
    }
    steps.add(new double[] {span, last});
    return steps;
  }

  /**
   * Several VirtualServices: each route's weight as its proxy routed by it (the gateway's wide and
   * pale under the mesh's, so that both show where they agree), and per second the share of each
   * entry point's answers that v2 gave (dots), which follows its own route: a route left behind
   * would show.
   */
  private void routes(ScenarioRun run) {
    String[] colors = {"#ff7f0e", "#1f77b4", "#2ca02c"};
    double[] widths = {6, 2, 2};
    int i = 0;
    int lx = LEFT + 110; // clear of the panel's title
    for (Map.Entry<String, List<ScenarioRun.RoutePoint>> r : run.routes.entrySet()) {
      String color = colors[Math.min(i, colors.length - 1)];
      List<double[]> steps = weightSteps(r.getValue());
      StringBuilder p = new StringBuilder();
      for (double[] pt : steps) {
        p.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(pt[0]), y(0, pt[1], 100)));
      }
      svg.append(
          String.format(
              Locale.ROOT,
              "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\""
                  + " stroke-opacity=\"%s\"/>\n",
              p.toString().trim(),
              color,
              widths[Math.min(i, widths.length - 1)],
              i == 0 ? "0.45" : "1"));
      if (run.load != null && run.load.entryPoints().contains(r.getKey())) {
        for (Map.Entry<Long, LoadGenerator.Second> sec : run.load.seconds(r.getKey()).entrySet()) {
          long v1 = sec.getValue().v1.sum();
          long v2 = sec.getValue().v2.sum();
          if (v1 + v2 >= 5) {
            double t = sec.getKey() + 0.5 - start.getEpochSecond() - start.getNano() / 1e9;
            svg.append(
                String.format(
                    Locale.ROOT,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"><title>%.0fs: %s, v2"
                        + " answered %d of %d</title></circle>\n",
                    x(t),
                    y(0, 100.0 * v2 / (v1 + v2), 100),
                    color,
                    t,
                    r.getKey(),
                    v2,
                    v1 + v2));
          }
        }
      }
      List<String> ref = run.managedVirtualServices().get(r.getKey());
      int ly = TOP + 15 * i;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%.1f\""
                  + " stroke-opacity=\"%s\"/>\n",
              lx,
              ly - 4,
              lx + 22,
              ly - 4,
              color,
              widths[Math.min(i, widths.length - 1)],
              i == 0 ? "0.45" : "1"));
      text(
          lx + 28,
          ly,
          r.getKey()
              + ": VirtualService "
              + ref.get(0)
              + "/"
              + ref.get(1)
              + ", route "
              + ref.get(2)
              + " (dots: v2's share of the "
              + r.getKey()
              + "'s answers per second)",
          "start",
          10,
          "#333");
      i++;
    }
  }

  private void frame(int panel, String title, double lo, double hi, boolean percent) {
    int y0 = top(panel);
    svg.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n",
            LEFT,
            y0,
            WIDTH - LEFT - RIGHT,
            PANEL));
    text(LEFT - 60, y0 - 6, title, "start", 12, "#000");
    for (int i = 0; i <= 4; i++) {
      double v = lo + (hi - lo) * i / 4;
      double y = y0 + PANEL - PANEL * i / 4.0;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>\n",
              LEFT,
              y,
              WIDTH - RIGHT,
              y));
      text(
          LEFT - 6,
          y + 4,
          percent ? pct(v) : String.format(Locale.ROOT, "%.0f", v),
          "end",
          10,
          "#555");
    }
    double step = niceStep(span);
    for (double t = 0; t <= span + 1e-9; t += step) {
      double x = x(t);
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ccc\"/>\n",
              x,
              y0 + PANEL,
              x,
              y0 + PANEL + 4));
      text(x, y0 + PANEL + 16, String.format(Locale.ROOT, "%.0f", t), "middle", 10, "#555");
    }
    if (panel == 2) {
      text(WIDTH - RIGHT, y0 + PANEL + 30, "seconds since the scenario started", "end", 10, "#555");
    }
  }

  private static double nice(double v, double[] candidates) {
    for (double c : candidates) {
      if (v <= c) {
        return c;
      }
    }
    return v;
  }

  private static double niceStep(double span) {
    for (double s : new double[] {1, 2, 5, 10, 15, 20, 30, 60, 120, 300}) {
      if (span / s <= 14) {
        return s;
      }
    }
    return 600;
  }

  private double y(int panel, double v, double hi) {
    return top(panel) + PANEL - PANEL * Math.max(0, Math.min(1, v / hi));
  }

  private void polyline(
      List<double[]> points,
      int panel,
      double lo,
      double hi,
      String color,
      double width,
      String dash) {
    if (points.isEmpty()) {
      return;
    }
    StringBuilder p = new StringBuilder();
    for (double[] pt : points) {
      p.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(pt[0]), y(panel, pt[1] - lo, hi - lo)));
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>\n",
            p.toString().trim(),
            color,
            width,
            dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
  }

  private void series(ScenarioRun run, int panel, double hi, boolean errors) {
    List<double[]> line = new ArrayList<>();
    String check = errors ? ScenarioRun.CANARY_CHECK_ERRORS : ScenarioRun.CANARY_CHECK_P99;
    for (ScenarioRun.Evaluation e : run.evaluations) {
      Double v = errors ? e.errorRatio() : e.p99Ms();
      double t = Duration.between(start, e.at()).toMillis() / 1000.0;
      String outcome = e.outcomes().getOrDefault(check, "");
      if (v == null) {
        // no value (too little traffic, no data): a hollow dot on the axis
        svg.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"white\" stroke=\"#aaa\"><title>%.1fs: %s</title></circle>%n",
                x(t),
                y(panel, 0, hi),
                t,
                outcome.toLowerCase(Locale.ROOT)));
        continue;
      }
      line.add(new double[] {t, v});
      String color =
          switch (outcome) {
            case "PASS" -> "#2ca02c";
            case "FAIL" -> "#d62728";
            case "ERROR" -> "#9467bd";
            default -> "#aaa";
          };
      svg.append(
          String.format(
              Locale.ROOT,
              "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%.1fs: %s %s</title></circle>\n",
              x(t),
              y(panel, v, hi),
              color,
              t,
              errors ? pct(v) : String.format(Locale.ROOT, "%.0f ms", v),
              outcome.toLowerCase(Locale.ROOT)));
    }
    polyline(line, panel, 0, hi, "#1f77b4", 1, null);
  }

  private void threshold(int panel, double value, double hi, String label, String color) {
    threshold(panel, value, hi, label, color, true);
  }

  /** A dashed horizontal line with its label at the right (or left) end. */
  private void threshold(
      int panel, double value, double hi, String label, String color, boolean right) {
    if (Double.isNaN(value)) {
      return;
    }
    double y = y(panel, value, hi);
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"6,4\"/>\n",
            LEFT,
            y,
            WIDTH - RIGHT,
            y,
            color));
    text(right ? WIDTH - RIGHT - 4 : LEFT + 4, y - 4, label, right ? "end" : "start", 10, color);
  }

  private void marker(Instant at, String label, String color, String dash) {
    marker(at, label, color, dash, true);
  }

  /** A vertical line over all panels, labelled on its right (or left) side. */
  private void marker(Instant at, String label, String color, String dash, boolean right) {
    if (at == null) {
      return;
    }
    double x = x(at);
    double lx = right ? x + 10 : x - 3;
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\"%s/>\n",
            x,
            top(0) - 4,
            x,
            top(2) + PANEL,
            color,
            dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%d\" fill=\"%s\" font-size=\"10\" transform=\"rotate(-90 %.1f %d)\""
                + " text-anchor=\"end\">%s</text>\n",
            lx,
            top(0) + 2,
            color,
            lx,
            top(0) + 2,
            escape(label)));
  }

  private void legendDot(int x, int y, String color, String label) {
    svg.append(
        String.format(
            Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>\n", x + 4, y, color));
    text(x + 12, y + 4, label, "start", 11, "#555");
  }

  private void text(double x, double y, String s, String anchor, int size, String color) {
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\" fill=\"%s\">%s</text>\n",
            x,
            y,
            anchor,
            size,
            color,
            escape(s)));
  }

  private static String pct(double v) {
    if (Double.isNaN(v)) {
      return "";
    }
    String s = String.format(Locale.ROOT, "%.1f", v * 100);
    return (s.endsWith(".0") ? s.substring(0, s.length() - 2) : s) + "%";
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
