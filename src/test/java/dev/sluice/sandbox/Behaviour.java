package dev.sluice.sandbox;

/**
 * How a version's pods answer: the share of requests answered 500 (an injected error, marked with
 * the header {@value #INJECTED_HEADER}) and the typical latency in milliseconds.
 */
record Behaviour(double errorRatio, int latencyMs) {
  static final String INJECTED_HEADER = "x-sandbox-injected-error";

  /** A healthy helloworld: no errors, about 10 ms. */
  static final Behaviour HEALTHY = new Behaviour(0, 10);

  Behaviour {
    if (errorRatio < 0 || errorRatio > 1) {
      throw new IllegalArgumentException("error ratio must be within 0..1, not " + errorRatio);
    }
    if (latencyMs < 0) {
      throw new IllegalArgumentException("latency must be >= 0 ms, not " + latencyMs);
    }
  }

  @Override
  public String toString() {
    return errorRatio == 0 && latencyMs == HEALTHY.latencyMs
        ? "healthy"
        : Math.round(errorRatio * 100) + "% 5xx, ~" + latencyMs + " ms";
  }
}
