package dev.sluice.metrics;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

/** Points {@code sluice.prometheus.url} at a loopback port where nothing listens. */
public class ClosedPortPrometheus implements QuarkusTestResourceLifecycleManager {

  static int port;

  @Override
  public Map<String, String> start() {
    // Take a free port from the OS, then free it again: connections to it are refused.
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return PrometheusMock.fastFaultTolerance("http://127.0.0.1:" + port);
  }

  @Override
  public void stop() {}
}
