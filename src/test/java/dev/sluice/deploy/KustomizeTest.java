package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the manifest tests find kubectl, and what they say when there is none. */
class KustomizeTest {
  @TempDir Path dir;

  @Test
  void withoutKubectlTheTestsFailSayingWhatInstallsIt() {
    assertThatThrownBy(() -> Kustomize.kubectl(null, dir.toString()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("kubectl not found on PATH")
        .hasMessageContaining("scripts/test")
        .hasMessageContaining("kubernetes-client");
    assertThatThrownBy(() -> Kustomize.kubectl("", null))
        .hasMessageContaining("kubectl not found on PATH");
  }

  @Test
  void theFirstKubectlOnPathOrTheOneNamedIsUsed() throws IOException {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Path bin = Files.createDirectory(dir.resolve("bin"));
    Path kubectl = Files.createFile(bin.resolve("kubectl"));
    Files.setPosixFilePermissions(kubectl, PosixFilePermissions.fromString("rwxr-xr-x"));
    String path = empty + java.io.File.pathSeparator + bin;

    assertThat(Kustomize.kubectl(null, path)).isEqualTo(kubectl);
    assertThat(Kustomize.kubectl(kubectl.toString(), empty.toString())).isEqualTo(kubectl);
    assertThatThrownBy(() -> Kustomize.kubectl(empty.resolve("kubectl").toString(), path))
        .hasMessageContaining("is not executable");
  }

  @Test
  void objectsSkipsEmptyDocuments() {
    assertThat(Kustomize.objects("---\nkind: A\n---\n---\nkind: B\n"))
        .extracting(o -> o.path("kind").asText())
        .containsExactly("A", "B");
  }
}
