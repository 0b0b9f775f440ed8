package dev.sluice.notify;

import dev.sluice.config.Problems;
import java.util.Optional;

/** The rules of {@link NotificationsConfig}. A URL is shown as its scheme only. */
final class NotificationsSettingsCheck {
  private static final String PREFIX = "sluice.notifications.";

  private NotificationsSettingsCheck() {}

  static void check(NotificationsConfig config, Problems problems) {
    url(problems, "slack.url", config.slack().url());
    url(problems, "teams.url", config.teams().url());
    url(problems, "cloudevents.url", config.cloudevents().url());
    if (config.cloudevents().source().isBlank()) {
      problems.add(
          PREFIX + "cloudevents.source", config.cloudevents().source(), "must not be blank");
    }
    for (String kind : config.kinds()) {
      if (Kind.parse(kind).isEmpty()) {
        problems.add(PREFIX + "kinds", kind, "is not a kind: one of " + Kind.labels());
      }
    }
    problems.atLeast(PREFIX + "rate-limit.per-minute", config.rateLimit().perMinute(), 1);
    problems.atLeast(PREFIX + "rate-limit.burst", config.rateLimit().burst(), 1);
    problems.atLeast(PREFIX + "queue-capacity", config.queueCapacity(), 1);
    problems.within(PREFIX + "threads", config.threads(), 1, 64);
    problems.atLeast(PREFIX + "timeout-ms", config.timeoutMs(), 1);
    problems.atLeast(PREFIX + "connect-timeout-ms", config.connectTimeoutMs(), 1);
    NotificationsConfig.Retry retry = config.retry();
    problems.within(PREFIX + "retry.max-retries", retry.maxRetries(), 0, 10);
    problems.atLeast(PREFIX + "retry.delay-ms", retry.delayMs(), 1);
    if (retry.maxDelayMs() < retry.delayMs()) {
      problems.add(
          PREFIX + "retry.max-delay-ms",
          retry.maxDelayMs(),
          "must be at least " + PREFIX + "retry.delay-ms (" + retry.delayMs() + ")");
    }
  }

  private static void url(Problems problems, String key, Optional<String> url) {
    // unset, or set to an empty value by an optional Secret that is absent: no receiver
    if (url.isEmpty() || url.get().isBlank()) {
      return;
    }
    WebhookUrls.problem(url.get())
        .ifPresent(p -> problems.add(PREFIX + key, WebhookUrls.hidden(url.get()), p));
  }
}
