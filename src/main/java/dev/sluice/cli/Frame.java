package dev.sluice.cli;

import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import io.fabric8.kubernetes.api.model.Event;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What {@code watch} draws: the release's line, a weight bar, the last checks and the last events.
 */
final class Frame {
  static final int BAR = 40;
  static final int EVENTS = 8;

  private Frame() {}

  static String render(Canary c, List<Event> events) {
    CanaryStatus s = c.getStatus() == null ? new CanaryStatus() : c.getStatus();
    StringBuilder b = new StringBuilder();
    b.append(Summary.of(c)).append('\n');
    if (s.canaryVersion != null
        && s.weight != null
        && !s.canaryVersion.equals(s.stableVersion)
        && !WatchCommand.ENDED.contains(String.valueOf(s.phase))) {
      b.append(bar(s.stableVersion, s.canaryVersion, s.weight)).append('\n');
    }
    if (s.message != null) {
      b.append(s.message).append('\n');
    }
    waiting(s).ifPresent(w -> b.append("waiting: ").append(w).append('\n'));
    if (s.rollbackReason != null) {
      b.append("rolled back: ").append(s.rollbackReason).append('\n');
    }
    if (s.lastAction != null && s.lastAction.action != null) {
      b.append("last action: ").append(s.lastAction.action);
      if (s.lastAction.by != null) {
        b.append(" (").append(s.lastAction.by).append(')');
      }
      if (s.lastAction.at != null) {
        b.append(" at ").append(s.lastAction.at);
      }
      b.append('\n');
    }
    b.append('\n').append(checks(s));
    if (s.webhooks != null && !s.webhooks.isEmpty()) {
      b.append('\n').append(webhooks(s));
    }
    b.append('\n').append(events(events));
    return b.toString();
  }

  /** {@code v1 70% [----------------------------############] 30% v2}. */
  static String bar(String stable, String canary, int weight) {
    int w = Math.max(0, Math.min(100, weight));
    int filled = Math.round(w * BAR / 100f);
    return String.format(
        "%s %d%% [%s%s] %d%% %s",
        stable == null ? "stable" : stable,
        100 - w,
        "-".repeat(BAR - filled),
        "#".repeat(filled),
        w,
        canary);
  }

  /** Why the release cannot go on now (a Ready condition that is False), if it cannot. */
  private static java.util.Optional<String> waiting(CanaryStatus s) {
    if (s.conditions == null) {
      return java.util.Optional.empty();
    }
    return s.conditions.stream()
        .filter(c -> "Ready".equals(c.getType()) && "False".equals(c.getStatus()))
        .map(c -> c.getMessage() + " (" + c.getReason() + ")")
        .findFirst();
  }

  private static String webhooks(CanaryStatus s) {
    Table t = new Table("WEBHOOK", "TYPE", "STEP", "RESULT", "ANSWER", "AT");
    for (CanaryStatus.WebhookStatus w : s.webhooks) {
      t.add(
          w.name, w.type, w.step == null ? "" : String.valueOf(w.step), w.result, w.message, w.at);
    }
    return "Webhooks:\n" + print(t);
  }

  private static String checks(CanaryStatus s) {
    if (s.measurements == null || s.measurements.isEmpty()) {
      return "Checks: none yet\n";
    }
    Table t = new Table("CHECK", "VALUE", "OUTCOME", "AT");
    for (CanaryStatus.MeasurementStatus m : s.measurements) {
      t.add(m.check, m.value, m.outcome, m.at);
    }
    return "Checks:\n" + print(t);
  }

  private static String events(List<Event> events) {
    if (events.isEmpty()) {
      return "Events: none\n";
    }
    Table t = new Table("LAST SEEN", "TYPE", "REASON", "MESSAGE");
    for (Event e : events.subList(Math.max(0, events.size() - EVENTS), events.size())) {
      t.add(Canaries.time(e), e.getType(), e.getReason(), e.getMessage());
    }
    return "Events:\n" + print(t);
  }

  private static String print(Table t) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      t.print(ps, "  ");
    }
    return bytes.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
  }
}
