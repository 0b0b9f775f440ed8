package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading Alertmanager's webhook payload (version 4). */
class AlertmanagerPayloadTest {

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = AlertmanagerPayloadTest.class.getResourceAsStream("/api/" + name)) {
      return in.readAllBytes();
    }
  }

  private static AlertmanagerPayload parse(String json) throws AlertmanagerPayload.Invalid {
    return AlertmanagerPayload.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aRealPayloadIsRead() throws Exception {
    AlertmanagerPayload p = AlertmanagerPayload.parse(resource("alertmanager-firing.json"));

    assertThat(p.receiver()).isEqualTo("sluice");
    assertThat(p.alerts()).hasSize(1);
    AlertmanagerPayload.Alert a = p.alerts().get(0);
    assertThat(a.firing()).isTrue();
    assertThat(a.name()).isEqualTo("HighErrorRate");
    assertThat(a.labels()).containsEntry("app", "helloworld").containsEntry("version", "v2");
    assertThat(a.annotations()).containsKey("summary");

    AlertmanagerPayload resolved =
        AlertmanagerPayload.parse(resource("alertmanager-resolved.json"));
    assertThat(resolved.alerts().get(0).firing()).isFalse();
  }

  @Test
  void unknownFieldsAndEmptyAlertListsAreFine() throws Exception {
    assertThat(parse("{\"version\":\"4\",\"alerts\":[],\"future\":{\"x\":1}}").alerts()).isEmpty();
    assertThat(
            parse(
                    "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{},"
                        + "\"annotations\":{\"n\":1}}]}")
                .alerts()
                .get(0)
                .name())
        .isEqualTo("(no alertname)");
  }

  @Test
  void everyProblemIsNamed() {
    assertInvalid("{", "malformed JSON");
    assertInvalid("{\"version\":\"4\",}", "malformed JSON");
    assertInvalid("", "empty body");
    assertInvalid("\"4\"", "not an object");
    assertInvalid("{\"alerts\":[]}", "no \"version\"");
    assertInvalid("{\"version\":4,\"alerts\":[]}", "payload version 4 is not supported");
    assertInvalid("{\"version\":\"3\",\"alerts\":[]}", "payload version \"3\" is not supported");
    assertInvalid("{\"version\":\"4\",\"alerts\":{}}", "\"alerts\" array");
    assertInvalid("{\"version\":\"4\",\"alerts\":[1]}", "alerts[0] is not an object");
    assertInvalid(
        "{\"version\":\"4\",\"alerts\":[{\"labels\":{}}]}", "alerts[0] has no \"status\"");
    assertInvalid(
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\"}]}", "alerts[0].labels is missing");
    assertInvalid(
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":[]}]}",
        "alerts[0].labels is not an object");
  }

  @Test
  void aHugeVersionIsNotEchoedWhole() {
    String v = "9".repeat(10_000);
    assertThatThrownBy(() -> parse("{\"version\":\"" + v + "\",\"alerts\":[]}"))
        .hasMessageContaining("is not supported")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
  }

  private static void assertInvalid(String json, String reason) {
    assertThatThrownBy(() -> parse(json))
        .as(json)
        .isInstanceOf(AlertmanagerPayload.Invalid.class)
        .hasMessageContaining(reason);
  }
}
