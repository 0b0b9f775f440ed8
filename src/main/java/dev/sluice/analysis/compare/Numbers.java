package dev.sluice.analysis.compare;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.OptionalDouble;

/** Numbers for people in the judge's messages. */
final class Numbers {
  private Numbers() {}

  /** {@code d} to 4 significant digits, Prometheus spelling for infinities and NaN. */
  static String show(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "+Inf" : "-Inf";
    }
    BigDecimal shown = new BigDecimal(d).round(new MathContext(4)).stripTrailingZeros();
    return Math.abs(d) >= 1e-4 || d == 0 ? shown.toPlainString() : shown.toString();
  }

  static OptionalDouble optional(double d) {
    return Double.isNaN(d) ? OptionalDouble.empty() : OptionalDouble.of(d);
  }
}
