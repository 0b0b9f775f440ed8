package dev.sluice.analysis;

import java.util.OptionalDouble;

/**
 * One rendered check, ready to run: the PromQL with every variable substituted and validated, the
 * pass rule and the optional minimum-traffic guard.
 *
 * @param template the template the check comes from
 * @param name the metric's name inside its template
 * @param query the rendered PromQL whose value is judged
 * @param min the smallest passing value, if any
 * @param max the largest passing value, if any
 * @param trafficQuery rendered PromQL counting the requests behind the value, or {@code null}
 * @param minTraffic the fewest requests that make the value meaningful (with {@code trafficQuery})
 */
public record Check(
    String template,
    String name,
    String query,
    OptionalDouble min,
    OptionalDouble max,
    String trafficQuery,
    double minTraffic) {

  /** {@code template/name}: how the check is named in status, events and metrics. */
  public String id() {
    return template + "/" + name;
  }

  public boolean hasTrafficGuard() {
    return trafficQuery != null;
  }
}
