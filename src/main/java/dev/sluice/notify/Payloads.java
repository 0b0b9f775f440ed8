package dev.sluice.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of a notification in each receiver's format, as JSON text: pure functions of the {@link
 * Notification}, no I/O. docs/notifications.md shows an example of each.
 */
public final class Payloads {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The Content-Type of a CloudEvent in structured mode. */
  public static final String CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json";

  /** The CloudEvents {@code type} of every kind is this, then the kind's label. */
  public static final String CLOUDEVENTS_TYPE_PREFIX = "dev.sluice.release.";

  /** Slack's limits: a header's text, a section's text. */
  static final int SLACK_HEADER_MAX = 150;

  static final int SLACK_SECTION_MAX = 3000;

  private Payloads() {}

  /** The body for {@code type}; {@code source} is the CloudEvents source (unused otherwise). */
  public static String body(SinkType type, Notification n, String source) {
    return switch (type) {
      case SLACK -> slack(n);
      case TEAMS -> teams(n);
      case CLOUDEVENTS -> cloudEvent(n, source);
    };
  }

  /** The Content-Type of {@link #body}'s text. */
  public static String contentType(SinkType type) {
    return type == SinkType.CLOUDEVENTS
        ? CLOUDEVENTS_CONTENT_TYPE + "; charset=utf-8"
        : "application/json; charset=utf-8";
  }

  /** "Rolled back", "Release started", ...: what happened, in a few words. */
  public static String headline(Kind kind) {
    return switch (kind) {
      case STARTED -> "Release started";
      case PAUSED -> "Release paused";
      case RESUMED -> "Release resumed";
      case STEP -> "Step advanced";
      case ROLLED_BACK -> "Rolled back";
      case PROMOTED -> "Promoted";
      case FAILED -> "Rollback failed";
    };
  }

  /** "Rolled back: shop/helloworld v2": the headline with the Canary and the version. */
  static String title(Notification n) {
    return headline(n.kind())
        + ": "
        + n.canary()
        + (n.canaryVersion() == null ? "" : " " + n.canaryVersion());
  }

  /** The facts every format shows, name and value, in order. */
  static List<String[]> facts(Notification n) {
    List<String[]> facts = new ArrayList<>();
    facts.add(new String[] {"Canary", n.canary()});
    facts.add(new String[] {"Stable", String.valueOf(n.stableVersion())});
    facts.add(new String[] {"Canary version", String.valueOf(n.canaryVersion())});
    facts.add(new String[] {"Weight", n.weight() + "%"});
    facts.add(new String[] {"Phase", String.valueOf(n.phase())});
    if (n.alert() != null) {
      facts.add(new String[] {"Alert", n.alert()});
    }
    return facts;
  }

  // ---- Slack ------------------------------------------------------------------------------

  /**
   * A Slack incoming webhook's message: {@code text} (the fallback shown in notifications) and
   * Block Kit {@code blocks}: a header, the event's message, the facts, one section per failing
   * check with its value and its query, and a context line with the transition's time.
   */
  public static String slack(Notification n) {
    ObjectNode root = JSON.createObjectNode();
    root.put("text", slackEscape(title(n) + ": " + n.message()));
    ArrayNode blocks = root.putArray("blocks");
    ObjectNode header = blocks.addObject().put("type", "header");
    header
        .putObject("text")
        .put("type", "plain_text")
        .put("text", truncate(title(n), SLACK_HEADER_MAX));
    mrkdwnSection(blocks, slackEscape(n.message()));
    ObjectNode facts = blocks.addObject().put("type", "section");
    ArrayNode fields = facts.putArray("fields");
    for (String[] f : facts(n)) {
      fields
          .addObject()
          .put("type", "mrkdwn")
          .put("text", truncate("*" + f[0] + "*\n" + slackEscape(f[1]), 2000));
    }
    for (Notification.FailedCheck c : n.checks()) {
      mrkdwnSection(
          blocks,
          "*Check* `"
              + slackEscape(c.check())
              + "` = `"
              + slackEscape(String.valueOf(c.value()))
              + "`"
              + (c.message() == null ? "" : ": " + slackEscape(c.message()))
              + (c.query() == null ? "" : "\n```" + slackEscape(c.query()) + "```"));
    }
    ObjectNode context = blocks.addObject().put("type", "context");
    context
        .putArray("elements")
        .addObject()
        .put("type", "mrkdwn")
        .put("text", "Sluice · " + n.at());
    return write(root);
  }

  private static void mrkdwnSection(ArrayNode blocks, String text) {
    blocks
        .addObject()
        .put("type", "section")
        .putObject("text")
        .put("type", "mrkdwn")
        .put("text", truncate(text, SLACK_SECTION_MAX));
  }

  /** Slack's control characters in text: {@code &}, {@code <} and {@code >}. */
  static String slackEscape(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  // ---- Microsoft Teams --------------------------------------------------------------------

  /**
   * A Teams message carrying one Adaptive Card (version 1.4), which both the Workflows webhooks and
   * the older incoming-webhook connectors accept: the title (red for a rollback or failure, green
   * for a promotion), the event's message, a fact set, and each failing check with its query in a
   * monospace block.
   */
  public static String teams(Notification n) {
    ObjectNode root = JSON.createObjectNode();
    root.put("type", "message");
    root.put("summary", title(n));
    ObjectNode attachment = root.putArray("attachments").addObject();
    attachment.put("contentType", "application/vnd.microsoft.card.adaptive");
    attachment.putNull("contentUrl");
    ObjectNode card = attachment.putObject("content");
    card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
    card.put("type", "AdaptiveCard");
    card.put("version", "1.4");
    ArrayNode body = card.putArray("body");
    body.addObject()
        .put("type", "TextBlock")
        .put("size", "Medium")
        .put("weight", "Bolder")
        .put("color", color(n.kind()))
        .put("wrap", true)
        .put("text", title(n));
    body.addObject().put("type", "TextBlock").put("wrap", true).put("text", n.message());
    ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
    for (String[] f : facts(n)) {
      facts.addObject().put("title", f[0]).put("value", f[1]);
    }
    for (Notification.FailedCheck c : n.checks()) {
      body.addObject()
          .put("type", "TextBlock")
          .put("wrap", true)
          .put("weight", "Bolder")
          .put(
              "text",
              "Check "
                  + c.check()
                  + " = "
                  + c.value()
                  + (c.message() == null ? "" : ": " + c.message()));
      if (c.query() != null) {
        body.addObject()
            .put("type", "TextBlock")
            .put("wrap", true)
            .put("fontType", "Monospace")
            .put("text", c.query());
      }
    }
    body.addObject()
        .put("type", "TextBlock")
        .put("isSubtle", true)
        .put("size", "Small")
        .put("wrap", true)
        .put("text", "Sluice · " + n.at());
    card.putObject("msteams").put("width", "Full");
    return write(root);
  }

  private static String color(Kind kind) {
    return switch (kind) {
      case ROLLED_BACK, FAILED -> "Attention";
      case PROMOTED -> "Good";
      case PAUSED -> "Warning";
      default -> "Default";
    };
  }

  // ---- CloudEvents ------------------------------------------------------------------------

  /**
   * A CloudEvents 1.0 event in structured JSON mode: {@code specversion} 1.0, {@code id} the
   * notification's, {@code source} as configured, {@code type} {@code dev.sluice.release.<kind>},
   * {@code time} the transition's (RFC 3339), {@code subject} {@code namespace/name}, {@code
   * datacontenttype} {@code application/json}, and {@code data} every field of the notification.
   */
  public static String cloudEvent(Notification n, String source) {
    ObjectNode root = JSON.createObjectNode();
    root.put("specversion", "1.0");
    root.put("id", n.id());
    root.put("source", source);
    root.put("type", CLOUDEVENTS_TYPE_PREFIX + n.kind().label());
    root.put("time", n.at().toString());
    root.put("subject", n.canary());
    root.put("datacontenttype", "application/json");
    ObjectNode data = root.putObject("data");
    data.put("kind", n.kind().label());
    data.put("namespace", n.namespace());
    data.put("name", n.name());
    data.put("phase", n.phase());
    data.put("stableVersion", n.stableVersion());
    data.put("canaryVersion", n.canaryVersion());
    data.put("weight", n.weight());
    data.put("step", n.step());
    data.put("message", n.message());
    if (n.reason() != null) {
      data.put("reason", n.reason());
    }
    if (n.alert() != null) {
      data.put("alert", n.alert());
    }
    if (!n.checks().isEmpty()) {
      ArrayNode checks = data.putArray("checks");
      for (Notification.FailedCheck c : n.checks()) {
        checks
            .addObject()
            .put("check", c.check())
            .put("query", c.query())
            .put("value", c.value())
            .put("message", c.message());
      }
    }
    return write(root);
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  private static String write(ObjectNode root) {
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
