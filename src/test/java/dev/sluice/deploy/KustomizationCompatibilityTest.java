package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kustomizations stay within what the kustomize v2.0.3 of kubectl 1.20 (Debian's
 * kubernetes-client) reads, whichever kubectl renders them in this build: it refuses a directory
 * under {@code resources} ("must be a file") and any field it does not know ({@code labels}, {@code
 * replacements}, {@code components}, ...: "json: unknown field"). The tests in {@link
 * DeployManifestsTest} render with the kubectl on PATH; run them with {@code
 * -Dsluice.kubectl=<kubectl 1.20>} to render with the old kustomize itself.
 */
class KustomizationCompatibilityTest {
  /** Fields of a v2.0.3 Kustomization that these files may use. */
  private static final Set<String> KUSTOMIZE_V2_FIELDS =
      Set.of(
          "apiVersion",
          "kind",
          "resources",
          "bases",
          "images",
          "namespace",
          "namePrefix",
          "nameSuffix",
          "commonLabels",
          "commonAnnotations",
          "patchesStrategicMerge",
          "patchesJson6902",
          "configMapGenerator",
          "secretGenerator",
          "generatorOptions");

  @ParameterizedTest
  @ValueSource(strings = {"deploy", "deploy/examples/helloworld"})
  void resourcesAreFilesAndEveryFieldIsKnownToKustomizeV2(String dir) throws IOException {
    Path root = Path.of(dir);
    JsonNode k =
        new ObjectMapper(new YAMLFactory()).readTree(root.resolve("kustomization.yaml").toFile());
    k.fieldNames()
        .forEachRemaining(
            f ->
                assertThat(KUSTOMIZE_V2_FIELDS)
                    .as("field %s of %s/kustomization.yaml", f, dir)
                    .contains(f));
    assertThat(k.path("resources")).isNotEmpty();
    for (JsonNode r : k.path("resources")) {
      Path p = root.resolve(r.asText()).normalize();
      assertThat(p).as("resource %s of %s", r.asText(), dir).isRegularFile();
      assertThat(p.startsWith(root.normalize()))
          .as("%s inside %s (kustomize refuses files outside its root)", p, dir)
          .isTrue();
    }
  }
}
