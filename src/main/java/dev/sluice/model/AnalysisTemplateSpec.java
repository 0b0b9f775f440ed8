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

    @Size(min = 1, max = 8192)
    @JsonPropertyDescription(
        "PromQL returning one value (an instant vector of one series); required unless 'compare'"
            + " is given.")
    public String query;

    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription(
        "Range the query looks back over, available as {{ window }} (default 1m).")
    public String window;

    @JsonPropertyDescription(
        "The pass rule: min and/or max, numbers or {{ args }}; required unless 'compare' is given.")
    public PassRule pass;

    @JsonPropertyDescription(
        "Minimum-traffic guard: fewer requests than 'min' makes the check inconclusive.")
    public TrafficGuard traffic;

    @JsonPropertyDescription(
        "Dry-run: the check is measured and shown but never counts toward a rollback or an advance.")
    public Boolean dryRun;

    @JsonPropertyDescription(
        "A compared metric: the canary's sample against the stable version's over the same window"
            + " (Mann-Whitney U test), scored with the template's other compared metrics. Instead"
            + " of query, window, pass and traffic.")
    public Compare compare;
  }

  /** A compared metric's query and how its two samples are judged. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Compare {
    @Required
    @Size(min = 1, max = 8192)
    @JsonPropertyDescription(
        "PromQL giving one series, selecting the version with {{ version }}; run as a range query"
            + " once for the canary's version and once for the stable version's.")
    public String query;

    @Size(max = 253)
    @JsonPropertyDescription(
        "How far back both samples go, available as {{ window }} (default 5m).")
    public String window;

    @Size(max = 253)
    @JsonPropertyDescription(
        "The step between points, available as {{ resolution }} (default 15s).")
    public String resolution;

    @Size(max = 253)
    @JsonPropertyDescription("Confidence level of the test, between 0 and 1 (default 0.95).")
    public String confidence;

    @Size(max = 253)
    @JsonPropertyDescription(
        "Smallest ratio of medians that counts as a difference, at least 1 (default 1).")
    public String minEffect;

    @Size(max = 253)
    @JsonPropertyDescription("Which way is bad: increase (default), decrease or either.")
    public String direction;

    @Size(max = 253)
    @JsonPropertyDescription("NaN points: remove (default) or zero.")
    public String nanStrategy;

    @Size(max = 253)
    @JsonPropertyDescription("Outlier removal before judging: none (default) or iqr.")
    public String outliers;

    @Size(max = 253)
    @JsonPropertyDescription(
        "Fewest points each side needs; fewer is inconclusive, never a pass (default 10).")
    public String minPoints;

    @JsonPropertyDescription("A failure of this metric fails the evaluation whatever the score.")
    public Boolean critical;

    @Size(max = 63)
    @JsonPropertyDescription("The scoring group it counts in (default: the metric's name).")
    public String group;
  }

  @JsonPropertyDescription(
      "How the compared metrics' decisions make a 0-100 score: group weights, and the pass and"
          + " marginal thresholds.")
  public Scoring scoring;

  /** The scoring of a template's compared metrics. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Scoring {
    @Size(max = 32)
    @JsonPropertyDescription("Each group's weight (default: all groups weigh the same).")
    public List<GroupWeight> groups;

    @Size(max = 253)
    @JsonPropertyDescription("Lowest passing score, 0-100 (default 95).")
    public String pass;

    @Size(max = 253)
    @JsonPropertyDescription(
        "Lowest score that does not fail (default 75); between marginal and pass: inconclusive.")
    public String marginal;
  }

  /** One scoring group's weight. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class GroupWeight {
    @Required
    @Size(min = 1, max = 63)
    public String name;

    @Required
    @Size(min = 1, max = 253)
    public String weight;
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
