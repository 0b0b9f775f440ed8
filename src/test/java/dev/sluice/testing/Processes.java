package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Helpers for the processes the tests, the sandbox and the benchmark start: free ports, readiness,
 * a polite stop.
 */
public final class Processes {
  private Processes() {}

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  /** A loopback port free right now (another process may take it before it is bound). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code url} answers 200, or the process dies, or {@code timeout} passes. */
  public static void awaitOk(Process process, URI url, Duration timeout, Path log, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            what + " exited with code " + process.exitValue() + "; its log:\n" + tail(log));
      }
      try {
        HttpResponse<Void> r =
            HTTP.send(
                HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what);
      }
      // every 50 ms: the benchmark's start-up figure is this wait, so it is 25 ms too long on
      // average
      sleep(50);
    }
    throw new IllegalStateException(
        what + " did not answer " + url + " within " + timeout + "; its log:\n" + tail(log));
  }

  /** SIGTERM, then SIGKILL after {@code grace}. */
  /** A server process and where it answers. */
  public record Started(Process process, URI url) {}

  /**
   * Starts a server on a free loopback port and waits for its {@code /-/ready} (Prometheus and
   * Alertmanager answer there). A free port can be taken between finding it and the server binding
   * it, so this tries three times.
   *
   * @param command the command line for a port
   */
  public static Started startOnFreePort(IntFunction<List<String>> command, Path log, String what)
      throws IOException {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      Process p =
          new ProcessBuilder(command.apply(port))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      URI u = URI.create("http://127.0.0.1:" + port);
      try {
        awaitOk(p, u.resolve("/-/ready"), Duration.ofSeconds(60), log, what);
        return new Started(p, u);
      } catch (IllegalStateException e) {
        stop(p, Duration.ofSeconds(5));
        last = e;
      }
    }
    throw last;
  }

  public static void stop(Process process, Duration grace) {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  public static String tail(Path log) {
    try {
      var lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
