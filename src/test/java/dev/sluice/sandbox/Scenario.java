package dev.sluice.sandbox;

import java.util.Locale;

/** What v2 does in a scenario, and what Sluice should make of it. */
enum Scenario {
  /** v2 is healthy: promoted 10% at a time, then v1 retired. */
  GOOD("promoted", "v2 healthy"),
  /** v2 answers 5xx for a share of its requests once it reaches --bad-at: rolled back. */
  ERRORS("rolled back", "v2 answers 5xx"),
  /** v2's p99 goes over the threshold once it reaches --bad-at: rolled back. */
  SLOW("rolled back", "v2 slow"),
  /**
   * v2 answers 5xx for a share of its requests under the Canary's error-rate gate but over a
   * Prometheus alerting rule's threshold, once it reaches --bad-at: the alert, through the real
   * Alertmanager and Sluice's webhook, rolls it back.
   */
  ALERT("rolled back", "v2 answers a few 5xx; an alert fires"),
  /**
   * v2 is healthy; the load enters both through an ingress gateway (a VirtualService in
   * istio-ingress bound to the gateway) and from inside the mesh (the mesh VirtualService), and the
   * Canary lists both VirtualServices: promoted with both routes in lockstep.
   */
  GATEWAY("promoted", "v2 healthy; gateway and mesh routes in lockstep"),
  /** As {@link #GATEWAY}, but v2 answers 5xx as in {@link #ERRORS}: both routes rolled back. */
  GATEWAY_ERRORS("rolled back", "v2 answers 5xx; gateway and mesh routes in lockstep");

  final String expected;
  final String story;

  Scenario(String expected, String story) {
    this.expected = expected;
    this.story = story;
  }

  String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Whether the load also enters through the ingress gateway and the Canary lists the gateway's
   * VirtualService beside the mesh's.
   */
  boolean throughGateway() {
    return this == GATEWAY || this == GATEWAY_ERRORS;
  }

  /** How v2 behaves once it turns bad, or null when it never does. */
  Behaviour bad(Options options) {
    return switch (this) {
      case GOOD, GATEWAY -> null;
      case ERRORS, GATEWAY_ERRORS ->
          new Behaviour(options.errorRatio(), Behaviour.HEALTHY.latencyMs());
      case SLOW -> new Behaviour(0, options.latencyMs());
      case ALERT -> new Behaviour(AlertPath.V2_ERROR_RATIO, Behaviour.HEALTHY.latencyMs());
    };
  }

  static Scenario of(String id) {
    for (Scenario s : values()) {
      if (s.id().equals(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown scenario '" + id + "' (good, errors, slow, alert, gateway, gateway-errors)");
  }
}
