package dev.sluice.notify;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Where a notification goes: the receiver's format. */
public enum SinkType {
  /** A Slack incoming webhook: {@code text} and Block Kit {@code blocks}. */
  SLACK("slack"),
  /** A Microsoft Teams incoming webhook (or Workflows webhook): an Adaptive Card message. */
  TEAMS("teams"),
  /** Any HTTP receiver: a CloudEvents 1.0 event in structured JSON mode. */
  CLOUDEVENTS("cloudevents");

  private final String label;

  SinkType(String label) {
    this.label = label;
  }

  /** The type as written in settings, specs and the metrics' {@code sink} label. */
  public String label() {
    return label;
  }

  /** The type written {@code text} (case-insensitive, blanks trimmed), if any. */
  public static Optional<SinkType> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(k -> k.label.equals(t)).findFirst();
  }

  /** Every label, for messages. */
  public static String labels() {
    return String.join(", ", Arrays.stream(values()).map(SinkType::label).toList());
  }
}
