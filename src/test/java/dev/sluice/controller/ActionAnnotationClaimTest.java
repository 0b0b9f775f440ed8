package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Canary;
import dev.sluice.rollout.Command;
import dev.sluice.testing.MockCluster;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Claiming {@code sluice.dev/action}: once, conditionally, and who asked. */
@EnableKubernetesMockClient(crud = true, https = false)
class ActionAnnotationClaimTest {
  KubernetesClient client;

  @BeforeEach
  void crds() {
    MockCluster.register(client);
  }

  private Canary create(Map<String, String> annotations) {
    Canary c = new Canary();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withName("helloworld")
            .withNamespace("default")
            .withAnnotations(new HashMap<>(annotations))
            .addToAnnotations("keep.example.com/me", "yes")
            .build());
    c.setSpec(new dev.sluice.model.CanarySpec());
    c.getSpec().app = "helloworld";
    return client.resources(Canary.class).inNamespace("default").resource(c).create();
  }

  @Test
  void aClaimRemovesTheAnnotationsOnceAndAStaleCopyClaimsNothing() {
    Canary read =
        create(Map.of(ActionAnnotation.ACTION, "pause", ActionAnnotation.ACTION_BY, "bob"));

    ActionAnnotation.Claim first = ActionAnnotation.claim(client, read);

    assertThat(first.value()).isEqualTo("pause");
    assertThat(first.command()).contains(Command.PAUSE);
    assertThat(first.by()).isEqualTo("bob via annotation");
    Canary stored =
        client.resources(Canary.class).inNamespace("default").withName("helloworld").get();
    assertThat(stored.getMetadata().getAnnotations())
        .containsOnlyKeys("keep.example.com/me")
        .isEqualTo(first.canary().getMetadata().getAnnotations());
    assertThat(first.canary().getMetadata().getResourceVersion())
        .isEqualTo(stored.getMetadata().getResourceVersion())
        .isNotEqualTo(read.getMetadata().getResourceVersion());

    // A cache that has not seen the removal yet still shows the annotation: the conditional
    // update conflicts, the Canary is read again, and there is nothing left to claim.
    ActionAnnotation.Claim stale = ActionAnnotation.claim(client, read);

    assertThat(stale.value()).isNull();
    assertThat(stale.canary().getMetadata().getResourceVersion())
        .isEqualTo(stored.getMetadata().getResourceVersion());
  }

  @Test
  void aNewerActionSeenOnlyAfterAConflictIsTheOneClaimed() {
    Canary read = create(Map.of(ActionAnnotation.ACTION, "pause"));
    Canary changed = client.getKubernetesSerialization().clone(read);
    changed.getMetadata().getAnnotations().put(ActionAnnotation.ACTION, "abort");
    client.resources(Canary.class).inNamespace("default").resource(changed).update();

    ActionAnnotation.Claim claim = ActionAnnotation.claim(client, read);

    assertThat(claim.command()).contains(Command.ABORT);
    assertThat(
            client
                .resources(Canary.class)
                .inNamespace("default")
                .withName("helloworld")
                .get()
                .getMetadata()
                .getAnnotations())
        .doesNotContainKey(ActionAnnotation.ACTION);
  }

  @Test
  void aGoneCanaryClaimsNothing() {
    Canary read = create(Map.of(ActionAnnotation.ACTION, "pause"));
    client.resources(Canary.class).inNamespace("default").withName("helloworld").delete();

    assertThat(ActionAnnotation.claim(client, read)).isNull();
  }

  @Test
  void whoAskedIsTheActionByAnnotationElseTheFieldManagerOfTheAnnotation() {
    Canary c = new Canary();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withName("x")
            .addToAnnotations(ActionAnnotation.ACTION, "pause")
            .build());
    assertThat(ActionAnnotation.by(c)).isEqualTo("annotation");

    FieldsV1 annotationFields = new FieldsV1();
    annotationFields.setAdditionalProperty(
        "f:metadata", Map.of("f:annotations", Map.of("f:sluice.dev/action", Map.of())));
    FieldsV1 specFields = new FieldsV1();
    specFields.setAdditionalProperty("f:spec", Map.of("f:app", Map.of()));
    c.getMetadata()
        .setManagedFields(
            java.util.List.of(
                new ManagedFieldsEntryBuilder()
                    .withManager("argocd-controller")
                    .withFieldsV1(specFields)
                    .build(),
                new ManagedFieldsEntryBuilder()
                    .withManager("kubectl-annotate")
                    .withFieldsV1(annotationFields)
                    .build()));
    assertThat(ActionAnnotation.by(c)).isEqualTo("kubectl-annotate via annotation");

    c.getMetadata().getAnnotations().put(ActionAnnotation.ACTION_BY, "alice@example.com");
    assertThat(ActionAnnotation.by(c)).isEqualTo("alice@example.com via annotation");

    // something that is not a plain name is not believed
    c.getMetadata().getAnnotations().put(ActionAnnotation.ACTION_BY, "mallory\nroot");
    assertThat(ActionAnnotation.by(c)).isEqualTo("kubectl-annotate via annotation");
  }

  @Test
  void actionsAreReadIgnoringCaseAndSurroundingSpace() {
    assertThat(ActionAnnotation.parse("pause")).contains(Command.PAUSE);
    assertThat(ActionAnnotation.parse(" Promote\n")).contains(Command.PROMOTE);
    assertThat(ActionAnnotation.parse("explode")).isEmpty();
    assertThat(ActionAnnotation.parse("")).isEmpty();
    assertThat(ActionAnnotation.parse(null)).isEqualTo(Optional.empty());
    assertThat(ActionAnnotation.valid()).isEqualTo("pause, resume, promote, abort, retry");
  }
}
