package dev.sluice.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.testing.LoopbackHttp;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * One helloworld pod: a real HTTP server on a free loopback port that answers {@code Hello version:
 * v1, instance: helloworld-v1-0}, slowed down and failing as its version's {@link Behaviour} says
 * at the moment of each request.
 */
final class Backend {
  static final String VERSION_HEADER = "x-sandbox-version";
  static final String POD_HEADER = "x-sandbox-pod";

  private final String pod;
  private final String version;
  private final Supplier<Behaviour> behaviour;
  private final HttpServer server;

  Backend(String pod, String version, Supplier<Behaviour> behaviour, Executor executor)
      throws IOException {
    this.pod = pod;
    this.version = version;
    this.behaviour = behaviour;
    this.server = LoopbackHttp.serve(64, "/", this::handle, executor);
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      Behaviour b = behaviour.get();
      ThreadLocalRandom random = ThreadLocalRandom.current();
      // the typical latency, +-40%
      long sleep = Math.round(b.latencyMs() * (0.6 + 0.8 * random.nextDouble()));
      if (sleep > 0) {
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      boolean fail = random.nextDouble() < b.errorRatio();
      String body =
          fail
              ? "injected error: version " + version + ", instance: " + pod + "\n"
              : "Hello version: " + version + ", instance: " + pod + "\n";
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.getResponseHeaders().set(VERSION_HEADER, version);
      exchange.getResponseHeaders().set(POD_HEADER, pod);
      if (fail) {
        exchange.getResponseHeaders().set(Behaviour.INJECTED_HEADER, "true");
      }
      exchange.sendResponseHeaders(fail ? 500 : 200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /**
   * Stops accepting connections and lets requests in progress finish, waiting at most {@code
   * graceSeconds} (SIGTERM handling of a well-behaved server).
   */
  void stop(int graceSeconds) {
    server.stop(graceSeconds);
  }

  String pod() {
    return pod;
  }
}
