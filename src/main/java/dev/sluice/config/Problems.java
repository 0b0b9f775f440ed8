package dev.sluice.config;

import io.smallrye.config.ConfigValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The invalid settings a {@link SettingsCheck} found, one line each: the property, its value (as
 * given), the environment variable that sets it, and what is wrong.
 */
public final class Problems {
  private final List<String> lines = new ArrayList<>();

  /** Records that {@code property}, set to {@code value}, is invalid: {@code reason}. */
  public void add(String property, Object value, String reason) {
    lines.add(property + "=" + show(value) + " (" + environmentVariable(property) + "): " + reason);
  }

  /** Records a problem unless {@code value} is at least {@code min}. */
  public void atLeast(String property, long value, long min) {
    if (value < min) {
      add(property, value, "must be at least " + min);
    }
  }

  /** Records a problem unless {@code value} is within {@code [min, max]}. */
  public void within(String property, long value, long min, long max) {
    if (value < min || value > max) {
      add(property, value, "must be between " + min + " and " + max);
    }
  }

  /** Records a problem unless {@code value} is at least a millisecond. */
  public void positive(String property, Duration value) {
    if (value.compareTo(Duration.ofMillis(1)) < 0) {
      add(property, value, "must be positive (1ms or more)");
    }
  }

  /** Whether every setting checked so far is valid. */
  public boolean isEmpty() {
    return lines.isEmpty();
  }

  /** One line per problem: the property, its value, its environment variable, what is wrong. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /**
   * Throws when any setting is invalid: SmallRye Config adds these problems to those of the other
   * mappings and fails the configuration.
   */
  public void throwIfAny() {
    if (!isEmpty()) {
      throw new ConfigValidationException(
          lines.stream()
              .map(ConfigValidationException.Problem::new)
              .toArray(ConfigValidationException.Problem[]::new));
    }
  }

  /** The environment variable that sets {@code property}, as MicroProfile Config names it. */
  static String environmentVariable(String property) {
    return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
  }

  /** A value as an operator writes it: durations as 15s or 500ms, not PT15S. */
  public static String show(Object value) {
    if (value instanceof Duration d) {
      if (d.getNano() % 1_000_000 != 0 || Math.abs(d.getSeconds()) > 1_000_000_000_000L) {
        return d.toString(); // finer than a millisecond, or too long for toMillis()
      }
      long ms = d.toMillis();
      return ms != 0 && ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
    if (value instanceof String s) {
      return "\"" + s + "\"";
    }
    return String.valueOf(value);
  }
}
