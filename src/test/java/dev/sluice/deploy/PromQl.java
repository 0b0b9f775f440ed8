package dev.sluice.deploy;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads: enough of PromQL to tell metric names from functions,
 * keywords and label names, for checking dashboards and alert rules against the metrics Sluice
 * exports. Not a parser: the expressions are also given to {@code promtool}, which checks their
 * syntax.
 */
final class PromQl {
  private PromQl() {}

  private static final Pattern STRING =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern SELECTOR = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?\\w+}?");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "inf",
          "nan",
          "Inf",
          "NaN");

  /** Every metric name in the expression (also those written as {@code {__name__="..."}}). */
  static Set<String> metricNames(String expr) {
    Set<String> names = new TreeSet<>();
    Matcher byName = Pattern.compile("__name__\\s*=\\s*\"([^\"]+)\"").matcher(expr);
    while (byName.find()) {
      names.add(byName.group(1));
    }
    String s = STRING.matcher(expr).replaceAll(" ");
    s = GROUPING.matcher(s).replaceAll(" ");
    s = SELECTOR.matcher(s).replaceAll(" ");
    s = RANGE.matcher(s).replaceAll(" ");
    s = VARIABLE.matcher(s).replaceAll(" ");
    s = s.replaceAll("#[^\\n]*", " ");
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      String word = m.group();
      if (m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1))) {
        continue; // the unit of a number or duration: 5m, 1e3
      }
      int next = m.end();
      while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
        next++;
      }
      boolean call = next < s.length() && s.charAt(next) == '(';
      if (!call && !KEYWORDS.contains(word)) {
        names.add(word);
      }
    }
    return names;
  }
}
