package dev.sluice.notify;

import dev.sluice.config.Problems;
import dev.sluice.config.SettingsCheck;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/**
 * Release notifications ({@code sluice.notifications.*}): the daemon-wide receivers, whose URLs
 * come from a Secret through environment variables ({@code SLUICE_NOTIFICATIONS_SLACK_URL}, ...),
 * and how deliveries go for every receiver, a Canary's own included; checked at start by {@link
 * NotificationsSettingsCheck}. The URLs are credentials: never logged, never shown in a problem.
 */
@ConfigMapping(prefix = "sluice.notifications")
public interface NotificationsConfig extends SettingsCheck {
  /** False: no notification is sent, not even to a Canary's own receivers. */
  @WithDefault("true")
  boolean enabled();

  /** A Slack incoming webhook for every Canary. */
  Receiver slack();

  /** A Microsoft Teams incoming (or Workflows) webhook for every Canary. */
  Receiver teams();

  /** A receiver of CloudEvents for every Canary. */
  CloudEventsReceiver cloudevents();

  /**
   * What the daemon-wide receivers get, and a Canary's receivers that list no kinds: labels of
   * {@link Kind}. {@code step} is left out by default (one message per step).
   */
  @WithDefault("started,paused,resumed,rolledback,promoted,failed")
  List<String> kinds();

  /** Each receiver's rate limit. */
  RateLimit rateLimit();

  /** Deliveries under way at most (queued, in flight, or waiting to retry); more are dropped. */
  @WithDefault("1000")
  int queueCapacity();

  /** Threads that prepare deliveries (read a Canary's Secret, start the request, retry). */
  @WithDefault("2")
  int threads();

  /** Per request: until the receiver answers; ms. */
  @WithDefault("5000")
  long timeoutMs();

  /** Per request: opening the connection; ms. */
  @WithDefault("2000")
  long connectTimeoutMs();

  /** Retries of a 5xx, a 429, a timeout or a transport failure (never of another 4xx). */
  Retry retry();

  /** A daemon-wide webhook. */
  interface Receiver {
    /** Its URL (from a Secret); unset: none. */
    Optional<String> url();
  }

  /** The daemon-wide CloudEvents receiver. */
  interface CloudEventsReceiver extends Receiver {
    /** The events' {@code source} attribute (a URI reference), e.g. the cluster's name. */
    @WithDefault("/sluice")
    String source();
  }

  /** A token bucket per receiver. */
  interface RateLimit {
    /** Notifications a receiver gets per minute, on average. */
    @WithDefault("30")
    int perMinute();

    /** Notifications a receiver may get at once, above the average. */
    @WithDefault("10")
    int burst();
  }

  /** Exponential backoff. */
  interface Retry {
    /** Retries after the first attempt (0: none). */
    @WithDefault("3")
    int maxRetries();

    /** The first retry's delay, doubled at each retry; ms. */
    @WithDefault("1000")
    long delayMs();

    /** The longest delay; ms. */
    @WithDefault("30000")
    long maxDelayMs();
  }

  @Override
  default void check(Problems problems) {
    NotificationsSettingsCheck.check(this, problems);
  }
}
