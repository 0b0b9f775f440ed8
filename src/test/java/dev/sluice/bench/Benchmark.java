package dev.sluice.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sluice.model.AnalysisTemplate;
import dev.sluice.model.Canary;
import dev.sluice.testing.ApiServer;
import dev.sluice.testing.DaemonMetrics;
import dev.sluice.testing.DaemonThreads;
import dev.sluice.testing.Fixtures;
import dev.sluice.testing.InProcessLogs;
import dev.sluice.testing.SluiceDaemon;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The benchmark of issue 7: the unmodified daemon (the packaged jar, its own process) against the
 * mock Kubernetes API and a fast Prometheus stand-in, with N Canaries releasing at once. One in ten
 * has its checks turned failing when it reaches 30%, one in ten gets a firing alert there; the rest
 * are promoted. Measures reaction latency, detection delay, step slip, cost per step and footprint;
 * writes {@code bench.json} and prints a table. Run by {@code scripts/bench}.
 *
 * <p>Clocks: every time is taken in this process (System.nanoTime): when the stand-in sent an
 * answer, when the webhook request was sent, when the mock API server stored a VirtualService
 * write. A reaction therefore includes the transport both ways and the API server's own time (its
 * lock included), so it is an upper bound of the daemon's own reaction.
 */
public final class Benchmark {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String AGENT = "sluice-bench";
  private static final String TOKEN = "bench-token-0d9f3a";

  private final Path project;
  private final Duration interval;
  private final Duration analysisInterval;
  private final int threads;
  private final int warmup;
  private final int starts;

  /** K: the VirtualServices each Canary lists, moved in lockstep. */
  private final int virtualServices;

  /**
   * The templates each Canary names: the fixed thresholds ({@code error-rate}, {@code
   * latency-p99}), or with {@code --compare} the statistical judge's ({@code error-rate-compare},
   * {@code latency-compare}: two range queries each per evaluation).
   */
  private List<Map<String, Object>> templates =
      List.of(Map.of("name", "error-rate"), Map.of("name", "latency-p99"));

  private Benchmark(
      Path project,
      Duration interval,
      Duration analysisInterval,
      int threads,
      int warmup,
      int starts,
      int virtualServices) {
    this.project = project;
    this.interval = interval;
    this.analysisInterval = analysisInterval;
    this.threads = threads;
    this.warmup = warmup;
    this.starts = starts;
    this.virtualServices = virtualServices;
  }

  public static void main(String[] args) {
    int status;
    try {
      status = run(args);
    } catch (Exception | Error e) {
      // the stand-ins' threads would keep the JVM alive after a failed run
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  /** Runs the benchmark as {@code scripts/bench} does; the exit status (2: bad arguments). */
  static int run(String[] args) throws Exception {
    InProcessLogs.quiet();
    List<Integer> sizes = List.of(1, 100, 1000);
    Duration interval = Duration.ofSeconds(10);
    Duration analysis = Duration.ofSeconds(2);
    int threads = 16;
    int warmup = 100;
    int starts = 0;
    int virtualServices = 1;
    boolean compare = false;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--canaries" ->
            sizes = List.of(args[++i].split(",")).stream().map(Integer::valueOf).toList();
        case "--interval" -> interval = dev.sluice.rollout.Durations.parse(args[++i]);
        case "--analysis-interval" -> analysis = dev.sluice.rollout.Durations.parse(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--starts" -> starts = Integer.parseInt(args[++i]);
        case "--virtual-services" -> virtualServices = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--compare" -> compare = true;
        default -> {
          return usage();
        }
      }
    }
    if (virtualServices < 1 || virtualServices > 2) {
      System.err.println(
          "--virtual-services: 1 (the mesh's VirtualService) or 2 (a gateway's and the mesh's)");
      return usage();
    }
    Path project = Path.of(System.getProperty("sluice.project.dir", "."));
    if (out == null) {
      out = project.resolve("target/bench");
    }
    Files.createDirectories(out);
    Benchmark bench =
        new Benchmark(project, interval, analysis, threads, warmup, starts, virtualServices);
    if (compare) {
      bench.templates =
          List.of(Map.of("name", "error-rate-compare"), Map.of("name", "latency-compare"));
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("interval", dev.sluice.rollout.Durations.format(interval));
    report.put("analysisInterval", dev.sluice.rollout.Durations.format(analysis));
    report.put("controllerThreads", threads);
    report.put("warmupCanaries", warmup);
    report.put("cpus", Runtime.getRuntime().availableProcessors());
    report.put("virtualServicesPerCanary", virtualServices);
    report.put("templates", bench.templates.stream().map(t -> t.get("name")).toList());
    List<Map<String, Object>> runs = new ArrayList<>();
    for (int n : sizes) {
      System.out.printf("%n== N = %d Canaries ==%n", n);
      runs.add(starts > 0 ? bench.starts(n, out) : bench.run(n, out));
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(out.resolve("bench.json").toFile(), withRuns(report, runs));
    }
    if (starts > 0) {
      printStarts(runs);
    } else {
      printTable(runs, virtualServices);
    }
    System.out.println("\nbench.json: " + out.resolve("bench.json").toAbsolutePath());
    return 0;
  }

  private static int usage() {
    System.err.println(
        "usage: scripts/bench [--canaries 1,100,1000] [--interval 10s] [--analysis-interval 2s]"
            + " [--threads 16] [--warmup 100] [--starts K] [--virtual-services 1|2] [--compare]"
            + " [--out DIR]");
    return 2;
  }

  private static Map<String, Object> withRuns(
      Map<String, Object> report, List<Map<String, Object>> runs) {
    Map<String, Object> r = new LinkedHashMap<>(report);
    r.put("runs", runs);
    return r;
  }

  /**
   * One API write of a Canary: to one of its VirtualServices ({@code virtualService}, as
   * "namespace/name"; {@code weights}: its fallback route's "subset=weight" list, the route Sluice
   * manages by default) or, without a VirtualService, any other write (status, subset, Deployment);
   * {@code nanos}: when the API server stored it (0 where not known).
   */
  record RouteWrite(String virtualService, long nanos, List<String> weights) {
    /** A write that is not to a route. */
    static RouteWrite other() {
      return new RouteWrite(null, 0, List.of());
    }

    boolean toRoute() {
      return virtualService != null;
    }
  }

  /**
   * The writes of one decision to a Canary's routes (a step, a rollback, ...): the same weights
   * written to each of its VirtualServices, one after another in its writes with nothing between
   * (the daemon issues them at once and awaits them all before it writes anything else). {@code
   * routes}: how many VirtualServices were written; {@code firstIndex}, {@code lastIndex}: where
   * the first and the last of them are in the Canary's writes; {@code lastNanos}: when the last was
   * stored. With one VirtualService, every route write is a decision of its own.
   */
  record RouteDecision(
      List<String> weights, int routes, int firstIndex, int lastIndex, long lastNanos) {}

  /** A Canary's route writes, in order, gathered into decisions (see {@link RouteDecision}). */
  static List<RouteDecision> routeDecisions(List<RouteWrite> writes) {
    List<RouteDecision> out = new ArrayList<>();
    Set<String> written = new java.util.HashSet<>();
    RouteDecision current = null; // the decision the previous write belonged to, if a route write
    for (int i = 0; i < writes.size(); i++) {
      RouteWrite w = writes.get(i);
      if (!w.toRoute()) {
        current = null;
        continue;
      }
      if (current != null
          && current.weights().equals(w.weights())
          && written.add(w.virtualService())) {
        current =
            new RouteDecision(
                current.weights(),
                current.routes() + 1,
                current.firstIndex(),
                i,
                Math.max(current.lastNanos(), w.nanos()));
        out.set(out.size() - 1, current);
      } else {
        current = new RouteDecision(w.weights(), 1, i, i, w.nanos());
        out.add(current);
        written.clear();
        written.add(w.virtualService());
      }
    }
    return out;
  }

  /**
   * Start-up only ({@code --starts K}): seeds N (+ warm-up) Canaries once, then launches the daemon
   * K times, each until ready, and reports every launch's wall and CPU seconds.
   */
  private Map<String, Object> starts(int n, Path out) throws Exception {
    Path work = Files.createDirectories(out.resolve("n" + n));
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("canaries", n + warmup);
    result.put("loadAverageAtStart", loadAverage());
    BenchDispatcher dispatcher = new BenchDispatcher();
    try (ApiServer api = new ApiServer(project, dispatcher);
        BenchPrometheus prometheus = new BenchPrometheus()) {
      KubernetesClient client = api.client();
      List<String> all = new ArrayList<>(names("bench-", n));
      all.addAll(names("warm-", warmup));
      seed(client, all);
      warmApiServer(client);
      List<Double> wall = new ArrayList<>();
      List<Double> cpu = new ArrayList<>();
      List<Double> live = new ArrayList<>();
      List<Double> sync = new ArrayList<>();
      for (int k = 0; k < starts; k++) {
        api.takeRequests();
        Path log = work.resolve("sluice-" + k + ".log");
        long launched = System.nanoTime();
        // as a kubelet's probes see it: live once Quarkus has started (its HTTP server opens
        // last), ready once the caches have synced
        try (SluiceDaemon daemon = launch(api, prometheus, work, log, false)) {
          daemon.await("/q/health/live", Duration.ofSeconds(120));
          long up = System.nanoTime();
          daemon.await("/q/health/ready", Duration.ofSeconds(120));
          long ready = System.nanoTime();
          wall.add(round((ready - launched) / 1e9));
          cpu.add(round(cpuTicks(daemon.pid()) / 100.0));
          live.add(round((up - launched) / 1e9));
          sync.add(round((ready - up) / 1e9));
        }
        System.out.printf(
            "daemon ready %.2f s after launch (%.2f CPU s); live after %.2f s, caches synced"
                + " %.2f s later%n",
            wall.get(k), cpu.get(k), live.get(k), sync.get(k));
      }
      result.put("startupSeconds", wall);
      result.put("startupCpuSeconds", cpu);
      result.put("liveSeconds", live);
      result.put("readyAfterLiveSeconds", sync);
      result.put("startupSecondsMedian", median(wall));
      result.put("startupCpuSecondsMedian", median(cpu));
      result.put("liveSecondsMedian", median(live));
      result.put("readyAfterLiveSecondsMedian", median(sync));
      result.put("loadAverageAtEnd", loadAverage());
      System.out.println(result);
    }
    return result;
  }

  /** The measured namespaces ("bench-0", ...) or the warm-up's ("warm-0", ...). */
  private static List<String> names(String prefix, int count) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add(prefix + i);
    }
    return names;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int m = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(m) : round((sorted.get(m - 1) + sorted.get(m)) / 2);
  }

  /** The daemon as the benchmark configures it; {@code ready}: returns once it is ready. */
  private SluiceDaemon launch(
      ApiServer api, BenchPrometheus prometheus, Path work, Path log, boolean ready) {
    Map<String, String> env =
        Map.of(
            "KUBERNETES_USER_AGENT",
            AGENT,
            "SLUICE_API_TOKEN",
            TOKEN,
            "SLUICE_CONTROLLER_THREADS",
            Integer.toString(threads),
            "SLUICE_LEADER_ELECTION_ENABLED",
            "false");
    SluiceDaemon daemon = SluiceDaemon.launch(project, api.url(), prometheus.url(), work, log, env);
    return ready ? daemon.awaitReady() : daemon;
  }

  private Map<String, Object> run(int n, Path out) throws Exception {
    Path work = Files.createDirectories(out.resolve("n" + n));
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("canaries", n);
    // the machine is shared: its 1-minute load average, at the start and at the end of the run
    result.put("loadAverageAtStart", loadAverage());
    BenchDispatcher dispatcher = new BenchDispatcher();
    try (ApiServer api = new ApiServer(project, dispatcher);
        BenchPrometheus prometheus = new BenchPrometheus()) {
      KubernetesClient client = api.client();
      List<String> namespaces = names("bench-", n);
      List<String> warm = names("warm-", warmup);
      List<String> all = new ArrayList<>(namespaces);
      all.addAll(warm);
      seed(client, all);
      warmApiServer(client);
      api.takeRequests();

      long launched = System.nanoTime();
      SluiceDaemon daemon = launch(api, prometheus, work, work.resolve("sluice.log"), true);
      double startup = (System.nanoTime() - launched) / 1e9;
      // the CPU the daemon spent to get there: steadier than the wall time on a shared machine
      double startupCpu = cpuTicks(daemon.pid()) / 100.0;
      System.out.printf("daemon ready %.2f s after launch (%.2f CPU s)%n", startup, startupCpu);
      result.put("startupSeconds", round(startup));
      result.put("startupCpuSeconds", round(startupCpu));
      try {
        awaitAll(
            client,
            all,
            c -> "v1".equals(c.getStatus() == null ? null : c.getStatus().stableVersion),
            Duration.ofMinutes(5),
            "adopt v1");
        warmUp(client, warm);

        Set<String> bad = ConcurrentHashMap.newKeySet();
        Set<String> alerted = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < n; i++) {
          // one in ten fails its checks at 30%, one in ten gets an alert there; with fewer than
          // ten, the first fails its checks and the second gets the alert
          if (n < 10 ? i == 0 : i % 10 == 3) bad.add(namespaces.get(i));
          if (n < 10 ? i == 1 : i % 10 == 7) alerted.add(namespaces.get(i));
        }
        Map<String, Long> turnedBad = new ConcurrentHashMap<>();
        Map<String, Long> alertSent = new ConcurrentHashMap<>();
        Map<String, List<RouteWrite>> routes = new ConcurrentHashMap<>();
        Map<String, Set<String>> at30 = new HashMap<>(); // the reader thread's own
        ExecutorService webhook =
            Executors.newFixedThreadPool(2, DaemonThreads.named("bench-webhook"));
        URI alerts = daemon.http().resolve("/api/v1/alerts");
        // Route writes as the API server stores them (their instant ends reactions and steps);
        // handed from the dispatcher's lock to this thread, which reads them and turns checks
        // bad or sends the alert as a Canary reaches 30%.
        BlockingQueue<BenchDispatcher.StoredRoute> stored = new LinkedBlockingQueue<>();
        dispatcher.onRouteStored(stored::add);
        Thread routeReader =
            DaemonThreads.named("bench-routes")
                .newThread(
                    () -> {
                      try {
                        while (true) {
                          BenchDispatcher.StoredRoute r = stored.take();
                          String ns = canaryOf(r.namespace(), r.name());
                          GenericKubernetesResource vs =
                              client
                                  .getKubernetesSerialization()
                                  .unmarshal(r.body(), GenericKubernetesResource.class);
                          List<String> w = fallbackWeights(vs);
                          routes
                              .computeIfAbsent(ns, k -> new CopyOnWriteArrayList<>())
                              .add(new RouteWrite(r.virtualService(), r.nanos(), w));
                          // at 30% once every route of the Canary is: the last of its K writes
                          if (w.contains("v2=30")
                              && at30.computeIfAbsent(ns, k -> new java.util.HashSet<>())
                                  .add(r.virtualService())
                              && at30.get(ns).size() == virtualServices) {
                            if (bad.contains(ns) && turnedBad.putIfAbsent(ns, r.nanos()) == null) {
                              prometheus.fail(ns);
                            }
                            if (alerted.contains(ns) && !alertSent.containsKey(ns)) {
                              webhook.execute(() -> sendAlert(alerts, ns, alertSent));
                            }
                          }
                        }
                      } catch (InterruptedException e) {
                        // the run is over
                      }
                    });
        routeReader.start();
        long cpuBefore = cpuTicks(daemon.pid());
        long queriesBefore = prometheus.queries();
        Map<String, Double> metricsBefore = DaemonMetrics.scrape(daemon.http());
        long eventsBefore = dispatcher.eventsDiscarded(); // the warm-up's
        RssSampler rss = new RssSampler(daemon.pid());
        long releaseStart = System.nanoTime();
        dispatcher.takeWriteNanos(); // from the release on
        releaseV2(client, namespaces);
        CanaryTest finished =
            c ->
                c.getStatus() != null
                    && ("Succeeded".equals(c.getStatus().phase)
                        || "RolledBack".equals(c.getStatus().phase));
        // The daemon's own reaction times are read from its histograms as soon as every Canary
        // that turned bad or got the alert is done (their max is over a recent window), then the
        // others are awaited.
        List<String> reacting =
            namespaces.stream().filter(ns -> bad.contains(ns) || alerted.contains(ns)).toList();
        awaitAll(client, reacting, finished, Duration.ofMinutes(30), "reacted");
        Map<String, Double> reactions = reactionsRecorded(client, reacting, daemon, metricsBefore);
        awaitAll(client, namespaces, finished, Duration.ofMinutes(30), "finish");
        double releaseSeconds = (System.nanoTime() - releaseStart) / 1e9;
        Thread.sleep(500); // the last route writes read
        long cpuAfter = cpuTicks(daemon.pid());
        rss.close();
        dispatcher.onRouteStored(r -> {});
        routeReader.interrupt();
        webhook.shutdownNow();

        // reactions
        List<Double> checkReaction = new ArrayList<>();
        List<Double> detection = new ArrayList<>();
        for (String ns : bad) {
          Long sent = prometheus.firstFailSent(ns);
          Long rolled = lastOfFirstWrites(routes.get(ns), virtualServices, List.of("v1=100"), sent);
          if (sent != null && rolled != null) {
            checkReaction.add((rolled - sent) / 1e6);
            detection.add((sent - turnedBad.get(ns)) / 1e6);
          }
        }
        List<Double> alertReaction = new ArrayList<>();
        for (String ns : alerted) {
          Long sent = alertSent.get(ns);
          Long rolled = lastOfFirstWrites(routes.get(ns), virtualServices, List.of("v1=100"), sent);
          if (sent != null && rolled != null) {
            alertReaction.add((rolled - sent) / 1e6);
          }
        }
        // step slip: each step's route write against the previous one plus the interval; with
        // K VirtualServices, a step's instant is the last of its K route writes (when the step
        // is done on every route), and a step missing a route write is counted apart
        List<Double> slip = new ArrayList<>();
        List<String> slipRows = new ArrayList<>(List.of("namespace\tweight\tatMs\tslipMs"));
        long steps = 0;
        long stepsMissingARoute = 0;
        for (Map.Entry<String, List<RouteWrite>> e : routes.entrySet()) {
          RouteDecision previous = null;
          for (RouteDecision d : routeDecisions(e.getValue())) {
            int canary = canaryWeight(d.weights());
            if (canary > 0 && d.weights().size() == 2) {
              if (d.routes() < virtualServices) {
                stepsMissingARoute++;
                continue;
              }
              steps++;
              if (previous != null) {
                double ms = (d.lastNanos() - previous.lastNanos() - interval.toNanos()) / 1e6;
                slip.add(ms);
                slipRows.add(
                    e.getKey()
                        + "\t"
                        + canary
                        + "\t"
                        + round((d.lastNanos() - releaseStart) / 1e6)
                        + "\t"
                        + round(ms));
              }
              previous = d;
            }
          }
        }
        Files.write(work.resolve("step-slips.tsv"), slipRows); // which steps slipped, and when
        // cost
        List<Double> apiWriteMs =
            dispatcher.takeWriteNanos().stream()
                .map(nanos -> nanos / 1e6)
                .collect(Collectors.toList());
        List<RecordedRequest> requests = api.takeRequests();
        long daemonRequests = 0;
        long daemonWrites = 0;
        long routeWrites = 0;
        long statusWrites = 0;
        // each Canary's writes (its gateway VirtualService's included) in the order the API
        // server received them, a route write with the weights written
        Map<String, List<RouteWrite>> writesByCanary = new HashMap<>();
        List<String> firstNamespaceWrites = new ArrayList<>(); // for a person to read
        for (RecordedRequest r : requests) {
          String canary = canaryOf(r.getPath());
          if (!AGENT.equals(r.getHeader("User-Agent")) || !canary.startsWith("bench-")) {
            continue;
          }
          daemonRequests++;
          String method = r.getMethod();
          if (method.equals("GET") || r.getPath().contains("/events")) {
            continue;
          }
          daemonWrites++;
          boolean route = r.getPath().contains("/virtualservices/");
          if (route) routeWrites++;
          if (r.getPath().endsWith("/status")) statusWrites++;
          RouteWrite write =
              route
                  ? new RouteWrite(virtualServiceOf(r.getPath()), 0, routeWeights(client, r))
                  : RouteWrite.other();
          writesByCanary.computeIfAbsent(canary, k -> new ArrayList<>()).add(write);
          if (canary.equals(namespaces.get(0))) {
            firstNamespaceWrites.add(
                method
                    + " "
                    + r.getPath()
                    + (route ? " (canary weight " + routeCanaryWeight(write.weights()) + ")" : ""));
          }
        }
        Files.write(work.resolve("writes-" + namespaces.get(0) + ".txt"), firstNamespaceWrites);
        double steadyWritesPerStep = steadyWritesPerStep(writesByCanary.values());
        double checkEvaluations =
            DaemonMetrics.sum(
                    DaemonMetrics.scrape(daemon.http()),
                    "sluice_check_evaluations_total",
                    List.of())
                - DaemonMetrics.sum(metricsBefore, "sluice_check_evaluations_total", List.of());
        long queries = prometheus.queries() - queriesBefore;
        double cpuSeconds = (cpuAfter - cpuBefore) / 100.0;

        result.put("releaseSeconds", round(releaseSeconds));
        result.put("checkFailedReactionMs", percentiles(checkReaction));
        result.put("alertReactionMs", percentiles(alertReaction));
        // the same two reactions as the daemon itself timed them (its histograms): the failing
        // answer's arrival, or the webhook's, to the route write's answer; the rest is transport
        // and the API server
        result.put(
            "checkReactionInDaemonMs", inDaemon(reactions, metricsBefore, CHECK_REACTION_METRIC));
        result.put(
            "alertReactionInDaemonMs", inDaemon(reactions, metricsBefore, ALERT_REACTION_METRIC));
        result.put("detectionDelayMs", percentiles(detection));
        result.put("stepSlipMs", percentiles(slip));
        // the mock API server's own time per create/update (its lock included): a rollback is K
        // such writes (one per VirtualService, issued at once), a step K + 1
        result.put("apiServerWriteMs", percentiles(apiWriteMs));
        result.put("steps", steps);
        result.put("stepsMissingARouteWrite", stepsMissingARoute);
        result.put("cpuSecondsPerStep", round(steps == 0 ? 0 : cpuSeconds / steps));
        result.put("cpuSeconds", round(cpuSeconds));
        result.put("prometheusQueries", queries);
        result.put("checkEvaluations", (long) checkEvaluations);
        result.put(
            "queriesPerCheckEvaluation",
            round(checkEvaluations == 0 ? 0 : queries / checkEvaluations));
        result.put(
            "apiRequestsPerStepPerCanary", round(steps == 0 ? 0 : (double) daemonRequests / steps));
        result.put(
            "apiWritesPerStepPerCanary", round(steps == 0 ? 0 : (double) daemonWrites / steps));
        // a step costs a status write (the intent) and a route write per VirtualService (K); a
        // release adds a few more
        // (canary joins at 0%, subset added/removed, promotion, Deployment retired, phases)
        result.put("apiWritesPerStepSteadyState", round(steadyWritesPerStep));
        result.put("apiWritesPerRelease", round((double) daemonWrites / n));
        result.put(
            "eventsPerRelease", round((double) (dispatcher.eventsDiscarded() - eventsBefore) / n));
        result.put("routeWritesPerStep", round(steps == 0 ? 0 : (double) routeWrites / steps));
        result.put("statusWritesPerStep", round(steps == 0 ? 0 : (double) statusWrites / steps));
        result.put("loadAverageAtEnd", loadAverage());
        result.put("maxResidentMemoryMb", round(rss.maxKb() / 1024.0));
        System.out.println(result);
      } finally {
        daemon.close();
      }
    }
    return result;
  }

  // ---- setting up -----------------------------------------------------------------------

  /**
   * Each namespace gets the zero-downtime guide's objects and a Canary over them; with {@code
   * --virtual-services 2}, also a gateway VirtualService of its own in the shared {@link
   * #GATEWAY_NAMESPACE} ("gw-" and the namespace: its fallback route sends every request for {@code
   * <ns>.bench.example.com} to subset v1 of {@code helloworld.<ns>.svc.cluster.local}), and the
   * Canary lists it before the mesh's, both moved in lockstep.
   */
  private void seed(KubernetesClient client, List<String> namespaces) {
    List<GenericKubernetesResource> docs = Fixtures.read(client, "scenarios/helloworld.yaml");
    GenericKubernetesResource gateway =
        Fixtures.read(client, "scenarios/mesh/gateway-fallback.yaml").get(0);
    var ser = client.getKubernetesSerialization();
    long t = System.nanoTime();
    if (virtualServices == 2 && client.namespaces().withName(GATEWAY_NAMESPACE).get() == null) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(GATEWAY_NAMESPACE)
                  .endMetadata()
                  .build())
          .create();
    }
    for (String ns : namespaces) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      for (GenericKubernetesResource doc : docs) {
        GenericKubernetesResource copy =
            ser.unmarshal(ser.asJson(doc), GenericKubernetesResource.class);
        if (copy.getKind().equals("Canary")) {
          @SuppressWarnings("unchecked")
          Map<String, Object> spec =
              (Map<String, Object>) copy.getAdditionalProperties().get("spec");
          spec.put("interval", dev.sluice.rollout.Durations.format(interval));
          spec.put("retirementDelay", "1s");
          spec.put(
              "analysis",
              Map.of(
                  "interval",
                  dev.sluice.rollout.Durations.format(analysisInterval),
                  "templates",
                  templates));
          if (virtualServices == 2) {
            spec.remove("virtualService");
            spec.put(
                "virtualServices",
                List.of(
                    Map.of("name", GATEWAY_PREFIX + ns, "namespace", GATEWAY_NAMESPACE),
                    Map.of("name", "helloworld")));
          }
        }
        Fixtures.create(client, ns, copy);
      }
      if (virtualServices == 2) {
        Fixtures.create(client, GATEWAY_NAMESPACE, gatewayFor(ser.asJson(gateway), ns, client));
      }
    }
    System.out.printf(
        "seeded %d namespaces in %.1f s%n", namespaces.size(), (System.nanoTime() - t) / 1e9);
  }

  /** The gateway VirtualService of namespace {@code ns}, from the fixture's JSON. */
  @SuppressWarnings("unchecked")
  private static GenericKubernetesResource gatewayFor(
      String fixture, String ns, KubernetesClient client) {
    GenericKubernetesResource vs =
        client.getKubernetesSerialization().unmarshal(fixture, GenericKubernetesResource.class);
    vs.getMetadata().setName(GATEWAY_PREFIX + ns);
    Map<String, Object> spec = (Map<String, Object>) vs.getAdditionalProperties().get("spec");
    spec.put("hosts", List.of(ns + ".bench.example.com"));
    List<Map<String, Object>> http = (List<Map<String, Object>>) spec.get("http");
    List<Map<String, Object>> route = (List<Map<String, Object>>) http.get(0).get("route");
    Map<String, Object> destination = (Map<String, Object>) route.get(0).get("destination");
    destination.put("host", "helloworld." + ns + ".svc.cluster.local");
    return vs;
  }

  /**
   * A cluster's API server is warm when Sluice starts; the stand-in is a JVM that has only served
   * the seeding's creates. Its list and watch paths are run first, so that the start-up figure is
   * the daemon's own and not the stand-in's JIT warming up.
   */
  /**
   * Lists and watches every kind the daemon does, 30 times, as its informers do (a watch from the
   * list's version), so that the stand-in is as warm as a cluster's API server; prints how long the
   * last round's lists took.
   */
  private static void warmApiServer(KubernetesClient client) {
    Watcher<HasMetadata> ignore =
        new Watcher<>() {
          @Override
          public void eventReceived(Action action, HasMetadata resource) {}

          @Override
          public void onClose(WatcherException cause) {}
        };
    @SuppressWarnings("unchecked")
    Watcher<HasMetadata> w = (Watcher<HasMetadata>) (Watcher<?>) ignore;
    List<
            MixedOperation<
                ? extends HasMetadata, ? extends KubernetesResourceList<? extends HasMetadata>, ?>>
        kinds =
            List.of(
                client.resources(Canary.class),
                client.resources(AnalysisTemplate.class),
                client.apps().deployments(),
                client.genericKubernetesResources(Fixtures.VIRTUAL_SERVICE),
                client.genericKubernetesResources(Fixtures.DESTINATION_RULE));
    long listNanos = 0;
    int listed = 0;
    for (int i = 0; i < 30; i++) {
      listNanos = 0;
      listed = 0;
      for (MixedOperation<
              ? extends HasMetadata, ? extends KubernetesResourceList<? extends HasMetadata>, ?>
          kind : kinds) {
        long t = System.nanoTime();
        KubernetesResourceList<? extends HasMetadata> list = kind.inAnyNamespace().list();
        listNanos += System.nanoTime() - t;
        listed += list.getItems().size();
        ListOptions from =
            new ListOptionsBuilder()
                .withResourceVersion(list.getMetadata().getResourceVersion())
                .build();
        ((MixedOperation<HasMetadata, ?, ?>) kind).inAnyNamespace().watch(from, w).close();
      }
    }
    System.out.printf(
        "API stand-in warm: lists of %d objects in %.0f ms (client's parsing included)%n",
        listed, listNanos / 1e6);
  }

  /**
   * A daemon in a cluster has run releases before: the warm-up Canaries release v2 first (all
   * promoted), so that the measured release finds the JIT compilers done with the hot paths rather
   * than competing with them (in a cold daemon they take a third of its CPU in the first minutes).
   * Their objects are then deleted, so that they cost the measured run nothing.
   */
  private void warmUp(KubernetesClient client, List<String> warm) throws InterruptedException {
    if (warm.isEmpty()) {
      return;
    }
    releaseV2(client, warm);
    awaitAll(
        client,
        warm,
        c -> c.getStatus() != null && "Succeeded".equals(c.getStatus().phase),
        Duration.ofMinutes(10),
        "warm-up release");
    for (String ns : warm) {
      client.resources(Canary.class).inNamespace(ns).delete();
      client.genericKubernetesResources(Fixtures.VIRTUAL_SERVICE).inNamespace(ns).delete();
      if (virtualServices == 2) {
        client
            .genericKubernetesResources(Fixtures.VIRTUAL_SERVICE)
            .inNamespace(GATEWAY_NAMESPACE)
            .withName(GATEWAY_PREFIX + ns)
            .delete();
      }
      client.genericKubernetesResources(Fixtures.DESTINATION_RULE).inNamespace(ns).delete();
      client.apps().deployments().inNamespace(ns).delete();
    }
    Thread.sleep(2_000); // the daemon's caches let go of them
  }

  private static void releaseV2(KubernetesClient client, List<String> namespaces) {
    List<GenericKubernetesResource> docs = Fixtures.read(client, "scenarios/helloworld-v2.yaml");
    for (String ns : namespaces) {
      for (GenericKubernetesResource doc : docs) {
        var ser = client.getKubernetesSerialization();
        Fixtures.create(
            client, ns, ser.unmarshal(ser.asJson(doc), GenericKubernetesResource.class));
      }
    }
  }

  private static void sendAlert(URI url, String ns, Map<String, Long> sent) {
    String body =
        "{\"version\":\"4\",\"status\":\"firing\",\"receiver\":\"sluice\",\"groupKey\":\"bench\","
            + "\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"BenchHighErrorRate\","
            + "\"namespace\":\""
            + ns
            + "\",\"app\":\"helloworld\"},\"annotations\":{},"
            + "\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"0001-01-01T00:00:00Z\"}]}";
    try {
      sent.putIfAbsent(ns, System.nanoTime());
      HTTP.send(
          HttpRequest.newBuilder(url)
              .header("Authorization", "Bearer " + TOKEN)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (Exception e) {
      System.err.println("alert for " + ns + " failed: " + e);
    }
  }

  // ---- measuring ------------------------------------------------------------------------

  private interface CanaryTest {
    boolean test(Canary c);
  }

  private static void awaitAll(
      KubernetesClient client,
      List<String> namespaces,
      CanaryTest done,
      Duration timeout,
      String what)
      throws InterruptedException {
    Set<String> wanted = Set.copyOf(namespaces);
    if (wanted.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    long t = System.nanoTime();
    while (true) {
      long count =
          client.resources(Canary.class).inAnyNamespace().list().getItems().stream()
              .filter(c -> wanted.contains(c.getMetadata().getNamespace()))
              .filter(done::test)
              .count();
      if (count == wanted.size()) {
        System.out.printf(
            "all %d Canaries: %s (%.1f s)%n", count, what, (System.nanoTime() - t) / 1e9);
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            what + ": only " + count + " of " + wanted.size() + " within " + timeout);
      }
      Thread.sleep(500);
    }
  }

  /**
   * When the last of a Canary's {@code k} VirtualServices had {@code weights} stored at or after
   * {@code after}, each VirtualService's first such write counting: a rollback is done when the
   * last of its K writes is. Null when one of the K has no such write.
   */
  static Long lastOfFirstWrites(List<RouteWrite> writes, int k, List<String> weights, Long after) {
    if (writes == null || after == null) {
      return null;
    }
    Map<String, Long> first = new HashMap<>();
    for (RouteWrite w : writes) {
      if (w.toRoute() && w.nanos() >= after && w.weights().equals(weights)) {
        first.putIfAbsent(w.virtualService(), w.nanos());
      }
    }
    return first.size() < k ? null : Collections.max(first.values());
  }

  private static final java.util.regex.Pattern ROUTE_PATH =
      java.util.regex.Pattern.compile(".*/namespaces/([^/]+)/virtualservices/([^/?]+).*");

  private static String namespaceOf(String path) {
    int at = path.indexOf("/namespaces/") + "/namespaces/".length();
    int end = path.indexOf('/', at);
    return end < 0 ? path.substring(at) : path.substring(at, end);
  }

  /** "namespace/name" of the VirtualService a request's path names; null if it names none. */
  private static String virtualServiceOf(String path) {
    java.util.regex.Matcher m = ROUTE_PATH.matcher(path);
    return m.matches() ? m.group(1) + "/" + m.group(2) : null;
  }

  /**
   * The namespace of the Canary a request is for: a request in a namespace is for the Canary there,
   * a gateway VirtualService's for the Canary it is named for; "" when in no namespace.
   */
  private static String canaryOf(String path) {
    java.util.regex.Matcher m = ROUTE_PATH.matcher(path);
    if (m.matches()) {
      return canaryOf(m.group(1), m.group(2));
    }
    return path.contains("/namespaces/") ? namespaceOf(path) : "";
  }

  /** The namespace of the Canary a VirtualService is for. */
  static String canaryOf(String namespace, String name) {
    return namespace.equals(GATEWAY_NAMESPACE) && name.startsWith(GATEWAY_PREFIX)
        ? name.substring(GATEWAY_PREFIX.length())
        : namespace;
  }

  /** The shared namespace of the gateway VirtualServices ({@code --virtual-services 2}). */
  static final String GATEWAY_NAMESPACE = "istio-ingress";

  /** A Canary's gateway VirtualService is "gw-" and its namespace. */
  static final String GATEWAY_PREFIX = "gw-";

  /**
   * The "subset=weight" list of a VirtualService's fallback http route (the first without {@code
   * match}), the route Sluice manages by default: the mesh VirtualService's "default", the
   * gateway's "public"; empty when it has none.
   */
  @SuppressWarnings("unchecked")
  static List<String> fallbackWeights(GenericKubernetesResource vs) {
    Object spec = vs.getAdditionalProperties().get("spec");
    Object http = spec instanceof Map<?, ?> m ? m.get("http") : null;
    if (!(http instanceof List<?> routes)) {
      return List.of();
    }
    for (Object r : routes) {
      if (r instanceof Map<?, ?> route && route.get("match") == null) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> d : (List<Map<String, Object>>) route.get("route")) {
          Map<String, Object> dest = (Map<String, Object>) d.get("destination");
          out.add(dest.get("subset") + "=" + d.getOrDefault("weight", "unset"));
        }
        return out;
      }
    }
    return List.of();
  }

  /** The weights written by a VirtualService write request (see {@link #fallbackWeights}). */
  private static List<String> routeWeights(KubernetesClient client, RecordedRequest r) {
    try {
      // the dispatcher has read the body; its bytes are still there
      String body = new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
      return fallbackWeights(
          client.getKubernetesSerialization().unmarshal(body, GenericKubernetesResource.class));
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  /** The canary's weight in a route's weights; -1 when it is not in them. */
  private static int routeCanaryWeight(List<String> weights) {
    return weights.stream().anyMatch(x -> x.startsWith("v2=")) ? canaryWeight(weights) : -1;
  }

  /**
   * API writes per step while a release is stepping: for each Canary, every write after its first
   * step's route writes (canary weight above 0; with K VirtualServices, after the last of the
   * step's K) up to and including its last step's last, divided by the steps taken in between.
   * Every route write counts, one per VirtualService. The release's own transitions (the subset
   * added, the canary joining at 0%, promotion and retirement, rollback) fall outside and are
   * counted per release.
   */
  static double steadyWritesPerStep(Iterable<List<RouteWrite>> writesPerCanary) {
    long writes = 0;
    long steps = 0;
    for (List<RouteWrite> seq : writesPerCanary) {
      int first = -1;
      int last = -1;
      int stepDecisions = 0;
      for (RouteDecision d : routeDecisions(seq)) {
        int w = routeCanaryWeight(d.weights());
        if (w > 0) {
          if (first < 0) first = d.lastIndex();
          last = d.lastIndex();
          stepDecisions++;
        } else if (w == 0 && first >= 0) {
          break; // rolled back (the canary at 0% again, or gone): the stepping ended
        }
      }
      if (stepDecisions > 1) {
        writes += last - first;
        steps += stepDecisions - 1;
      }
    }
    return steps == 0 ? 0 : (double) writes / steps;
  }

  private static int canaryWeight(List<String> weights) {
    for (String w : weights) {
      if (w.startsWith("v2=")) {
        return Integer.parseInt(w.substring(3));
      }
    }
    return 0;
  }

  private static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
    } catch (Exception e) {
      return 0;
    }
  }

  /** Samples the process's resident memory once a second and keeps the largest. */
  private static final class RssSampler implements AutoCloseable {
    private final AtomicLong maxKb = new AtomicLong();
    private final java.util.concurrent.ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("bench-rss"));

    RssSampler(long pid) {
      timer.scheduleAtFixedRate(
          () -> {
            try {
              for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                  long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                  maxKb.accumulateAndGet(kb, Math::max);
                }
              }
            } catch (Exception e) {
              // the process ended
            }
          },
          0,
          1,
          TimeUnit.SECONDS);
    }

    long maxKb() {
      return maxKb.get();
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }

  private static Map<String, Object> percentiles(List<Double> values) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("count", values.size());
    if (values.isEmpty()) {
      return p;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    p.put("p50", round(at(sorted, 0.50)));
    p.put("p99", round(at(sorted, 0.99)));
    p.put("max", round(sorted.get(sorted.size() - 1)));
    return p;
  }

  private static double at(List<Double> sorted, double q) {
    int i = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  static final String CHECK_REACTION_METRIC = "sluice_check_reaction_seconds";
  static final String ALERT_REACTION_METRIC = "sluice_alert_reaction_seconds";

  /**
   * Waits (5 s at most) until the daemon's reaction histograms count a reaction for every Canary of
   * {@code reacting} that was rolled back (the daemon records one once the route write is answered,
   * which may be after the phase is stored); returns its metrics then.
   */
  private static Map<String, Double> reactionsRecorded(
      KubernetesClient client,
      List<String> reacting,
      SluiceDaemon daemon,
      Map<String, Double> before)
      throws InterruptedException {
    Set<String> wanted = Set.copyOf(reacting);
    long rolledBack =
        client.resources(Canary.class).inAnyNamespace().list().getItems().stream()
            .filter(c -> wanted.contains(c.getMetadata().getNamespace()))
            .filter(c -> c.getStatus() != null && "RolledBack".equals(c.getStatus().phase))
            .count();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      Map<String, Double> now = DaemonMetrics.scrape(daemon.http());
      double recorded = 0;
      for (String name : List.of(CHECK_REACTION_METRIC, ALERT_REACTION_METRIC)) {
        recorded +=
            DaemonMetrics.Histogram.of(now, name)
                .since(DaemonMetrics.Histogram.of(before, name))
                .count();
      }
      if (recorded >= rolledBack || System.nanoTime() > deadline) {
        return now;
      }
      Thread.sleep(100);
    }
  }

  /**
   * One of the daemon's reaction histograms over the run, in ms: how many, p50 and p99 (a single
   * reaction exactly; more as {@code histogram_quantile} estimates them within the buckets, up to
   * the largest), the largest and the mean.
   */
  static Map<String, Object> inDaemon(
      Map<String, Double> after, Map<String, Double> before, String name) {
    DaemonMetrics.Histogram h =
        DaemonMetrics.Histogram.of(after, name).since(DaemonMetrics.Histogram.of(before, name));
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("count", (int) h.count());
    if (h.count() <= 0) {
      return p;
    }
    p.put("p50", round(h.quantile(0.50) * 1000));
    p.put("p99", round(h.quantile(0.99) * 1000));
    p.put("max", round((h.exact() ? h.sum() : h.max()) * 1000));
    p.put("mean", round(h.sum() / h.count() * 1000));
    p.put("from", h.exact() ? "the one reaction" : "the histogram's buckets");
    return p;
  }

  private static double round(double d) {
    return Math.round(d * 100) / 100.0;
  }

  @SuppressWarnings("unchecked")
  private static void printStarts(List<Map<String, Object>> runs) {
    String row = "%9s | %-13s | %-11s | %-15s | %-15s | %s%n";
    System.out.printf(
        Locale.ROOT,
        "%n" + row,
        "Canaries",
        "ready s (med)",
        "CPU s (med)",
        "live s (med)",
        "synced +s (med)",
        "each launch: ready s");
    for (Map<String, Object> r : runs) {
      System.out.printf(
          Locale.ROOT,
          row,
          r.get("canaries"),
          r.get("startupSecondsMedian"),
          r.get("startupCpuSecondsMedian"),
          r.get("liveSecondsMedian"),
          r.get("readyAfterLiveSecondsMedian"),
          r.get("startupSeconds"));
    }
    System.out.println(
        "(ready: launch to /q/health/ready; live: launch to /q/health/live, Quarkus started; synced:"
            + " from live to ready, the caches' sync; machine load "
            + loadAverage()
            + ")");
  }

  private static void printTable(List<Map<String, Object>> runs, int virtualServices) {
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%6s | %-17s | %-17s | %-17s | %-17s | %-17s | %-17s | %-15s | %9s | %9s | %11s | %9s | %8s | %7s%n",
        "N",
        "check react p50/99",
        "(in daemon)",
        "alert react p50/99",
        "(in daemon)",
        "detection p50/99",
        "step slip p50/99",
        "API write p50/99",
        "CPU s/step",
        "q/check-ev",
        "writes/step",
        "/release",
        "RSS MB",
        "start s");
    for (Map<String, Object> r : runs) {
      System.out.printf(
          Locale.ROOT,
          "%6s | %-17s | %-17s | %-17s | %-17s | %-17s | %-17s | %-15s | %9s | %9s | %11s | %9s | %8s | %7s%n",
          r.get("canaries"),
          pair((Map<String, Object>) r.get("checkFailedReactionMs")),
          pair((Map<String, Object>) r.get("checkReactionInDaemonMs")),
          pair((Map<String, Object>) r.get("alertReactionMs")),
          pair((Map<String, Object>) r.get("alertReactionInDaemonMs")),
          pair((Map<String, Object>) r.get("detectionDelayMs")),
          pair((Map<String, Object>) r.get("stepSlipMs")),
          pair((Map<String, Object>) r.get("apiServerWriteMs")),
          r.get("cpuSecondsPerStep"),
          r.get("queriesPerCheckEvaluation"),
          r.get("apiWritesPerStepSteadyState"),
          r.get("apiWritesPerRelease"),
          r.get("maxResidentMemoryMb"),
          r.get("startupSeconds"));
    }
    boolean one = virtualServices == 1;
    System.out.println(
        "(K = "
            + (one
                ? "1 VirtualService per Canary"
                : virtualServices
                    + " VirtualServices per Canary, in lockstep (a gateway's and the mesh's)")
            + "; times in ms; reactions end when the API server stored the route"
            + (one ? "" : " (the last of the Canary's K rollback writes)")
            + ", \"in daemon\" as the daemon"
            + " timed them itself, from its sluice_*_reaction_seconds histograms (one reaction"
            + " exactly, more estimated within their buckets);"
            + (one
                ? ""
                : " step slip: from the last of a step's K route writes to the last of the"
                    + " next's, less the interval;")
            + " API write: the mock API server's own time per write; writes/step: while"
            + " stepping, route"
            + (one ? "" : " (K writes)")
            + " + status; /release: every write of a release, per Canary; machine load "
            + loadAverage()
            + ")");
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }

  private static String pair(Map<String, Object> p) {
    if (p == null || !p.containsKey("p50")) {
      return "n/a";
    }
    return p.get("p50") + " / " + p.get("p99");
  }
}
