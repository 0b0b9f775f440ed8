package dev.sluice.testing;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/** The JDK's HTTP server as the stand-ins use it: on a free loopback port, one handler, started. */
public final class LoopbackHttp {
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
