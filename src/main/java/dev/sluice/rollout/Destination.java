package dev.sluice.rollout;

/** One weighted destination of the managed route, by subset name. */
public record Destination(String subset, int weight) {
  public Destination {
    if (subset == null || subset.isEmpty()) {
      throw new IllegalArgumentException("subset must be named");
    }
    if (weight < 0 || weight > 100) {
      throw new IllegalArgumentException("weight must be in 0..100, was " + weight);
    }
  }
}
