package dev.sluice.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * A real server of the Prometheus project ({@link PrometheusServer}, {@link AlertmanagerServer})
 * started by hand: a temporary data directory for its configuration and storage, the binary's
 * version, a free loopback port, readiness at {@code /-/ready}; stopped, and the directory deleted,
 * at the end.
 */
abstract class ServerProcess implements AutoCloseable {
  /** Where the configuration is written and the server keeps its data. */
  protected final Path dataDir;

  private final String version;
  private Process process;
  private URI url;

  /** Makes the data directory ({@code sluice-sandbox-<name>-...}) and reads the version. */
  protected ServerProcess(Path binary, String name) {
    try {
      dataDir = Files.createTempDirectory("sluice-sandbox-" + name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    version = versionOf(binary);
  }

  /**
   * Starts {@code command} (for a port) and returns once it is ready; its output goes to {@code
   * log}.
   */
  protected final void start(IntFunction<List<String>> command, Path log, String what) {
    try {
      Processes.Started started = Processes.startOnFreePort(command, log, what);
      process = started.process();
      url = started.url();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code text} to a new file {@code name} of the data directory (with {@code attributes}).
   */
  protected final Path write(String name, String text, FileAttribute<?>... attributes) {
    Path file = dataDir.resolve(name);
    try {
      Files.createFile(file, attributes);
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  public URI url() {
    return url;
  }

  public String version() {
    return version;
  }

  /**
   * The binary named by the system property {@code property}, at {@code usual}, or one of {@code
   * names} on PATH; or null.
   */
  static Path find(String property, Path usual, List<String> names) {
    String given = System.getProperty(property);
    if (given != null) {
      return Files.isExecutable(Path.of(given)) ? Path.of(given) : null;
    }
    if (Files.isExecutable(usual)) {
      return usual;
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String name : names) {
        for (String dir : path.split(File.pathSeparator)) {
          Path candidate = Path.of(dir, name);
          if (Files.isExecutable(candidate)) {
            return candidate;
          }
        }
      }
    }
    return null;
  }

  /** The first line of {@code binary --version}. */
  public static String versionOf(Path binary) {
    try {
      Process p =
          new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor();
      return out.lines().findFirst().orElse("").trim();
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  @Override
  public void close() {
    Processes.stop(process, Duration.ofSeconds(10));
    try (Stream<Path> files = Files.walk(dataDir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // a temporary directory left behind is harmless (a token file in it is its owner's only)
    }
  }
}
