package dev.sluice.notify;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a notification tells: one kind per transition of a release worth telling people about. The
 * {@link #label()} is the word in settings, in {@code spec.notifications[].kinds}, in the metrics
 * and in the CloudEvents type ({@code dev.sluice.release.<label>}).
 */
public enum Kind {
  /** A release started (a new candidate, the targetVersion, or a retry). */
  STARTED("started"),
  /** A person paused the release. */
  PAUSED("paused"),
  /** A person resumed the release. */
  RESUMED("resumed"),
  /** The canary moved to the next step (off unless asked for: one message per step). */
  STEP("step"),
  /** The route is back at 100% stable: the failing check (query, value), the alert, the abort. */
  ROLLED_BACK("rolledback"),
  /** The new version is the stable one now. */
  PROMOTED("promoted"),
  /** Even the rollback cannot be written (phase Failed). */
  FAILED("failed");

  private final String label;

  Kind(String label) {
    this.label = label;
  }

  /** The kind as written in settings, specs, metrics and event types. */
  public String label() {
    return label;
  }

  /** The kinds sent when none are listed: every kind but {@link #STEP}. */
  public static Set<Kind> defaults() {
    return EnumSet.complementOf(EnumSet.of(STEP));
  }

  /** The kind written {@code text} (case-insensitive, blanks trimmed), if any. */
  public static Optional<Kind> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(k -> k.label.equals(t)).findFirst();
  }

  /** Every label, for messages: "started, paused, ...". */
  public static String labels() {
    return String.join(", ", Arrays.stream(values()).map(Kind::label).toList());
  }
}
