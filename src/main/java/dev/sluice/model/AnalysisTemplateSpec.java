package dev.sluice.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Arguments with their defaults, and the metrics to check. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AnalysisTemplateSpec {
  @Size(max = 64)
  @JsonPropertyDescription(
      "Arguments usable as {{ name }}; 'value' is the default, absent means required.")
  public List<Arg> args = new ArrayList<>();

  @Required
  @Size(min = 1, max = 32)
  public List<Metric> metrics = new ArrayList<>();

  /** One check: a PromQL query, the window it looks at, and its pass rule. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Metric {
    @Required
    @Size(min = 1, max = 63)
    @Pattern(Patterns.DNS_SUBDOMAIN)
    public String name;

    @Required
    @Size(min = 1, max = 8192)
    @JsonPropertyDescription("PromQL returning one value (an instant vector of one series).")
    public String query;

    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription(
        "Range the query looks back over, available as {{ window }} (default 1m).")
    public String window;

    @Required
    @JsonPropertyDescription("The pass rule: min and/or max, numbers or {{ args }}.")
    public PassRule pass;

    @JsonPropertyDescription(
        "Minimum-traffic guard: fewer requests than 'min' makes the check inconclusive.")
    public TrafficGuard traffic;

    @JsonPropertyDescription(
        "Dry-run: the check is measured and shown but never counts toward a rollback or an advance.")
    public Boolean dryRun;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class PassRule {
    @Size(max = 253)
    public String min;

    @Size(max = 253)
    public String max;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TrafficGuard {
    @Required
    @Size(min = 1, max = 8192)
    @JsonPropertyDescription("PromQL counting the requests behind the value over the window.")
    public String query;

    @Required
    @Size(min = 1, max = 253)
    public String min;
  }
}
