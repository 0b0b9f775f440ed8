package dev.sluice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CRD YAML in {@code deploy/crds/} must be exactly what the model classes generate at build
 * time (fabric8 crd-generator-maven-plugin, into target/classes/META-INF/fabric8/). After changing
 * a model class, refresh the files with {@code ./mvnw test -Dtest=CrdYamlUpToDateTest
 * -Dsluice.crds.update=true}.
 */
class CrdYamlUpToDateTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
  private static final Path CHECKED_IN = Path.of("deploy/crds");

  @ParameterizedTest
  @ValueSource(strings = {"canaries.sluice.dev-v1.yml", "analysistemplates.sluice.dev-v1.yml"})
  void checkedInCrdMatchesTheModelClasses(String file) throws IOException {
    String generated = Files.readString(GENERATED.resolve(file));
    Path checkedIn = CHECKED_IN.resolve(file);
    if (Boolean.getBoolean("sluice.crds.update")) {
      Files.writeString(checkedIn, generated);
    }
    assertThat(checkedIn).exists();
    assertThat(Files.readString(checkedIn))
        .as(
            "%s is stale: run ./mvnw test -Dtest=CrdYamlUpToDateTest -Dsluice.crds.update=true",
            checkedIn)
        .isEqualTo(generated);
  }

  @ParameterizedTest
  @ValueSource(strings = {"canaries.sluice.dev-v1.yml"})
  void canaryCrdHasStatusSubresourceAndPrinterColumns(String file) throws IOException {
    String crd = Files.readString(CHECKED_IN.resolve(file));
    assertThat(crd).contains("subresources:\n      status: {}");
    for (String column : List.of("Stable", "Canary", "Weight", "Phase", "Age")) {
      assertThat(crd).contains("name: \"" + column + "\"");
    }
  }
}
