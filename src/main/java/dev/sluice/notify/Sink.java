package dev.sluice.notify;

import java.net.URI;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One receiver: its format, the kinds it wants, where its URL comes from, and who hears of a
 * notification it did not receive.
 *
 * @param type the receiver's format
 * @param origin where the sink was configured, for logs and events (never its URL): {@code daemon}
 *     or {@code spec.notifications[0]}
 * @param kinds the kinds it receives
 * @param target where to post; resolved on a delivery thread, never on the caller's
 * @param key the sink's rate limit: sinks with the same key share one token bucket
 * @param onFailure told (with a message that never holds the URL) when a notification could not be
 *     delivered to this sink
 */
public record Sink(
    SinkType type,
    String origin,
    Set<Kind> kinds,
    Target target,
    String key,
    Consumer<String> onFailure) {

  public Sink {
    Objects.requireNonNull(type);
    Objects.requireNonNull(target);
    kinds = kinds.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(kinds));
    onFailure = onFailure == null ? m -> {} : onFailure;
  }

  /** Where a sink posts: a fixed URL, or one read (from a Secret) when a delivery starts. */
  @FunctionalInterface
  public interface Target {
    /** The URL to post to; throws when it cannot be had (a missing Secret, a bad URL). */
    URI resolve() throws Unavailable;

    static Target fixed(URI uri) {
      return () -> uri;
    }
  }

  /** A sink's URL cannot be had; the message says why and never holds the URL itself. */
  public static final class Unavailable extends Exception {
    public Unavailable(String message) {
      super(message);
    }
  }

  /** "slack (daemon)": the sink as logs and events name it. */
  public String describe() {
    return type.label() + " (" + origin + ")";
  }
}
