package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.Canary;
import dev.sluice.rollout.Hook;
import dev.sluice.testing.CrdSchemas;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Canary's webhooks as users write them in YAML: what the state machine and the caller get, and
 * every refusal with its reason (the daemon's own check and, where the schema can tell, the CRD's).
 */
class SpecWebhooksTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static ObjectNode canary(String yaml) throws Exception {
    ObjectNode canary =
        (ObjectNode) YAML.readTree(new File("deploy/examples/helloworld/canary.yaml"));
    ((ObjectNode) canary.get("spec")).setAll((ObjectNode) YAML.readTree(yaml));
    return canary;
  }

  private static SpecReader.Result read(String yaml) throws Exception {
    return SpecReader.read(SERIALIZATION.convertValue(canary(yaml), Canary.class));
  }

  private static List<String> schemaErrors(String yaml) throws Exception {
    JsonNode crd = YAML.readTree(new File("deploy/crds/canaries.sluice.dev-v1.yml"));
    return CrdSchemas.errors(crd, canary(yaml));
  }

  private static final String ALL_SIX =
      """
      webhooks:
        - name: approval
          type: confirm-rollout
          url: http://approvals.tools.svc:8080/gate/helloworld
        - name: smoke-tests
          type: pre-rollout
          url: https://tests.tools.svc/run
          timeout: 2m
          metadata: {suite: smoke}
        - name: load
          type: step
          url: http://loadtester.tools.svc:8080/
          secretRef: {name: loadtester-token}
          metadata: {cmd: "hey -z 1m http://helloworld.default:5000/hello"}
        - {name: go-live, type: confirm-promotion, url: "http://approvals.tools.svc:8080/go-live"}
        - {name: report, type: post-rollout, url: "http://reports.tools.svc/releases"}
        - {name: incidents, type: rollback, url: "http://incidents.tools.svc/open?service=helloworld"}
      """;

  @Test
  void theSixTypesAreReadInOrderWithTheirTargets() throws Exception {
    SpecReader.Result r = read(ALL_SIX);
    assertThat(r.problems()).isEmpty();
    assertThat(schemaErrors(ALL_SIX)).isEmpty();
    assertThat(r.spec().hooks())
        .extracting(Hook::type)
        .containsExactly(
            Hook.Type.CONFIRM_ROLLOUT,
            Hook.Type.PRE_ROLLOUT,
            Hook.Type.STEP,
            Hook.Type.CONFIRM_PROMOTION,
            Hook.Type.POST_ROLLOUT,
            Hook.Type.ROLLBACK);
    Canary c = SERIALIZATION.convertValue(canary(ALL_SIX), Canary.class);
    WebhookReader.Target load = WebhookReader.target(c.getSpec(), "load").orElseThrow();
    assertThat(load.url().toString()).isEqualTo("http://loadtester.tools.svc:8080/");
    assertThat(load.timeout()).isEqualTo(Duration.ofSeconds(10)); // the default
    assertThat(load.secret()).isEqualTo("loadtester-token");
    assertThat(load.metadata())
        .containsEntry("cmd", "hey -z 1m http://helloworld.default:5000/hello");
    assertThat(WebhookReader.target(c.getSpec(), "smoke-tests").orElseThrow().timeout())
        .isEqualTo(Duration.ofMinutes(2));
    assertThat(WebhookReader.target(c.getSpec(), "nope")).isEmpty();
  }

  @Test
  void aCanaryWithoutWebhooksHasNone() throws Exception {
    assertThat(read("{}").spec().hooks()).isEmpty();
  }

  @Test
  void everyBadWebhookIsRefusedWithItsReason() throws Exception {
    Map<String, String> cases =
        Map.of(
            "webhooks: [{name: a, type: rollout, url: 'http://x/'}]",
            "webhooks[0].type \"rollout\" is not one of confirm-rollout, pre-rollout, step,",
            "webhooks: [{name: a, type: step, url: 'ftp://x/'}]",
            "webhooks[0].url must be an http or https URL with a host",
            "webhooks: [{name: a, type: step, url: 'http://u:p@x/'}]",
            "webhooks[0].url must not carry credentials; use secretRef",
            "webhooks: [{name: a, type: step}]",
            "webhooks[0].url must be given",
            "webhooks: [{name: a, type: step, url: 'http://x/', timeout: 10m}]",
            "webhooks[0].timeout 10m is longer than the 5m allowed",
            "webhooks: [{name: a, type: step, url: 'http://x/', timeout: soon}]",
            "webhooks[0].timeout",
            "webhooks: [{name: A_B, type: step, url: 'http://x/'}]",
            "webhooks[0].name must be a DNS label",
            "webhooks: [{name: a, type: step, url: 'http://x/'}, {name: a, type: rollback, url: 'http://y/'}]",
            "webhooks[1].name \"a\" is used by an earlier webhook");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      assertThat(read(c.getKey()).problems())
          .as(c.getKey())
          .anySatisfy(p -> assertThat(p).startsWith(c.getValue()));
    }
  }

  @Test
  void theSchemaRefusesWhatItCanTell() throws Exception {
    assertThat(schemaErrors("webhooks: [{name: a, type: rollout, url: 'http://x/'}]")).isNotEmpty();
    assertThat(schemaErrors("webhooks: [{name: a, type: step}]")).isNotEmpty();
    assertThat(schemaErrors("webhooks: [{name: a, type: step, url: 'ftp://x/'}]")).isNotEmpty();
    assertThat(schemaErrors("webhooks: [{name: a, type: step, url: 'http://x/', timeout: soon}]"))
        .isNotEmpty();
  }
}
