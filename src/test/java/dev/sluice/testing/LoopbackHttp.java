package dev.sluice.testing;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The JDK's HTTP server as the stand-ins use it: on a free loopback port, one handler, started,
 * answering without Nagle's delay.
 */
public final class LoopbackHttp {
  static {
    // The JDK's HTTP server writes a response's headers and body apart; without TCP_NODELAY,
    // Nagle's algorithm and delayed ACKs add ~40 ms to some answers (a real Prometheus, pod or
    // Envoy does not). The server reads this once, when its first instance is made, so it is set
    // here, before any: the benchmark's step slip at N = 1,000 went from 15 ms to 3.6 s at the
    // median when it was set only by the sandbox's class.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private LoopbackHttp() {}

  /**
   * A server answering {@code path} (and what is below it) with {@code handler}, on {@code
   * executor}'s threads, {@code backlog} connections queued at most; started.
   */
  public static HttpServer serve(int backlog, String path, HttpHandler handler, Executor executor) {
    HttpServer server;
    try {
      server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backlog);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(path, handler);
    server.setExecutor(executor);
    server.start();
    return server;
  }
}
