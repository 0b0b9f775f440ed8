package dev.sluice.analysis;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The syntactic rules for what may enter a query or a pass rule, and number formatting. */
final class Values {
  private Values() {}

  /**
   * A non-empty Kubernetes label value. Nothing outside {@code [-A-Za-z0-9_.]} can pass, so a value
   * can neither close the string literal it is placed in nor add a matcher or an operator.
   */
  static final Pattern LABEL_VALUE =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

  /**
   * A Prometheus duration with the units the CRD allows, largest first (Prometheus rejects {@code
   * 1s1m}); at most 6 digits per unit so the value cannot overflow.
   */
  static final Pattern DURATION =
      Pattern.compile("([0-9]{1,6}h)?([0-9]{1,6}m)?([0-9]{1,6}s)?([0-9]{1,6}ms)?");

  /** A plain decimal number, as in YAML or PromQL: no hex, no {@code NaN}, no {@code Infinity}. */
  private static final Pattern NUMBER =
      Pattern.compile("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?");

  static boolean isLabelValue(String s) {
    return s != null && LABEL_VALUE.matcher(s).matches();
  }

  /** A non-empty duration that is not zero (a zero range selects nothing). */
  static boolean isDuration(String s) {
    return s != null
        && !s.isEmpty()
        && DURATION.matcher(s).matches()
        && s.chars().anyMatch(c -> c >= '1' && c <= '9');
  }

  /** The duration {@code s} denotes; {@code s} must pass {@link #isDuration}. */
  static java.time.Duration toDuration(String s) {
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: " + s);
    }
    java.time.Duration d = java.time.Duration.ZERO;
    if (m.group(1) != null) {
      d = d.plusHours(Long.parseLong(m.group(1).substring(0, m.group(1).length() - 1)));
    }
    if (m.group(2) != null) {
      d = d.plusMinutes(Long.parseLong(m.group(2).substring(0, m.group(2).length() - 1)));
    }
    if (m.group(3) != null) {
      d = d.plusSeconds(Long.parseLong(m.group(3).substring(0, m.group(3).length() - 1)));
    }
    if (m.group(4) != null) {
      d = d.plusMillis(Long.parseLong(m.group(4).substring(0, m.group(4).length() - 2)));
    }
    return d;
  }

  /** The number {@code s} denotes, or empty when it is not a finite decimal number. */
  static OptionalDouble parseFinite(String s) {
    if (s == null || !NUMBER.matcher(s).matches()) {
      return OptionalDouble.empty();
    }
    double d = Double.parseDouble(s);
    return Double.isFinite(d) ? OptionalDouble.of(d) : OptionalDouble.empty();
  }

  /**
   * A measured number for people, shortened to 6 significant digits unless that would put it on the
   * other side of (or onto) any of {@code bounds}: then it is printed in full, so a message never
   * reads "0.01 is above max 0.01" or "20 requests < 20 minimum".
   */
  static String formatAgainst(double d, double... bounds) {
    if (!Double.isFinite(d)) {
      return format(d);
    }
    BigDecimal shortened = new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros();
    double shown = shortened.doubleValue();
    for (double bound : bounds) {
      if (Integer.signum(Double.compare(shown, bound))
          != Integer.signum(Double.compare(d, bound))) {
        return format(d);
      }
    }
    return format(shown);
  }

  /**
   * A number for people: integers without a fraction, others in full (never rounded, so a value
   * just above a bound never prints as the bound), Prometheus spelling for infinities and NaN.
   */
  static String format(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "+Inf" : "-Inf";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    return Math.abs(d) >= 1e-6 && Math.abs(d) < 1e15 ? exact.toPlainString() : Double.toString(d);
  }
}
