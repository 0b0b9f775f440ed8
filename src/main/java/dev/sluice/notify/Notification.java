package dev.sluice.notify;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One transition of a release to tell people about, independent of where it goes.
 *
 * @param id unique per transition (the same for every sink and every retry, so a receiver can drop
 *     a duplicate); the CloudEvents {@code id}
 * @param kind what happened
 * @param at when the transition was decided; the CloudEvents {@code time}, and where the latency
 *     metric counts from
 * @param namespace the Canary's namespace
 * @param name the Canary's name
 * @param phase the release's phase after the transition
 * @param stableVersion the stable version (after a promotion: the new one)
 * @param canaryVersion the version being (or last) released
 * @param weight the canary's weight after the transition
 * @param step the step after the transition (1-based; 0 outside a release)
 * @param message the event's message, as {@code kubectl describe canary} shows it
 * @param reason why the release was rolled back or failed (else {@code null})
 * @param alert the firing alert that rolled it back (else {@code null})
 * @param checks the failing checks that rolled it back (else empty)
 */
public record Notification(
    String id,
    Kind kind,
    Instant at,
    String namespace,
    String name,
    String phase,
    String stableVersion,
    String canaryVersion,
    int weight,
    int step,
    String message,
    String reason,
    String alert,
    List<FailedCheck> checks) {

  public Notification {
    Objects.requireNonNull(id);
    Objects.requireNonNull(kind);
    Objects.requireNonNull(at);
    checks = List.copyOf(checks);
  }

  /**
   * A check that failed and rolled the release back.
   *
   * @param check the check's name ({@code template/metric})
   * @param query the PromQL that ran
   * @param value the value it measured, as shown in the status ({@code null} when none)
   * @param message what the judge said, e.g. {@code value 0.4 is above max 0.05}
   */
  public record FailedCheck(String check, String query, String value, String message) {}

  /** The Canary as {@code namespace/name}. */
  public String canary() {
    return namespace + "/" + name;
  }
}
