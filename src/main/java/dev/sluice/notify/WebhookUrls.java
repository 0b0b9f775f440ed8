package dev.sluice.notify;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * The rule every webhook URL follows, for the settings and for a URL read from a Canary's Secret:
 * an absolute {@code http://} or {@code https://} URL naming a host. A webhook URL is a credential
 * (Slack's and Teams' carry their secret in the path): no message here ever repeats it.
 */
public final class WebhookUrls {
  private WebhookUrls() {}

  /** What is wrong with {@code text} as a webhook URL (never quoting it), or empty. */
  public static Optional<String> problem(String text) {
    if (text == null || text.isBlank()) {
      return Optional.of("is empty");
    }
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      return Optional.of("is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("must be an absolute http:// or https:// URL");
    }
    if (uri.getHost() == null) {
      return Optional.of("must name a host (https://host/...)");
    }
    return Optional.empty();
  }

  /** {@code text} as a URI; call only when {@link #problem} found none. */
  public static URI parse(String text) {
    return URI.create(text.trim());
  }

  /** The URL as it may be shown: its scheme only ({@code https://***}). */
  public static String hidden(String text) {
    if (text == null) {
      return "";
    }
    int colon = text.indexOf("://");
    return colon > 0 && colon < 10 ? text.substring(0, colon) + "://***" : "***";
  }
}
