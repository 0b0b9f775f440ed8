package dev.sluice.sandbox;

import dev.sluice.analysis.Builtins;
import dev.sluice.analysis.Check;
import dev.sluice.analysis.Judge;
import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import dev.sluice.analysis.QueryResult;
import dev.sluice.analysis.Template;
import dev.sluice.analysis.TemplateRenderer;
import dev.sluice.controller.BuiltinTemplates;
import dev.sluice.controller.TemplateMapper;
import dev.sluice.metrics.PrometheusAnswerParser;
import dev.sluice.model.Canary;
import dev.sluice.model.CanarySpec;
import dev.sluice.testing.DaemonThreads;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Measures how long Prometheus itself takes to show a bad canary: from the moment v2 turns bad, it
 * runs the Canary's checks (the same templates, arguments and rendering as Sluice, judged by
 * Sluice's own {@link Judge}) against the sandbox's Prometheus every {@value #EVERY_MS} ms and
 * records the first instant one of them fails. What remains until Sluice's failing evaluation is
 * Sluice's analysis interval; what remains after it is Sluice's reaction.
 */
final class DetectionProbe implements AutoCloseable {
  static final long EVERY_MS = 200;

  private final URI prometheus;
  private final List<Check> checks;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sandbox-probe"));
  private volatile Instant firstFailAt;
  private volatile Measurement firstFail;

  /** Every measurement taken, in order (until the first fail). */
  final List<Measurement> measurements = new java.util.concurrent.CopyOnWriteArrayList<>();

  DetectionProbe(URI prometheus, Canary canary, String stable, String canaryVersion) {
    this.prometheus = prometheus;
    this.checks = checks(canary, stable, canaryVersion);
  }

  /** The Canary's checks rendered as Sluice renders them (built-in templates only). */
  static List<Check> checks(Canary canary, String stable, String canaryVersion) {
    CanarySpec spec = canary.getSpec();
    List<Check> rendered = new ArrayList<>();
    var builtins =
        Builtins.of(
            canary.getMetadata().getNamespace(),
            spec.app,
            canaryVersion,
            stable,
            canary.getMetadata().getName());
    for (CanarySpec.TemplateRef ref : spec.analysis.templates) {
      Template t = BuiltinTemplates.templates().get(ref.name);
      if (t != null) {
        // a compared metric's scored check needs range queries: the probe times instant ones
        TemplateRenderer.render(t, TemplateMapper.args(ref.args), builtins).stream()
            .filter(c -> !c.isCompared())
            .forEach(rendered::add);
      }
    }
    return rendered;
  }

  DetectionProbe start() {
    ticker.scheduleWithFixedDelay(this::poll, 0, EVERY_MS, TimeUnit.MILLISECONDS);
    return this;
  }

  private void poll() {
    if (firstFailAt != null) {
      return;
    }
    for (Check check : checks) {
      Instant at = Instant.now();
      Measurement m = Judge.judge(check, query(check.promql()), at);
      measurements.add(m);
      if (m.outcome() == Outcome.FAIL) {
        firstFail = m;
        firstFailAt = at;
        ticker.shutdown();
        return;
      }
    }
  }

  /**
   * Every check of the Canary measured once, now, on Prometheus' data (the probe's ticker aside).
   */
  List<Measurement> measureOnce() {
    List<Measurement> out = new ArrayList<>();
    for (Check check : checks) {
      out.add(Judge.judge(check, query(check.promql()), Instant.now()));
    }
    return out;
  }

  private QueryResult query(String promql) {
    URI uri =
        prometheus.resolve(
            "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.ofString());
      return PrometheusAnswerParser.parse(r.body());
    } catch (IOException e) {
      return new QueryResult.Failure(e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new QueryResult.Failure("interrupted");
    }
  }

  /** When a check first failed on Prometheus' data, or null. */
  Instant firstFailAt() {
    return firstFailAt;
  }

  Measurement firstFail() {
    return firstFail;
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
