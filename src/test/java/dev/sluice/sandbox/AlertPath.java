package dev.sluice.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.AlertmanagerServer;
import dev.sluice.testing.ClusterHistory;
import dev.sluice.testing.DaemonMetrics;
import dev.sluice.testing.DaemonThreads;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The alert scenario's alerting rule, and the path of its alert followed from the outside: the
 * rule's value and the alert's {@code activeAt} on Prometheus ({@code /api/v1/query}, {@code
 * /api/v1/alerts}), its arrival on Alertmanager ({@code updatedAt} on {@code /api/v2/alerts}) and
 * the dispatcher's flush and notification (Alertmanager's debug log), and Sluice's part from its
 * {@code /q/metrics}: its reaction, webhook arrival to route write, from {@code
 * sluice_alert_reaction_seconds} (the one alert rollback of the scenario: the histogram's sum grows
 * by exactly its time), and when that write was done, {@code
 * sluice_alert_reaction_last_timestamp_seconds}; the webhook's arrival is the one less the other.
 * Never Sluice's log. Polls every {@value #EVERY_MS} ms and says each first sighting.
 */
final class AlertPath implements AutoCloseable {
  static final long EVERY_MS = 250;

  /** The alerting rule's name, threshold and window; v2's error share in the alert scenario. */
  static final String ALERT = "CanaryErrorRate";

  static final double THRESHOLD = 0.02;
  static final String WINDOW = "30s";

  /** The Canary's error-rate gate in the alert scenario: well above v2's errors. */
  static final double GATE_MAX_RATIO = 0.2;

  /** v2's share of 500s in the alert scenario: above the rule's 2%, under the gate's 20%. */
  static final double V2_ERROR_RATIO = 0.08;

  /** The sandbox's namespace for the alert scenario; the rule watches only it. */
  static final String NAMESPACE = "sandbox-alert";

  private static final String BY =
      "destination_workload_namespace, destination_app, destination_version";

  /** The canary's 5xx share over {@value #WINDOW}, as the rule computes it (server side). */
  static String ratio(String namespace, String app, String version) {
    String sel =
        "reporter=\"destination\",destination_workload_namespace=\"%s\",destination_app=\"%s\",destination_version=\"%s\""
            .formatted(namespace, app, version);
    return ("sum by (%s) (rate(istio_requests_total{%s,response_code=~\"5..\"}[%s]))\n"
            + "/\n"
            + "sum by (%s) (rate(istio_requests_total{%s}[%s]))")
        .formatted(BY, sel, WINDOW, BY, sel, WINDOW);
  }

  /**
   * The rule's 5xx share for the chart: the same, but 0 rather than nothing while v2 has had no 5xx
   * (the rule itself needs no value then).
   */
  static String chartRatio(String namespace, String app, String version) {
    String sel =
        "reporter=\"destination\",destination_workload_namespace=\"%s\",destination_app=\"%s\",destination_version=\"%s\""
            .formatted(namespace, app, version);
    return "(sum(rate(istio_requests_total{%s,response_code=~\"5..\"}[%s])) or vector(0)) / sum(rate(istio_requests_total{%s}[%s]))"
        .formatted(sel, WINDOW, sel, WINDOW);
  }

  /** The traffic guard: the rule needs more than one request every 5 s to the canary. */
  static String traffic(String namespace, String app, String version) {
    return "sum by (%s) (rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"%s\",destination_app=\"%s\",destination_version=\"%s\"}[%s])) > 0.2"
        .formatted(BY, namespace, app, version, WINDOW);
  }

  /**
   * The rule file: the example's {@code AppHighErrorRate} (deploy/examples/alerts/) made fast and
   * sensitive for the sandbox's canary: a {@value #WINDOW} window, above {@value #THRESHOLD},
   * {@code for: 0s}, evaluated every second, only for v2 in {@value #NAMESPACE}. Its labels {@code
   * namespace} and {@code app} are what Sluice matches; {@code sluice: rollback} is what
   * Alertmanager routes to Sluice.
   */
  static String rules() {
    String app = ScenarioRun.APP;
    return """
        # written by the Sluice sandbox: the alert scenario's rule
        groups:
          - name: sluice-sandbox
            interval: 1s
            rules:
              - alert: %s
                expr: |
                  (
        %s
                  ) > %s
                  and
                  %s
                for: 0s
                labels:
                  severity: page
                  sluice: rollback
                  namespace: "{{ $labels.destination_workload_namespace }}"
                  app: "{{ $labels.destination_app }}"
                  version: "{{ $labels.destination_version }}"
                annotations:
                  summary: "{{ $labels.destination_app }} {{ $labels.destination_version }} answers {{ $value | humanizePercentage }} of its requests with 5xx"
        """
        .formatted(
            ALERT,
            ratio(NAMESPACE, app, "v2").indent(12).stripTrailing(),
            THRESHOLD,
            traffic(NAMESPACE, app, "v2"));
  }

  /** One value of the rule's expression (NaN when it had none). */
  record Sample(Instant at, double value) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Sluice's timing of an alert's rollback, webhook arrival to route write. */
  static final String REACTION = "sluice_alert_reaction_seconds";

  /** When Sluice's last alert rollback was done (its route write), seconds since the epoch. */
  static final String REACTION_DONE = "sluice_alert_reaction_last_timestamp_seconds";

  private static final Pattern AM_TS = Pattern.compile("^ts=(\\S+) ");

  private final URI prometheus;
  private final URI alertmanager;
  private final String namespace;
  private final Consumer<String> say;
  private final Instant origin;
  private final String ratioQuery;
  private final LogTail alertmanagerLog;
  private final URI daemon;
  private final ClusterHistory history;
  private final DaemonMetrics.Histogram reactionsBefore;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sandbox-alert-path"));

  final List<Sample> ruleValues = new CopyOnWriteArrayList<>();
  final List<String> alertmanagerProblems = new CopyOnWriteArrayList<>();
  volatile Instant prometheusActiveAt;
  volatile Instant prometheusSeenAt;
  volatile Double prometheusValue;
  volatile Instant alertmanagerUpdatedAt;
  volatile Instant alertmanagerLogReceivedAt;
  volatile Instant alertmanagerFlushAt;
  volatile Instant alertmanagerNotifiedAt;
  volatile Instant sluiceReceivedAt;
  volatile Double sluiceReactionMs;
  volatile Instant sluiceWrittenAt;
  volatile Integer sluiceReactions;
  private volatile boolean alertmanagerSaid;

  AlertPath(
      URI prometheus,
      URI alertmanager,
      Path alertmanagerLog,
      URI daemon,
      ClusterHistory history,
      String namespace,
      Instant origin,
      Consumer<String> say) {
    this.prometheus = prometheus;
    this.alertmanager = alertmanager;
    this.namespace = namespace;
    this.origin = origin;
    this.say = say;
    this.ratioQuery = chartRatio(namespace, ScenarioRun.APP, "v2");
    // only what happens from now on: Alertmanager and the daemon serve every scenario of the run
    this.alertmanagerLog = new LogTail(alertmanagerLog);
    this.daemon = daemon;
    this.history = history;
    this.reactionsBefore = DaemonMetrics.Histogram.of(DaemonMetrics.scrape(daemon), REACTION);
  }

  AlertPath start() {
    ticker.scheduleWithFixedDelay(this::poll, 0, EVERY_MS, TimeUnit.MILLISECONDS);
    return this;
  }

  private void poll() {
    try {
      pollRule();
      if (prometheusActiveAt == null) {
        pollPrometheusAlerts();
      }
      if (prometheusActiveAt != null && alertmanagerUpdatedAt == null) {
        pollAlertmanager();
      }
      followAlertmanagerLog();
      followSluice();
      if (!alertmanagerSaid && alertmanagerFlushAt != null) {
        alertmanagerSaid = true;
        say.accept(
            String.format(
                Locale.ROOT,
                "Alertmanager: alert received at %s, group flushed to the sluice receiver at %s"
                    + " (group_wait %s)",
                rel(
                    alertmanagerUpdatedAt != null
                        ? alertmanagerUpdatedAt
                        : alertmanagerLogReceivedAt),
                rel(alertmanagerFlushAt),
                AlertmanagerServer.GROUP_WAIT));
      }
    } catch (RuntimeException e) {
      // a failed poll is retried at the next tick
    }
  }

  private void pollRule() {
    JsonNode r = get(prometheus.resolve("/api/v1/query?query=" + encode(ratioQuery)));
    if (r == null) {
      return;
    }
    JsonNode result = r.path("data").path("result");
    double v = Double.NaN;
    if (result.size() > 0) {
      try {
        v = Double.parseDouble(result.get(0).path("value").get(1).asText());
      } catch (RuntimeException e) {
        v = Double.NaN;
      }
    }
    ruleValues.add(new Sample(Instant.now(), v));
  }

  private void pollPrometheusAlerts() {
    JsonNode r = get(prometheus.resolve("/api/v1/alerts"));
    if (r == null) {
      return;
    }
    for (JsonNode a : r.path("data").path("alerts")) {
      if (ours(a.path("labels")) && "firing".equals(a.path("state").asText())) {
        prometheusSeenAt = Instant.now();
        prometheusActiveAt = instant(a.path("activeAt").asText());
        try {
          prometheusValue = Double.parseDouble(a.path("value").asText());
        } catch (NumberFormatException e) {
          prometheusValue = null;
        }
        say.accept(
            String.format(
                Locale.ROOT,
                "Prometheus: alert %s firing since %s (evaluation; v2 5xx %s over %s > %s)",
                ALERT,
                rel(prometheusActiveAt),
                prometheusValue == null
                    ? "?"
                    : String.format(Locale.ROOT, "%.2f%%", prometheusValue * 100),
                WINDOW,
                String.format(Locale.ROOT, "%.0f%%", THRESHOLD * 100)));
        return;
      }
    }
  }

  private void pollAlertmanager() {
    JsonNode r = get(alertmanager.resolve("/api/v2/alerts"));
    if (r == null) {
      return;
    }
    for (JsonNode a : r) {
      if (ours(a.path("labels"))) {
        alertmanagerUpdatedAt = instant(a.path("updatedAt").asText());
        return;
      }
    }
  }

  private boolean ours(JsonNode labels) {
    return ALERT.equals(labels.path("alertname").asText())
        && namespace.equals(labels.path("namespace").asText());
  }

  /** Alertmanager's debug lines about our alert: received, group flushed, notified. */
  private void followAlertmanagerLog() {
    for (String line : alertmanagerLog.newLines()) {
      Matcher ts = AM_TS.matcher(line);
      if (!ts.find()) {
        continue;
      }
      Instant at = instant(ts.group(1));
      if (alertmanagerLogReceivedAt == null
          && line.contains("msg=\"Received alert\"")
          && line.contains("alert=" + ALERT + "[")) {
        alertmanagerLogReceivedAt = at;
      } else if (alertmanagerFlushAt == null
          && line.contains("msg=flushing")
          && line.contains("sluice=\\\"rollback\\\"")
          && line.contains("alerts=[" + ALERT + "[")) {
        alertmanagerFlushAt = at;
      } else if (alertmanagerFlushAt != null
          && alertmanagerNotifiedAt == null
          && line.contains("receiver=sluice")) {
        if (line.contains("msg=\"Notify success\"")) {
          alertmanagerNotifiedAt = at;
        } else if (line.contains("level=error") || line.contains("level=warn")) {
          alertmanagerProblems.add(line);
          say.accept("Alertmanager: " + line);
        }
      }
    }
  }

  /**
   * Sluice's reaction once its histogram counts it (arrival to the route write done), and when that
   * write was done; the arrival is the one less the other.
   */
  private void followSluice() {
    if (sluiceReactionMs != null) {
      return;
    }
    Map<String, Double> metrics = DaemonMetrics.scrape(daemon);
    DaemonMetrics.Histogram h =
        DaemonMetrics.Histogram.of(metrics, REACTION).since(reactionsBefore);
    if (h.count() < 1) {
      return;
    }
    sluiceReactions = (int) h.count();
    // one alert rollback in the scenario: the sum grew by its time (more: their mean, said below)
    sluiceReactionMs = Math.round(h.sum() / h.count() * 1_000_000) / 1000.0;
    double done = DaemonMetrics.value(metrics, REACTION_DONE);
    sluiceWrittenAt =
        Double.isNaN(done)
            ? null
            : Instant.ofEpochSecond(0, Math.round(done * 1e6) * 1000); // to the microsecond
    sluiceReceivedAt =
        sluiceWrittenAt == null
            ? null
            : sluiceWrittenAt.minusNanos(Math.round(sluiceReactionMs * 1_000_000));
    say.accept(
        String.format(
            Locale.ROOT,
            "Sluice: webhook received the alert at %s; route %s 100%% v1 %.1f ms later%s",
            rel(sluiceReceivedAt),
            rolledBackInAWrite() ? "written back to" : "already at",
            sluiceReactionMs,
            h.count() == 1 ? "" : " (the mean of " + sluiceReactions + " alert rollbacks)"));
  }

  /** Whether a stored version of the VirtualService put 100% back on v1 after v2 had a share. */
  private boolean rolledBackInAWrite() {
    boolean v2HadAShare = false;
    for (GenericKubernetesResource vs : history.virtualServices()) {
      List<String> w = ClusterHistory.weights(vs, "default");
      if (v2HadAShare && w.equals(List.of("v1=100"))) {
        return true;
      }
      v2HadAShare |= w.stream().anyMatch(d -> d.startsWith("v2=") && !d.equals("v2=0"));
    }
    return false;
  }

  /** Every moment seen, for report.json. */
  Map<String, Instant> moments() {
    Map<String, Instant> m = new LinkedHashMap<>();
    put(m, "alert: Prometheus activeAt (firing)", prometheusActiveAt);
    put(m, "alert: seen firing on Prometheus' API", prometheusSeenAt);
    put(m, "alert: Alertmanager received it (updatedAt)", alertmanagerUpdatedAt);
    put(m, "alert: Alertmanager dispatcher received it (log)", alertmanagerLogReceivedAt);
    put(m, "alert: Alertmanager flushed the group (log)", alertmanagerFlushAt);
    put(m, "alert: Alertmanager's webhook answered (log)", alertmanagerNotifiedAt);
    put(m, "alert: Sluice's webhook received it", sluiceReceivedAt);
    put(m, "alert: Sluice wrote the route", sluiceWrittenAt);
    return m;
  }

  private static void put(Map<String, Instant> m, String k, Instant v) {
    if (v != null) {
      m.put(k, v);
    }
  }

  private String rel(Instant t) {
    return t == null
        ? "?"
        : String.format(
            Locale.ROOT, "%.3fs", Duration.between(origin, t).toNanos() / 1_000_000_000.0);
  }

  private JsonNode get(URI uri) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static Instant instant(String s) {
    try {
      return s == null || s.isEmpty() ? null : Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // what happened since the last tick
    followAlertmanagerLog();
    followSluice();
  }

  /** The lines appended to a log file since this was made. */
  static final class LogTail {
    private final Path file;
    private long position;
    private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

    LogTail(Path file) {
      this.file = file;
      this.position = file.toFile().length();
    }

    synchronized List<String> newLines() {
      List<String> lines = new ArrayList<>();
      try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
        long length = f.length();
        if (length < position) {
          position = 0; // truncated
        }
        if (length == position) {
          return lines;
        }
        byte[] bytes = new byte[(int) Math.min(length - position, 4 << 20)];
        f.seek(position);
        f.readFully(bytes);
        position += bytes.length;
        for (byte b : bytes) {
          if (b == '\n') {
            lines.add(partial.toString(StandardCharsets.UTF_8));
            partial.reset();
          } else {
            partial.write(b);
          }
        }
      } catch (IOException e) {
        // not there yet
      }
      return lines;
    }
  }
}
