package dev.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization the way a user installs it ({@code kubectl kustomize <dir>}, what {@code
 * kubectl apply -k} applies) and splits the output into objects.
 *
 * <p>The kubectl used is the one named by the system property {@value #KUBECTL_PROPERTY}, else the
 * first {@code kubectl} on {@code PATH}. Without one the tests fail (they are not skipped): {@code
 * scripts/test} installs Debian's {@code kubernetes-client} when kubectl is missing. To check the
 * manifests with another kubectl, e.g. the old kustomize v2.0.3 built into kubectl 1.20: {@code
 * ./mvnw test -Dtest='dev.sluice.deploy.*' -Dsluice.kubectl=/path/to/kubectl}.
 */
final class Kustomize {
  static final String KUBECTL_PROPERTY = "sluice.kubectl";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Kustomize() {}

  /** The kubectl binary the tests run; fails with what to do when there is none. */
  static Path kubectl() {
    return kubectl(System.getProperty(KUBECTL_PROPERTY), System.getenv("PATH"));
  }

  /** The kubectl named by {@code configured}, else the first one on {@code path}. */
  static Path kubectl(String configured, String path) {
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      if (!Files.isExecutable(p)) {
        throw new AssertionError("-D" + KUBECTL_PROPERTY + "=" + configured + " is not executable");
      }
      return p;
    }
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          Path p = Path.of(dir, "kubectl");
          if (Files.isExecutable(p) && !Files.isDirectory(p)) {
            return p;
          }
        }
      }
    }
    throw new AssertionError(
        "kubectl not found on PATH: these tests render deploy/ with `kubectl kustomize`. Run"
            + " scripts/test, which installs it (Debian package kubernetes-client), or install"
            + " kubectl yourself, or name one with -D"
            + KUBECTL_PROPERTY
            + "=/path/to/kubectl");
  }

  /** {@code kubectl kustomize <dir>}: the rendered YAML; fails with kubectl's message. */
  static String render(Path dir) {
    Path kubectl = kubectl();
    List<String> command = List.of(kubectl.toString(), "kustomize", dir.toString());
    try {
      Process p = new ProcessBuilder(command).start();
      p.getOutputStream().close();
      CompletableFuture<byte[]> err =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      // a bound against a hung process only; no timing is asserted
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish");
      }
      String stderr = new String(err.join(), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError(
            String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n" + stderr);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The documents of a multi-document YAML text, empty documents left out. */
  static List<JsonNode> objects(String yaml) {
    List<JsonNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode() && !doc.isEmpty()) {
          objects.add(doc);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return objects;
  }

  /** One YAML file's objects. */
  static List<JsonNode> objects(Path file) {
    try {
      return objects(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** "Kind namespace/name" (or "Kind name" for a cluster-scoped object), for messages and lists. */
  static String id(JsonNode o) {
    String ns = o.path("metadata").path("namespace").asText("");
    String name = o.path("metadata").path("name").asText("");
    return o.path("kind").asText() + " " + (ns.isEmpty() ? name : ns + "/" + name);
  }
}
