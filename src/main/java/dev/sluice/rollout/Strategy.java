package dev.sluice.rollout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a release meets its users before (or instead of) the weight steps: a mirroring stage, a stage
 * for requests that match (A/B, or a blue/green preview), session affinity during the weight steps,
 * and for blue/green how long the switch is judged. Stages run in that order, each judged by the
 * same checks.
 *
 * @param mirror the mirroring stage, or null
 * @param match the stage for matching requests, or null
 * @param affinity session affinity during the weight steps, or null
 * @param blueGreen whether the weights are one switch to 100% (the preview is {@code match})
 * @param switchIterations how many intervals the last weight step is held (blue/green's judged
 *     switch); 1 otherwise
 */
public record Strategy(
    MirrorStage mirror,
    MatchStage match,
    SessionAffinity affinity,
    boolean blueGreen,
    int switchIterations) {

  /** Weights only. */
  public static final Strategy NONE = new Strategy(null, null, null, false, 1);

  public Strategy {
    if (switchIterations < 1) {
      throw new IllegalArgumentException("switchIterations must be at least 1");
    }
  }

  /**
   * Copies of the requests go to the canary, whose answers are discarded.
   *
   * @param percent share of requests copied, 1..100
   * @param iterations how many intervals the stage is held
   */
  public record MirrorStage(int percent, int iterations) {
    public MirrorStage {
      if (percent < 1 || percent > 100 || iterations < 1) {
        throw new IllegalArgumentException("mirror: percent 1..100 and iterations >= 1");
      }
    }
  }

  /**
   * Requests that match go to the canary, the others to the stable version.
   *
   * @param match Istio HTTPMatchRequests (any one matches), as plain maps and lists
   * @param iterations how many intervals the stage is held
   */
  public record MatchStage(List<Map<String, Object>> match, int iterations) {
    public MatchStage {
      match = List.copyOf(match);
      if (match.isEmpty() || iterations < 1) {
        throw new IllegalArgumentException("match: at least one match and iterations >= 1");
      }
    }
  }

  /**
   * A session answered by one version keeps being sent to it while the weights move: both versions'
   * answers set a cookie, and routes of Sluice's send each cookie back to its version.
   *
   * @param cookieName the cookie's name
   * @param maxAge how long the browser keeps it
   */
  public record SessionAffinity(String cookieName, Duration maxAge) {
    public SessionAffinity {
      Objects.requireNonNull(cookieName, "cookieName");
      if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
        throw new IllegalArgumentException("maxAge must be positive");
      }
    }
  }

  /** Whether a stage or affinity needs http routes (tls and tcp routes cannot match or mirror). */
  public boolean needsHttp() {
    return mirror != null || match != null || affinity != null;
  }
}
