package dev.sluice.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each format's body, as pure functions of the notification: no I/O. */
class PayloadsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant AT = Instant.parse("2026-12-06T02:40:01.250Z");
  private static final String QUERY =
      "sum(rate(istio_requests_total{destination_version=\"v2\",response_code=~\"5.*\"}[1m]))"
          + " / sum(rate(istio_requests_total{destination_version=\"v2\"}[1m]))";

  static Notification rolledBack() {
    return new Notification(
        "0b6f9c3e-1111-2222-3333-444455556666",
        Kind.ROLLED_BACK,
        AT,
        "shop",
        "helloworld",
        "RolledBack",
        "v1",
        "v2",
        0,
        0,
        "route back to 100% v1; check error-rate/error-ratio failed: value 0.4 is above max 0.05",
        "check error-rate/error-ratio failed: value 0.4 is above max 0.05",
        null,
        List.of(
            new Notification.FailedCheck(
                "error-rate/error-ratio", QUERY, "0.4", "value 0.4 is above max 0.05")));
  }

  static Notification of(Kind kind) {
    return new Notification(
        "id-" + kind.label(),
        kind,
        AT,
        "shop",
        "helloworld",
        "Progressing",
        "v1",
        "v2",
        20,
        2,
        "a message about " + kind.label(),
        null,
        null,
        List.of());
  }

  private static JsonNode parse(String json) throws Exception {
    return JSON.readTree(json);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void everyKindIsACloudEventWithEveryRequiredAttribute(Kind kind) throws Exception {
    JsonNode e = parse(Payloads.cloudEvent(of(kind), "/clusters/eu-1"));
    assertThat(e.get("specversion").asText()).isEqualTo("1.0");
    assertThat(e.get("id").asText()).isEqualTo("id-" + kind.label());
    assertThat(e.get("source").asText()).isEqualTo("/clusters/eu-1");
    assertThat(e.get("type").asText()).isEqualTo("dev.sluice.release." + kind.label());
    assertThat(e.get("time").asText()).isEqualTo("2026-12-06T02:40:01.250Z");
    assertThat(e.get("subject").asText()).isEqualTo("shop/helloworld");
    assertThat(e.get("datacontenttype").asText()).isEqualTo("application/json");
    JsonNode data = e.get("data");
    assertThat(data.get("kind").asText()).isEqualTo(kind.label());
    assertThat(data.get("canaryVersion").asText()).isEqualTo("v2");
    assertThat(data.get("stableVersion").asText()).isEqualTo("v1");
    assertThat(data.get("weight").asInt()).isEqualTo(20);
    assertThat(data.get("step").asInt()).isEqualTo(2);
    assertThat(data.get("message").asText()).isEqualTo("a message about " + kind.label());
    assertThat(data.has("checks")).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void everyKindIsASlackMessageWithAHeaderAndTheFacts(Kind kind) throws Exception {
    JsonNode m = parse(Payloads.slack(of(kind)));
    assertThat(m.get("text").asText())
        .startsWith(Payloads.headline(kind) + ": shop/helloworld v2: ")
        .endsWith("a message about " + kind.label());
    JsonNode blocks = m.get("blocks");
    assertThat(blocks.get(0).get("type").asText()).isEqualTo("header");
    assertThat(blocks.get(0).get("text").get("type").asText()).isEqualTo("plain_text");
    assertThat(blocks.get(0).get("text").get("text").asText())
        .isEqualTo(Payloads.headline(kind) + ": shop/helloworld v2");
    assertThat(texts(blocks)).contains("*Weight*\n20%", "*Stable*\nv1", "*Phase*\nProgressing");
    assertThat(blocks.get(blocks.size() - 1).get("type").asText()).isEqualTo("context");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void everyKindIsATeamsAdaptiveCard(Kind kind) throws Exception {
    JsonNode m = parse(Payloads.teams(of(kind)));
    assertThat(m.get("type").asText()).isEqualTo("message");
    JsonNode attachment = m.get("attachments").get(0);
    assertThat(attachment.get("contentType").asText())
        .isEqualTo("application/vnd.microsoft.card.adaptive");
    JsonNode card = attachment.get("content");
    assertThat(card.get("type").asText()).isEqualTo("AdaptiveCard");
    assertThat(card.get("version").asText()).isEqualTo("1.4");
    assertThat(card.get("body").get(0).get("text").asText())
        .isEqualTo(Payloads.headline(kind) + ": shop/helloworld v2");
    assertThat(texts(card.get("body"))).contains("a message about " + kind.label());
    JsonNode facts = card.get("body").get(2).get("facts");
    assertThat(facts.get(0).get("title").asText()).isEqualTo("Canary");
    assertThat(facts.get(0).get("value").asText()).isEqualTo("shop/helloworld");
  }

  @Test
  void aRollbackOnACheckNamesTheCheckItsQueryAndItsValueInEveryFormat() throws Exception {
    Notification n = rolledBack();

    JsonNode data = parse(Payloads.cloudEvent(n, "/sluice")).get("data");
    assertThat(data.get("reason").asText()).contains("error-rate/error-ratio");
    JsonNode check = data.get("checks").get(0);
    assertThat(check.get("check").asText()).isEqualTo("error-rate/error-ratio");
    assertThat(check.get("query").asText()).isEqualTo(QUERY);
    assertThat(check.get("value").asText()).isEqualTo("0.4");
    assertThat(check.get("message").asText()).isEqualTo("value 0.4 is above max 0.05");

    String slack = String.join("\n", texts(parse(Payloads.slack(n)).get("blocks")));
    assertThat(slack)
        .contains("*Check* `error-rate/error-ratio` = `0.4`: value 0.4 is above max 0.05")
        // the query as written, but with Slack's control characters escaped
        .contains("```" + QUERY.replace(">", "&gt;").replace("<", "&lt;") + "```");

    List<String> teams =
        texts(parse(Payloads.teams(n)).get("attachments").get(0).get("content").get("body"));
    assertThat(teams)
        .contains("Check error-rate/error-ratio = 0.4: value 0.4 is above max 0.05", QUERY);
    JsonNode title =
        parse(Payloads.teams(n)).get("attachments").get(0).get("content").get("body").get(0);
    assertThat(title.get("color").asText()).isEqualTo("Attention");
  }

  @Test
  void aRollbackOnAnAlertNamesTheAlert() throws Exception {
    Notification n =
        new Notification(
            "id",
            Kind.ROLLED_BACK,
            AT,
            "shop",
            "helloworld",
            "RolledBack",
            "v1",
            "v2",
            0,
            0,
            "route back to 100% v1; alert HighErrorRate is firing",
            "alert HighErrorRate is firing",
            "HighErrorRate",
            List.of());
    assertThat(parse(Payloads.cloudEvent(n, "/sluice")).get("data").get("alert").asText())
        .isEqualTo("HighErrorRate");
    assertThat(texts(parse(Payloads.slack(n)).get("blocks"))).contains("*Alert*\nHighErrorRate");
    assertThat(Payloads.teams(n)).contains("\"title\":\"Alert\",\"value\":\"HighErrorRate\"");
  }

  @Test
  void slackControlCharactersAreEscapedAndJsonIsWellFormed() throws Exception {
    Notification n =
        new Notification(
            "id",
            Kind.STARTED,
            AT,
            "shop",
            "hello",
            "Initializing",
            "v1",
            "v2",
            0,
            0,
            "releasing <!channel> & \"quotes\"\n and a newline",
            null,
            null,
            List.of());
    JsonNode m = parse(Payloads.slack(n));
    assertThat(m.get("text").asText())
        .contains("&lt;!channel&gt; &amp; \"quotes\"")
        .doesNotContain("<!channel>");
    // the other formats carry the text as it is, JSON-escaped
    assertThat(parse(Payloads.cloudEvent(n, "/s")).get("data").get("message").asText())
        .isEqualTo(n.message());
    assertThat(texts(parse(Payloads.teams(n)).get("attachments").get(0).get("content").get("body")))
        .contains(n.message());
  }

  @Test
  void aVeryLongMessageIsCutToSlacksLimits() throws Exception {
    Notification n = of(Kind.PROMOTED);
    Notification longer =
        new Notification(
            n.id(),
            n.kind(),
            n.at(),
            n.namespace(),
            "x".repeat(200),
            n.phase(),
            n.stableVersion(),
            n.canaryVersion(),
            n.weight(),
            n.step(),
            "y".repeat(5000),
            null,
            null,
            List.of());
    JsonNode blocks = parse(Payloads.slack(longer)).get("blocks");
    assertThat(blocks.get(0).get("text").get("text").asText().length())
        .isEqualTo(Payloads.SLACK_HEADER_MAX);
    assertThat(blocks.get(1).get("text").get("text").asText().length())
        .isEqualTo(Payloads.SLACK_SECTION_MAX);
  }

  @Test
  void contentTypes() {
    assertThat(Payloads.contentType(SinkType.CLOUDEVENTS))
        .startsWith("application/cloudevents+json");
    assertThat(Payloads.contentType(SinkType.SLACK)).startsWith("application/json");
    assertThat(Payloads.contentType(SinkType.TEAMS)).startsWith("application/json");
  }

  @Test
  void kindsAndTypesParseAsWrittenAndStepIsOffByDefault() {
    assertThat(Kind.parse(" RolledBack ")).contains(Kind.ROLLED_BACK);
    assertThat(Kind.parse("rolled_back")).isEmpty();
    assertThat(Kind.defaults()).doesNotContain(Kind.STEP).hasSize(Kind.values().length - 1);
    assertThat(SinkType.parse("Teams")).contains(SinkType.TEAMS);
    assertThat(SinkType.parse("discord")).isEmpty();
  }

  /** Every "text" value anywhere under {@code node}, in order. */
  static List<String> texts(JsonNode node) {
    List<String> out = new ArrayList<>();
    collect(node, out);
    return out;
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> {
                if (e.getKey().equals("text") && e.getValue().isTextual()) {
                  out.add(e.getValue().asText());
                } else {
                  collect(e.getValue(), out);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, out));
    }
  }
}
