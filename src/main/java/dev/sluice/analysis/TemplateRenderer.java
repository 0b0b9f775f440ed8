package dev.sluice.analysis;

import dev.sluice.analysis.compare.CompareSettings;
import dev.sluice.analysis.compare.CompareSpec;
import dev.sluice.analysis.compare.ComparedMetric;
import dev.sluice.analysis.compare.Direction;
import dev.sluice.analysis.compare.NanStrategy;
import dev.sluice.analysis.compare.Scoring;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a {@link Template} into ready-to-run {@link Check}s: substitutes {@code {{ variables }}}
 * and validates every value before it enters PromQL.
 *
 * <p>Where a variable's value comes from, first match wins:
 *
 * <ol>
 *   <li>the builtins Sluice provides ({@link Builtins}), which nothing can override: a Canary
 *       argument or a template argument with a builtin's name is an error;
 *   <li>the Canary's arguments, each of which the template must declare;
 *   <li>the template's defaults; a declared argument with no default that the Canary does not give
 *       is an error.
 * </ol>
 *
 * <p>Every substituted value (builtin or argument) must be a non-empty Kubernetes label value
 * ({@code ^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$}): quotes, braces, spaces, operators and
 * newlines cannot pass, so no value can change what a query means, and an empty value (which in a
 * label matcher would select the series <em>without</em> that label) is refused. {@code window}
 * must be a non-zero Prometheus duration such as {@code 30s}, {@code 1m} or {@code 1m30s}. After
 * substitution, {@code pass.min}, {@code pass.max} and {@code traffic.min} must be finite decimal
 * numbers; at least one of min and max is required, and min must not exceed max.
 *
 * <p>Pure: no I/O, no clock, no state.
 */
public final class TemplateRenderer {
  private TemplateRenderer() {}

  /** The window of a metric that states none. */
  public static final String DEFAULT_WINDOW = "1m";

  /** How far back a compared metric's samples go when it states no window. */
  public static final String DEFAULT_COMPARE_WINDOW = "5m";

  /** The step between a compared metric's points when it states no resolution. */
  public static final String DEFAULT_RESOLUTION = "15s";

  /** A compared metric's confidence level when it states none. */
  public static final double DEFAULT_CONFIDENCE = 0.95;

  /** A compared metric's minimum points per side when it states none. */
  public static final int DEFAULT_MIN_POINTS = 10;

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^{}]*)\\}\\}");
  private static final Pattern ARG_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

  /**
   * Renders every metric of {@code template}.
   *
   * @param template the template, as written
   * @param canaryArgs the arguments the Canary gives for this template
   * @param builtins the builtin values (see {@link Builtins#of}); {@code window} is not among them,
   *     it comes from each metric
   * @return one check per metric, in the template's order
   * @throws InvalidTemplateException when anything is missing, undeclared or unsafe
   */
  public static List<Check> render(
      Template template, Map<String, String> canaryArgs, Map<String, String> builtins) {
    return render(template, canaryArgs, builtins, false);
  }

  /**
   * Renders every metric of {@code template}, as {@link #render(Template, Map, Map)}; with {@code
   * dryRun} (the Canary's reference to the template says so) every check is dry-run, otherwise only
   * those of metrics that say so themselves.
   *
   * @throws InvalidTemplateException when anything is missing, undeclared or unsafe
   */
  public static List<Check> render(
      Template template,
      Map<String, String> canaryArgs,
      Map<String, String> builtins,
      boolean dryRun) {
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(canaryArgs, "canaryArgs");
    Objects.requireNonNull(builtins, "builtins");
    if (builtins.containsKey(Builtins.WINDOW)) {
      throw new IllegalArgumentException("window is per metric; it is not a builtin to pass in");
    }
    String name = template.name();
    if (name == null || name.isBlank()) {
      throw new InvalidTemplateException(String.valueOf(name), null, "the template has no name");
    }
    Set<String> reserved = new HashSet<>(Builtins.NAMES);
    reserved.addAll(builtins.keySet());

    Map<String, String> args = resolveArgs(template, canaryArgs, reserved);

    if (template.metrics().isEmpty()) {
      throw new InvalidTemplateException(name, null, "the template has no metrics");
    }
    Set<String> seen = new HashSet<>();
    List<Check> checks = new ArrayList<>();
    List<ComparedMetric> compared = new ArrayList<>();
    boolean comparedDryRun = dryRun;
    for (TemplateMetric metric : template.metrics()) {
      if (metric.name() == null || metric.name().isBlank()) {
        throw new InvalidTemplateException(name, null, "a metric has no name");
      }
      if (!seen.add(metric.name())) {
        throw new InvalidTemplateException(name, metric.name(), "duplicate metric name");
      }
      if (metric.compare() != null) {
        compared.add(new MetricRenderer(name, metric, args, builtins).renderCompared());
        comparedDryRun |= metric.dryRun();
        continue;
      }
      Check check = new MetricRenderer(name, metric, args, builtins).render();
      checks.add(dryRun || metric.dryRun() ? check.asDryRun() : check);
    }
    if (compared.isEmpty()) {
      if (template.scoring() != null) {
        throw new InvalidTemplateException(
            name, null, "scoring is only for templates with compared metrics (compare:)");
      }
      return List.copyOf(checks);
    }
    if (seen.contains(Check.SCORE_NAME)) {
      throw new InvalidTemplateException(
          name,
          Check.SCORE_NAME,
          "a template with compared metrics cannot name a metric \""
              + Check.SCORE_NAME
              + "\": its scored check is named so");
    }
    Scoring scoring = scoring(template, args, compared);
    String shown =
        compared.stream()
            .map(c -> "# " + c.name() + " (canary)\n" + c.canaryQuery())
            .collect(java.util.stream.Collectors.joining("\n"));
    checks.add(Check.scored(name, shown, new CompareSpec(scoring, compared), comparedDryRun));
    return List.copyOf(checks);
  }

  /** The template's scoring, its numbers substituted and checked against the groups used. */
  private static Scoring scoring(
      Template template, Map<String, String> args, List<ComparedMetric> compared) {
    String name = template.name();
    Template.Scoring written = template.scoring();
    Set<String> groups = new java.util.LinkedHashSet<>();
    compared.forEach(c -> groups.add(c.group()));
    if (written == null) {
      return Scoring.defaults();
    }
    Map<String, Double> weights = new LinkedHashMap<>();
    for (Map.Entry<String, String> w : written.weights().entrySet()) {
      if (!groups.contains(w.getKey())) {
        throw new InvalidTemplateException(
            name,
            null,
            "scoring.groups names group "
                + quote(String.valueOf(w.getKey()))
                + ", which no compared metric is in (groups: "
                + String.join(", ", groups)
                + ")");
      }
      weights.put(
          w.getKey(), scoringNumber(name, w.getValue(), "the weight of " + w.getKey(), args));
    }
    if (!weights.isEmpty()) {
      for (String g : groups) {
        if (!weights.containsKey(g)) {
          throw new InvalidTemplateException(
              name, null, "group " + quote(g) + " has no weight in scoring.groups");
        }
      }
    }
    double pass =
        written.pass() == null
            ? Scoring.DEFAULT_PASS
            : scoringNumber(name, written.pass(), "scoring.pass", args);
    double marginal =
        written.marginal() == null
            ? Scoring.DEFAULT_MARGINAL
            : scoringNumber(name, written.marginal(), "scoring.marginal", args);
    try {
      return new Scoring(weights, pass, marginal);
    } catch (IllegalArgumentException e) {
      throw new InvalidTemplateException(name, null, "scoring: " + e.getMessage());
    }
  }

  /** A number of the scoring: a literal or one {@code {{ argument }}}. */
  private static double scoringNumber(
      String template, String text, String field, Map<String, String> args) {
    String value = text == null ? "" : text.strip();
    Matcher m = PLACEHOLDER.matcher(value);
    if (m.matches()) {
      String var = m.group(1).strip();
      if (!args.containsKey(var)) {
        throw new InvalidTemplateException(
            template, null, field + ": " + value + " names no argument of the template");
      }
      value = args.get(var);
    }
    OptionalDouble parsed = Values.parseFinite(value);
    if (parsed.isEmpty()) {
      throw new InvalidTemplateException(
          template, null, field + " is " + quote(value) + ", which is not a finite number");
    }
    return parsed.getAsDouble();
  }

  /** The template's arguments with the Canary's values, its defaults, all validated. */
  private static Map<String, String> resolveArgs(
      Template template, Map<String, String> canaryArgs, Set<String> reserved) {
    String name = template.name();
    Map<String, TemplateArg> declared = new LinkedHashMap<>();
    for (TemplateArg arg : template.args()) {
      if (arg.name() == null || !ARG_NAME.matcher(arg.name()).matches()) {
        throw new InvalidTemplateException(
            name,
            null,
            "argument name \"" + arg.name() + "\" is not of the form [A-Za-z][A-Za-z0-9_]*");
      }
      if (reserved.contains(arg.name())) {
        throw new InvalidTemplateException(
            name,
            null,
            "argument " + arg.name() + " has the name of a builtin Sluice provides; rename it");
      }
      if (declared.put(arg.name(), arg) != null) {
        throw new InvalidTemplateException(
            name, null, "argument " + arg.name() + " is declared twice");
      }
    }
    for (String given : new TreeSet<>(canaryArgs.keySet())) {
      if (reserved.contains(given)) {
        throw new InvalidTemplateException(
            name,
            null,
            "argument "
                + given
                + " is a builtin set by Sluice and cannot be given by the Canary; remove it");
      }
      if (canaryArgs.get(given) == null) {
        throw new InvalidTemplateException(
            name, null, "argument " + given + " is given by the Canary without a value");
      }
      if (!declared.containsKey(given)) {
        throw new InvalidTemplateException(
            name,
            null,
            "argument "
                + given
                + " is not declared by the template (declared: "
                + (declared.isEmpty() ? "none" : String.join(", ", declared.keySet()))
                + ")");
      }
    }
    List<String> missing = new ArrayList<>();
    Map<String, String> values = new LinkedHashMap<>();
    for (TemplateArg arg : declared.values()) {
      String value = canaryArgs.get(arg.name());
      String origin = "given by the Canary";
      if (value == null) {
        value = arg.defaultValue();
        origin = "the template's default";
      }
      if (value == null) {
        missing.add(arg.name());
        continue;
      }
      if (!Values.isLabelValue(value)) {
        throw new InvalidTemplateException(
            name, null, "argument " + arg.name() + " (" + origin + ") " + notALabelValue(value));
      }
      values.put(arg.name(), value);
    }
    if (!missing.isEmpty()) {
      throw new InvalidTemplateException(
          name,
          null,
          (missing.size() == 1 ? "missing argument " : "missing arguments ")
              + String.join(", ", missing)
              + " (declared without a default; the Canary must give it)");
    }
    return values;
  }

  static String notALabelValue(String value) {
    return "is "
        + quote(value)
        + ", which is not a non-empty Kubernetes label value (at most 63 of A-Z a-z 0-9 - _ ., "
        + "beginning and ending with a letter or digit)";
  }

  /** A value shown in a message, with control characters escaped so the message stays one line. */
  static String quote(String value) {
    StringBuilder sb = new StringBuilder("\"");
    String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    for (char c : shown.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  /** Renders one metric; holds what every field's substitution needs. */
  private static final class MetricRenderer {
    private final String template;
    private final TemplateMetric metric;
    private final Map<String, String> args;
    private final Map<String, String> builtins;
    private String window;
    private String version;
    private String resolution;

    MetricRenderer(
        String template,
        TemplateMetric metric,
        Map<String, String> args,
        Map<String, String> builtins) {
      this.template = template;
      this.metric = metric;
      this.args = args;
      this.builtins = builtins;
    }

    Check render() {
      window =
          metric.window() == null || metric.window().isBlank() ? DEFAULT_WINDOW : metric.window();
      if (!Values.isDuration(window)) {
        throw invalid(
            "window "
                + quote(window)
                + " is not a Prometheus duration such as 30s, 1m or 1m30s (units h, m, s, ms, "
                + "largest first, not zero)");
      }
      String query = requiredText(metric.query(), "query");

      OptionalDouble min = number(metric.min(), "pass.min");
      OptionalDouble max = number(metric.max(), "pass.max");
      if (min.isEmpty() && max.isEmpty()) {
        throw invalid("the pass rule needs pass.min, pass.max or both");
      }
      if (min.isPresent() && max.isPresent() && min.getAsDouble() > max.getAsDouble()) {
        throw invalid(
            "pass.min "
                + Values.format(min.getAsDouble())
                + " is greater than pass.max "
                + Values.format(max.getAsDouble())
                + ": no value could pass");
      }

      String trafficQuery = null;
      double minTraffic = 0;
      if (metric.traffic() != null) {
        trafficQuery = requiredText(metric.traffic().query(), "traffic.query");
        OptionalDouble parsed = number(metric.traffic().min(), "traffic.min");
        if (parsed.isEmpty()) {
          throw invalid("traffic.min is required when there is a traffic guard");
        }
        minTraffic = parsed.getAsDouble();
        if (minTraffic < 0) {
          throw invalid("traffic.min " + Values.format(minTraffic) + " is negative");
        }
      }
      return new Check(template, metric.name(), query, min, max, trafficQuery, minTraffic);
    }

    ComparedMetric renderCompared() {
      TemplateMetric.Compare c = metric.compare();
      if (metric.query() != null
          || metric.window() != null
          || metric.min() != null
          || metric.max() != null
          || metric.traffic() != null) {
        throw invalid(
            "a compared metric has no query, window, pass or traffic of its own: its query, window"
                + " and settings go in compare");
      }
      String windowText = durationText(c.window(), DEFAULT_COMPARE_WINDOW, "compare.window");
      String resolutionText =
          durationText(c.resolution(), DEFAULT_RESOLUTION, "compare.resolution");
      java.time.Duration span = Values.toDuration(windowText);
      java.time.Duration step = Values.toDuration(resolutionText);
      if (step.compareTo(span) > 0) {
        throw invalid(
            "compare.resolution "
                + resolutionText
                + " is longer than compare.window "
                + windowText);
      }
      if (span.toMillis() / step.toMillis() > MAX_POINTS) {
        throw invalid(
            "compare.window "
                + windowText
                + " at compare.resolution "
                + resolutionText
                + " is more than "
                + MAX_POINTS
                + " points; raise the resolution");
      }
      window = windowText;
      resolution = resolutionText;
      if (c.query() == null || c.query().isBlank()) {
        throw invalid("compare.query is empty");
      }
      boolean usesVersion = false;
      Matcher m = PLACEHOLDER.matcher(c.query());
      while (m.find()) {
        usesVersion |= Builtins.VERSION.equals(m.group(1).strip());
      }
      if (!usesVersion) {
        throw invalid(
            "compare.query must select the version with {{ version }} (it is rendered once for"
                + " the canary's version and once for the stable version's)");
      }
      version = versionOf(Builtins.CANARY_VERSION);
      String canaryQuery = requiredText(c.query(), "compare.query");
      version = versionOf(Builtins.STABLE_VERSION);
      String stableQuery = requiredText(c.query(), "compare.query");
      version = null;

      double confidence = numberOr(c.confidence(), "compare.confidence", DEFAULT_CONFIDENCE);
      double minEffect = numberOr(c.minEffect(), "compare.minEffect", 1);
      double minPoints = numberOr(c.minPoints(), "compare.minPoints", DEFAULT_MIN_POINTS);
      if (minPoints != Math.rint(minPoints) || minPoints < 1 || minPoints > MAX_POINTS) {
        throw invalid(
            "compare.minPoints "
                + Values.format(minPoints)
                + " is not a whole number from 1 to "
                + MAX_POINTS);
      }
      if (minPoints > span.toMillis() / step.toMillis() + 1) {
        throw invalid(
            "compare.minPoints "
                + Values.format(minPoints)
                + " is more than the "
                + (span.toMillis() / step.toMillis() + 1)
                + " points compare.window "
                + windowText
                + " holds at compare.resolution "
                + resolutionText
                + ": it could never be judged");
      }
      Direction direction;
      NanStrategy nan;
      boolean outliers;
      try {
        direction = Direction.parse(word(c.direction(), "increase", "compare.direction"));
        nan = NanStrategy.parse(word(c.nanStrategy(), "remove", "compare.nanStrategy"));
      } catch (IllegalArgumentException e) {
        throw invalid("compare." + e.getMessage());
      }
      String outlierText = word(c.outliers(), "none", "compare.outliers");
      if (!outlierText.equals("none") && !outlierText.equals("iqr")) {
        throw invalid("compare.outliers must be none or iqr, not " + quote(outlierText));
      }
      outliers = outlierText.equals("iqr");
      String group = c.group() == null || c.group().isBlank() ? metric.name() : c.group().strip();
      if (!Values.isLabelValue(group)) {
        throw invalid("compare.group " + notALabelValue(group));
      }
      try {
        CompareSettings settings =
            new CompareSettings(confidence, minEffect, direction, nan, outliers, (int) minPoints);
        return new ComparedMetric(
            metric.name(), canaryQuery, stableQuery, span, step, settings, c.critical(), group);
      } catch (IllegalArgumentException e) {
        throw invalid("compare: " + e.getMessage());
      }
    }

    /** The most points a compared metric's side may have (Prometheus' own limit is 11,000). */
    private static final int MAX_POINTS = 10_000;

    private String versionOf(String builtin) {
      String v = builtins.get(builtin);
      if (v == null) {
        throw invalid("compare.query: builtin " + builtin + " has no value here");
      }
      if (!Values.isLabelValue(v)) {
        throw invalid("compare.query: builtin " + builtin + " " + notALabelValue(v));
      }
      return v;
    }

    private String durationText(String text, String fallback, String field) {
      String d = text == null || text.isBlank() ? fallback : substitute(text.strip(), field);
      if (!Values.isDuration(d)) {
        throw invalid(
            field
                + " "
                + quote(d)
                + " is not a Prometheus duration such as 30s, 1m or 1m30s (units h, m, s, ms, "
                + "largest first, not zero)");
      }
      return d;
    }

    private double numberOr(String text, String field, double fallback) {
      OptionalDouble v = number(text, field);
      return v.isPresent() ? v.getAsDouble() : fallback;
    }

    private String word(String text, String fallback, String field) {
      return text == null || text.isBlank() ? fallback : substitute(text.strip(), field);
    }

    private String requiredText(String text, String field) {
      if (text == null || text.isBlank()) {
        throw invalid(field + " is empty");
      }
      String rendered = substitute(text, field).strip();
      if (rendered.isEmpty()) {
        throw invalid(field + " is empty after substitution");
      }
      return rendered;
    }

    /** An absent bound, or the finite number the field denotes after substitution. */
    private OptionalDouble number(String text, String field) {
      if (text == null || text.isBlank()) {
        return OptionalDouble.empty();
      }
      String rendered = substitute(text.strip(), field);
      OptionalDouble value = Values.parseFinite(rendered);
      if (value.isEmpty()) {
        throw invalid(field + " is " + quote(rendered) + ", which is not a finite number");
      }
      return value;
    }

    /** Replaces each {@code {{ name }}}; values are inserted once and never scanned again. */
    private String substitute(String text, String field) {
      Matcher m = PLACEHOLDER.matcher(text);
      StringBuilder out = new StringBuilder();
      int last = 0;
      while (m.find()) {
        checkLiteral(text.substring(last, m.start()), field);
        boolean braceBefore = m.start() > 0 && text.charAt(m.start() - 1) == '{';
        boolean braceAfter = m.end() < text.length() && text.charAt(m.end()) == '}';
        if (braceBefore || braceAfter) {
          throw invalid(
              field + ": a brace touches " + m.group() + "; write variables as {{ name }}");
        }
        out.append(text, last, m.start()).append(lookup(m.group(1).strip(), m.group(), field));
        last = m.end();
      }
      checkLiteral(text.substring(last), field);
      out.append(text, last, text.length());
      return out.toString();
    }

    /**
     * Text between placeholders must hold no stray {@code {{} or {@code }}}: a typo, not PromQL.
     */
    private void checkLiteral(String literal, String field) {
      if (literal.contains("{{") || literal.contains("}}")) {
        throw invalid(
            field
                + " has an unmatched or malformed {{ or }}; write variables as {{ name }} (spaces"
                + " optional)");
      }
    }

    private String lookup(String var, String placeholder, String field) {
      if (!ARG_NAME.matcher(var).matches()) {
        throw invalid(field + ": " + placeholder + " is not a variable of the form {{ name }}");
      }
      if (Builtins.WINDOW.equals(var)) {
        if (window == null) {
          throw invalid(field + ": builtin window has no value here");
        }
        return window;
      }
      if (Builtins.VERSION.equals(var) || Builtins.RESOLUTION.equals(var)) {
        String v = Builtins.VERSION.equals(var) ? version : resolution;
        if (v == null) {
          throw invalid(field + ": builtin " + var + " is only for compare.query");
        }
        return v;
      }
      String value;
      String what;
      if (builtins.get(var) != null) {
        value = builtins.get(var);
        what = "builtin " + var;
      } else if (Builtins.NAMES.contains(var) || builtins.containsKey(var)) {
        throw invalid(field + ": builtin " + var + " has no value here");
      } else if (args.containsKey(var)) {
        value = args.get(var);
        what = "argument " + var; // validated when resolved
      } else {
        Set<String> known = new TreeSet<>(args.keySet());
        Set<String> names = new TreeSet<>(Builtins.NAMES);
        names.addAll(builtins.keySet());
        throw invalid(
            field
                + ": "
                + placeholder
                + " names no argument and no builtin (arguments: "
                + (known.isEmpty() ? "none" : String.join(", ", known))
                + "; builtins: "
                + String.join(", ", names)
                + ")");
      }
      if (!Values.isLabelValue(value)) {
        throw invalid(field + ": " + what + " " + notALabelValue(value));
      }
      return value;
    }

    private InvalidTemplateException invalid(String problem) {
      return new InvalidTemplateException(template, metric.name(), problem);
    }
  }
}
