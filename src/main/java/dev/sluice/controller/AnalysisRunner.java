package dev.sluice.controller;

import dev.sluice.analysis.Builtins;
import dev.sluice.analysis.Check;
import dev.sluice.analysis.GateVerdict;
import dev.sluice.analysis.InvalidTemplateException;
import dev.sluice.analysis.Judge;
import dev.sluice.analysis.Measurement;
import dev.sluice.analysis.Outcome;
import dev.sluice.analysis.ScoreJudge;
import dev.sluice.analysis.Template;
import dev.sluice.analysis.TemplateRenderer;
import dev.sluice.analysis.compare.ComparedMetric;
import dev.sluice.metrics.MetricProvider;
import dev.sluice.model.Canary;
import dev.sluice.model.CanarySpec;
import dev.sluice.rollout.Evaluation;
import dev.sluice.rollout.Gate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Finds a Canary's templates (a namespaced AnalysisTemplate overrides the built-in of the same
 * name), renders them for the current release, runs each check's one query and judges it.
 */
final class AnalysisRunner {
  /** Stands in for the canary version when checking templates before a release exists. */
  static final String NO_VERSION_YET = "pending";

  private final ClusterCache cache;
  private final Map<String, Template> builtins;
  private final MetricProvider provider;
  private final Clock clock;

  AnalysisRunner(
      ClusterCache cache, Map<String, Template> builtins, MetricProvider provider, Clock clock) {
    this.cache = cache;
    this.builtins = builtins;
    this.provider = provider;
    this.clock = clock;
  }

  /**
   * Renders every check of the Canary for a release of {@code canaryVersion} against {@code
   * stableVersion}.
   *
   * @throws InvalidTemplateException when a template is unknown or cannot be rendered
   */
  List<Check> checks(Canary canary, String stableVersion, String canaryVersion) {
    CanarySpec spec = canary.getSpec();
    List<Check> checks = new ArrayList<>();
    if (spec.analysis == null || spec.analysis.templates == null) {
      return checks;
    }
    String namespace = canary.getMetadata().getNamespace();
    Map<String, String> builtinValues =
        Builtins.of(
            namespace,
            spec.app,
            canaryVersion == null ? NO_VERSION_YET : canaryVersion,
            stableVersion == null ? NO_VERSION_YET : stableVersion,
            canary.getMetadata().getName());
    for (CanarySpec.TemplateRef ref : spec.analysis.templates) {
      Template template = resolve(namespace, ref.name);
      boolean dryRun = Boolean.TRUE.equals(ref.dryRun);
      checks.addAll(render(template, TemplateMapper.args(ref.args), builtinValues, dryRun));
    }
    return checks;
  }

  private record Rendering(
      Template template, Map<String, String> args, Map<String, String> values, boolean dryRun) {}

  // Rendering is pure and checks every value and substitution: done once per release and
  // template version, not at every evaluation (it was 6% of the CPU with a thousand releases).
  private final Map<Rendering, List<Check>> rendered = new ConcurrentHashMap<>();

  private List<Check> render(
      Template template, Map<String, String> args, Map<String, String> values, boolean dryRun) {
    Rendering key = new Rendering(template, args, values, dryRun);
    List<Check> checks = rendered.get(key);
    if (checks == null) {
      checks = List.copyOf(TemplateRenderer.render(template, args, values, dryRun)); // may throw
      if (rendered.size() >= Tunables.MEMO_CAPACITY) {
        rendered.clear();
      }
      rendered.put(key, checks);
    }
    return checks;
  }

  private Template resolve(String namespace, String name) {
    Optional<Template> own = cache.template(namespace, name).map(TemplateMapper::toTemplate);
    if (own.isPresent()) {
      return own.get();
    }
    Template builtin = builtins.get(name);
    if (builtin == null) {
      throw new InvalidTemplateException(
          name,
          null,
          "no AnalysisTemplate of that name in namespace "
              + namespace
              + " and no built-in one (built-ins: "
              + String.join(", ", builtins.keySet())
              + ")");
    }
    return builtin;
  }

  /**
   * Runs every check now, the queries side by side; the worst outcome of the checks that are not
   * dry-run wins. Empty at once if {@code interrupt} completes first: the answers still on their
   * way are then dropped (a firing alert must not wait for Prometheus).
   */
  Optional<GateVerdict> run(List<Check> checks, CompletableFuture<?> interrupt) {
    List<CompletableFuture<Measurement>> running = new ArrayList<>(checks.size());
    // The pool's threads outlive an application started again in the same JVM (tests do that)
    // and keep the class loader of the one they were made in; the caller's is the current one
    // (the provider's bean is made on first use, and finds its configuration through it).
    ClassLoader caller = Thread.currentThread().getContextClassLoader();
    for (Check check : checks) {
      running.add(
          CompletableFuture.supplyAsync(
              () -> withClassLoader(caller, () -> measure(check)), queries));
    }
    CompletableFuture<Void> all =
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new));
    CompletableFuture.anyOf(all, interrupt).join(); // the provider never throws
    if (!all.isDone()) {
      return Optional.empty();
    }
    return Optional.of(GateVerdict.of(running.stream().map(CompletableFuture::join).toList()));
  }

  private Measurement measure(Check check) {
    if (check.isCompared()) {
      return compare(check);
    }
    return Judge.judge(check, provider.query(check.promql()), clock.instant());
  }

  /**
   * A scored check: each compared metric's one range query (both versions, {@link
   * ComparedMetric#promql()}) over its window, ending now (aligned down to the resolution), then
   * judged and scored. The metrics are queried one after another on this thread; the checks of an
   * evaluation still run side by side.
   */
  private Measurement compare(Check check) {
    Instant now = clock.instant();
    List<ScoreJudge.Answers> answers = new ArrayList<>();
    for (ComparedMetric m : check.compare().metrics()) {
      long step = m.resolution().toMillis();
      Instant end = Instant.ofEpochMilli(now.toEpochMilli() / step * step);
      Instant start = end.minus(m.window());
      answers.add(
          ScoreJudge.Answers.split(provider.queryRange(m.promql(), start, end, m.resolution())));
    }
    return ScoreJudge.judge(check, answers, now);
  }

  private static <T> T withClassLoader(ClassLoader loader, Supplier<T> work) {
    Thread thread = Thread.currentThread();
    ClassLoader own = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      return work.get();
    } finally {
      thread.setContextClassLoader(own);
    }
  }

  /** Threads for queries (I/O-bound: they wait on Prometheus). */
  private static final ExecutorService queries =
      Executors.newFixedThreadPool(
          Tunables.QUERY_THREADS,
          r -> {
            Thread t = new Thread(r, "sluice-query");
            t.setDaemon(true);
            return t;
          });

  /** A template problem during a release counts as an error: hold, and fail safe at the limit. */
  static GateVerdict templateError(InvalidTemplateException e, Instant at) {
    Measurement m =
        new Measurement(
            "templates", Outcome.ERROR, java.util.OptionalDouble.empty(), "", e.getMessage(), at);
    return GateVerdict.of(List.of(m));
  }

  static Evaluation evaluation(GateVerdict verdict, Instant at) {
    return new Evaluation(Gate.valueOf(verdict.outcome().name()), verdict.summary(), at);
  }
}
