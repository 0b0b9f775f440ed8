package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.testing.Processes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The loss counter is not vacuous: every answer that is not a 200 from the right pods or a 500
 * injected by v2 counts as lost, and so does a request that gets no answer. A stub stands in for
 * the mesh; no assertion is about time.
 */
class LoadGeneratorTest {

  /** A stub mesh answering requests in turn as v1, a proxy error, an injected 500 of v2. */
  private static HttpServer stub() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    AtomicInteger n = new AtomicInteger();
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            boolean debug = exchange.getRequestHeaders().containsKey(LoadGenerator.DEBUG_HEADER);
            int status;
            if (debug) {
              // a debug request served by v1: misrouted
              exchange.getResponseHeaders().set(Backend.VERSION_HEADER, "v1");
              status = 200;
            } else {
              switch (n.getAndIncrement() % 3) {
                case 0 -> {
                  exchange.getResponseHeaders().set(Backend.VERSION_HEADER, "v1");
                  status = 200;
                }
                case 1 -> {
                  exchange.getResponseHeaders().set(Mesh.FLAG_HEADER, "UH");
                  status = 503;
                }
                default -> {
                  exchange.getResponseHeaders().set(Backend.VERSION_HEADER, "v2");
                  exchange.getResponseHeaders().set(Behaviour.INJECTED_HEADER, "true");
                  status = 500;
                }
              }
            }
            byte[] body = "x".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
        });
    server.start();
    return server;
  }

  @Test
  void proxyErrorsAndMisroutedRequestsAreLostInjectedErrorsAreNot() throws Exception {
    HttpServer server = stub();
    try {
      LoadGenerator load =
          new LoadGenerator(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), 40, 4)
              .start();
      Thread.sleep(1000);
      load.stop(Duration.ofSeconds(10));

      long sent = load.sent();
      long served = load.byVersionAndStatus().values().stream().mapToLong(Long::longValue).sum();
      long proxyErrors = load.lostByReason().getOrDefault("proxy 503 UH", 0L);
      long misrouted = load.lostByReason().getOrDefault("debug request served by v1", 0L);
      assertThat(sent).isPositive();
      // every request is accounted for: served by a pod, or answered by the proxy
      assertThat(served + proxyErrors).isEqualTo(sent);
      assertThat(load.lost()).isEqualTo(proxyErrors + misrouted);
      assertThat(load.injectedErrors())
          .isEqualTo(load.byVersionAndStatus().getOrDefault("v2 500", 0L));
      if (sent >= 8) {
        assertThat(proxyErrors).isPositive();
        assertThat(misrouted).isPositive();
        assertThat(load.injectedErrors()).isPositive();
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aRequestThatGetsNoAnswerIsLost() throws Exception {
    int closed = Processes.freePort(); // nothing listens there
    LoadGenerator load = new LoadGenerator(URI.create("http://127.0.0.1:" + closed), 20, 0).start();
    Thread.sleep(500);
    load.stop(Duration.ofSeconds(10));
    assertThat(load.sent()).isPositive();
    assertThat(load.lost()).isEqualTo(load.sent());
    assertThat(load.lostByReason().keySet()).allMatch(k -> k.startsWith("no answer: "));
  }

  /** A stub proxy that answers every request as {@code version}, debug requests as debug. */
  private static HttpServer answering(String version) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            boolean debug = exchange.getRequestHeaders().containsKey(LoadGenerator.DEBUG_HEADER);
            exchange.getResponseHeaders().set(Backend.VERSION_HEADER, debug ? "debug" : version);
            exchange.sendResponseHeaders(200, -1);
          }
        });
    server.start();
    return server;
  }

  @Test
  void requestsGoToTheEntryPointsInTurnAndAreCountedByEntryPoint() throws Exception {
    HttpServer gateway = answering("v2");
    HttpServer mesh = answering("v1");
    try {
      LoadGenerator load =
          new LoadGenerator(
                  List.of(
                      new LoadGenerator.EntryPoint(
                          "gateway",
                          URI.create("http://127.0.0.1:" + gateway.getAddress().getPort()),
                          0),
                      new LoadGenerator.EntryPoint(
                          "mesh",
                          URI.create("http://127.0.0.1:" + mesh.getAddress().getPort()),
                          2)),
                  40)
              .start();
      Thread.sleep(1000);
      load.stop(Duration.ofSeconds(10));

      assertThat(load.entryPoints()).containsExactly("gateway", "mesh");
      long throughGateway = (Long) load.entry("gateway").get("sent");
      long fromMesh = (Long) load.entry("mesh").get("sent");
      assertThat(throughGateway + fromMesh).isEqualTo(load.sent());
      assertThat(throughGateway - fromMesh).isBetween(0L, 1L);
      assertThat(load.lost()).isZero();
      // each entry point's answers are its own: v2 behind the gateway stub, v1 and the debug
      // requests (1 in 2 of the mesh's) behind the mesh stub
      assertThat(load.byVersionAndStatus("gateway")).containsOnlyKeys("v2 200");
      assertThat(load.byVersionAndStatus("mesh")).containsOnlyKeys("v1 200", "debug 200");
      assertThat(load.byVersionAndStatus("mesh").get("debug 200"))
          .isBetween(fromMesh / 2 - 1, fromMesh / 2 + 1);
      assertThat(load.seconds("gateway").values().stream().mapToLong(s -> s.v2.sum()).sum())
          .isEqualTo(load.byVersionAndStatus("gateway").get("v2 200"));
    } finally {
      gateway.stop(0);
      mesh.stop(0);
    }
  }

  /**
   * A stub of a sticky mesh: a request without cookie {@code v} gets the next of v1, v2 in turn and
   * {@code Set-Cookie: v=<version>}; one with the cookie stays on its version. Counts the requests
   * that carried {@code x-canary: insider}.
   */
  private static HttpServer sticky(AtomicInteger insiders) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    AtomicInteger turn = new AtomicInteger();
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            String cookie = exchange.getRequestHeaders().getFirst("cookie");
            if ("insider".equals(exchange.getRequestHeaders().getFirst("x-canary"))) {
              insiders.incrementAndGet();
            }
            String version;
            if (cookie != null && cookie.matches("^(.*;\\s*)?v=v[12](;.*)?$")) {
              version = cookie.replaceAll("^(.*;\\s*)?v=(v[12])(;.*)?$", "$2");
            } else {
              version = turn.getAndIncrement() % 2 == 0 ? "v1" : "v2";
              exchange
                  .getResponseHeaders()
                  .add("Set-Cookie", "v=" + version + "; Max-Age=60; Path=/");
            }
            exchange.getResponseHeaders().set(Backend.VERSION_HEADER, version);
            exchange
                .getResponseHeaders()
                .set(Mesh.ROUTE_HEADER, cookie == null ? "default" : "sticky");
            exchange.sendResponseHeaders(200, -1);
          }
        });
    server.start();
    return server;
  }

  @Test
  void eachSessionSendsBackTheCookieItWasGivenAndItsGroupsHeader() throws Exception {
    AtomicInteger insiders = new AtomicInteger();
    HttpServer server = sticky(insiders);
    try {
      Sessions.Group group = new Sessions.Group("insiders", "x-canary", "insider", 0.25);
      LoadGenerator load =
          new LoadGenerator(
                  List.of(
                      new LoadGenerator.EntryPoint(
                          "mesh",
                          URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                          0)),
                  60,
                  new Sessions.Profile(6, 3, List.of(group)))
              .start();
      Thread.sleep(1500);
      load.stop(Duration.ofSeconds(10));

      List<Sessions.Session> sessions = load.sessions().all();
      assertThat(load.lost()).isZero();
      assertThat(sessions.stream().mapToInt(Sessions.Session::sent).sum()).isEqualTo(load.sent());
      // sessions came and went: more than were open at once, none sent more than 3
      assertThat(sessions.size()).isGreaterThan(6);
      assertThat(sessions).allSatisfy(s -> assertThat(s.sent()).isBetween(1, 3));
      // the cookie kept each session on the version of its first answer; only its first request
      // went without a cookie
      for (Sessions.Session s : sessions) {
        List<Sessions.Answer> answers = s.answers();
        assertThat(answers.stream().map(Sessions.Answer::version).distinct()).hasSizeLessThan(2);
        assertThat(answers.stream().filter(a -> a.route().equals("default")).count())
            .as("session %d", s.id)
            .isLessThanOrEqualTo(1);
      }
      // every 4th session is an insider and sent the header, with every request
      assertThat(sessions)
          .allSatisfy(
              s ->
                  assertThat(s.groupName()).isEqualTo(s.id % 4 == 0 ? "insiders" : Sessions.USERS));
      assertThat(insiders.get())
          .isEqualTo(
              sessions.stream()
                  .filter(s -> s.group == group)
                  .mapToInt(Sessions.Session::sent)
                  .sum());
      assertThat(load.secondsOfGroup("insiders")).isNotEmpty();
    } finally {
      server.stop(0);
    }
  }
}
