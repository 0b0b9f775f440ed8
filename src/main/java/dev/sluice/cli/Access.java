package dev.sluice.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** Turns an API failure into a message a kubectl user can act on, and an exit code. */
final class Access {
  private Access() {}

  static int code(KubernetesClientException e) {
    return e.getCode() == 404 ? ExitCode.NOT_FOUND : ExitCode.NO_ACCESS;
  }

  static String explain(KubernetesClientException e, KubernetesClient client) {
    String url = String.valueOf(client.getMasterUrl());
    if (e.getCode() <= 0) {
      return "cannot reach the cluster at " + url + ": " + cause(e);
    }
    return switch (e.getCode()) {
      case 401 -> "the cluster at " + url + " does not accept the kubeconfig's credentials";
      case 403 ->
          "not allowed: "
              + reason(e)
              + " (kubectl sluice needs get, list and patch on canaries.sluice.dev and list on"
              + " events)";
      case 404 ->
          "no Canary resource type at "
              + url
              + ": are Sluice's CRDs installed? ("
              + reason(e)
              + ")";
      default -> "the cluster at " + url + " answered " + e.getCode() + ": " + reason(e);
    };
  }

  private static String reason(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    return e.getMessage();
  }

  private static String cause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
