package dev.sluice.testing;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.util.ArrayList;
import java.util.List;

/**
 * The requests the mock API server received, in the order it received them: the one order of writes
 * that does not depend on how watch streams interleave. (The mock server does not keep request
 * bodies; what a write did is read from the watch history.)
 */
public final class ServerLog {
  private ServerLog() {}

  /**
   * Takes every request recorded so far (they are not kept) and returns the writes (POST, PUT,
   * DELETE) to objects in {@code namespace}.
   */
  public static List<RecordedRequest> writesIn(KubernetesServer server, String namespace) {
    List<RecordedRequest> writes = new ArrayList<>();
    for (RecordedRequest r : ApiServer.takeRequests(server.getKubernetesMockServer())) {
      if (!r.getMethod().equals("GET") && r.getPath().contains("/namespaces/" + namespace + "/")) {
        writes.add(r);
      }
    }
    return writes;
  }

  /** Index of the first request with this method whose path ends with {@code path}, or -1. */
  public static int first(List<RecordedRequest> requests, String method, String path) {
    for (int i = 0; i < requests.size(); i++) {
      if (matches(requests.get(i), method, path)) {
        return i;
      }
    }
    return -1;
  }

  /** Index of the last request with this method whose path ends with {@code path}, or -1. */
  public static int last(List<RecordedRequest> requests, String method, String path) {
    for (int i = requests.size() - 1; i >= 0; i--) {
      if (matches(requests.get(i), method, path)) {
        return i;
      }
    }
    return -1;
  }

  /** Whether {@code r} has this method and its path (query aside) ends with {@code path}. */
  public static boolean matches(RecordedRequest r, String method, String path) {
    String p = r.getPath();
    int query = p.indexOf('?');
    return r.getMethod().equals(method) && (query < 0 ? p : p.substring(0, query)).endsWith(path);
  }
}
