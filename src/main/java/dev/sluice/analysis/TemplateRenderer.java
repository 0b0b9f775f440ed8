package dev.sluice.analysis;

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
    for (TemplateMetric metric : template.metrics()) {
      if (metric.name() == null || metric.name().isBlank()) {
        throw new InvalidTemplateException(name, null, "a metric has no name");
      }
      if (!seen.add(metric.name())) {
        throw new InvalidTemplateException(name, metric.name(), "duplicate metric name");
      }
      Check check = new MetricRenderer(name, metric, args, builtins).render();
      checks.add(dryRun || metric.dryRun() ? check.asDryRun() : check);
    }
    return List.copyOf(checks);
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
        return window;
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
