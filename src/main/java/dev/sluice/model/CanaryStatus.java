package dev.sluice.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole progress of the current (or last) release, enough for a restarted daemon to resume
 * exactly where it was.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CanaryStatus {
  @JsonPropertyDescription("The version that serves traffic outside a release.")
  public String stableVersion;

  @JsonPropertyDescription("The version being (or last) released.")
  public String canaryVersion;

  @JsonPropertyDescription("Percent of the managed route's traffic the canary is given.")
  public Integer weight;

  @JsonPropertyDescription(
      "Idle, Initializing, Progressing, Paused, Finalizing, Succeeded, RollingBack, RolledBack or Failed.")
  public String phase;

  @JsonPropertyDescription("Index of the current step in the plan (0-based); -1 before the first.")
  public Integer step;

  @JsonPropertyDescription("Number of steps in the plan.")
  public Integer stepCount;

  @JsonPropertyDescription(
      "What the current step does: Mirror (copies of requests to the new version), Match (A/B: matching requests), Preview (blue/green before the switch), Weights, or Switched (blue/green after the switch).")
  public String stage;

  public String releaseStartedAt;
  public String stepStartedAt;
  public String lastEvaluationAt;

  @JsonPropertyDescription("When the old version left the route during promotion.")
  public String retiringSince;

  public String finishedAt;

  @JsonPropertyDescription("Failed evaluations in this release.")
  public Integer failures;

  @JsonPropertyDescription("Inconclusive evaluations in a row.")
  public Integer inconclusiveStreak;

  @JsonPropertyDescription("Evaluations in a row that could not get data from Prometheus.")
  public Integer errorStreak;

  @JsonPropertyDescription("Why the last release was rolled back, if it was.")
  public String rollbackReason;

  @JsonPropertyDescription("A one-line summary for people.")
  public String message;

  @JsonPropertyDescription("The last evaluation, one entry per check.")
  public List<MeasurementStatus> measurements = new ArrayList<>();

  @JsonPropertyDescription(
      "The last manual action that was applied (REST API or the sluice.dev/action annotation).")
  public ManualAction lastAction;

  @JsonPropertyDescription(
      "The app's Deployments Sluice considered, and for each whether it may start a release by itself and why (not).")
  public List<CandidateStatus> candidates = new ArrayList<>();

  @JsonPropertyDescription(
      "Old versions whose retirement is not finished, and what still routes to them.")
  public List<RetiringStatus> retiring = new ArrayList<>();

  @JsonPropertyDescription(
      "Each webhook called in this release and its last answer (docs/webhooks.md).")
  public List<WebhookStatus> webhooks = new ArrayList<>();

  public List<Condition> conditions = new ArrayList<>();

  public Long observedGeneration;

  /** One check's last measurement. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class MeasurementStatus {
    public String check;
    public String outcome;
    public String value;
    public String query;
    public String message;
    public String at;

    @JsonPropertyDescription(
        "True for a dry-run check: shown, but it did not count toward the gate's verdict.")
    public Boolean dryRun;

    @JsonPropertyDescription(
        "For a template's scored check (its value the 0-100 score): each compared metric, canary"
            + " against stable.")
    public List<ComparedMetricStatus> compared;
  }

  /** One compared metric of a scored check, as the statistical judge saw it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ComparedMetricStatus {
    public String metric;
    public String group;
    public Boolean critical;

    @JsonPropertyDescription("pass, fail or inconclusive.")
    public String decision;

    public String canaryMedian;
    public String stableMedian;

    @JsonPropertyDescription("Two-sided p-value of the Mann-Whitney U test.")
    public String pValue;

    @JsonPropertyDescription("Effect size: the canary's median divided by the stable version's.")
    public String effect;

    @JsonPropertyDescription("Mann-Whitney U of the canary's sample.")
    public String u;

    public Integer canaryPoints;
    public Integer stablePoints;
    public String reason;
  }

  /** One Deployment of the app, as Sluice judged it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CandidateStatus {
    public String deployment;
    public String version;

    @JsonPropertyDescription("Whether its version may start a release by itself.")
    public Boolean candidate;

    public String reason;
  }

  /** An old version whose retirement waits. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RetiringStatus {
    public String version;

    @JsonPropertyDescription(
        "What goes: Subset (a rolled-back canary) or SubsetAndDeployments (a replaced version).")
    public String scope;

    @JsonPropertyDescription("What still sends traffic to it; empty when nothing does.")
    public String heldBy;

    @JsonPropertyDescription("Since when nothing holds it (the retirement delay counts from here).")
    public String freeSince;
  }

  /** A webhook's last answer in the current release. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class WebhookStatus {
    public String name;

    @JsonPropertyDescription("Its type, e.g. confirm-rollout.")
    public String type;

    @JsonPropertyDescription("The step it was called for (1-based); unset outside the steps.")
    public Integer step;

    @JsonPropertyDescription("Passed (it answered 2xx) or Failed.")
    public String result;

    @JsonPropertyDescription(
        "Its answer: the HTTP status and the start of the body, or why the call failed.")
    public String message;

    @JsonPropertyDescription("When the answer came.")
    public String at;

    @JsonPropertyDescription("How many times it answered in this release.")
    public Integer calls;
  }

  /** A manual action (pause, resume, promote, abort, retry) that Sluice applied. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ManualAction {
    @JsonPropertyDescription("pause, resume, promote, abort or retry.")
    public String action;

    @JsonPropertyDescription(
        "Who asked, as far as Sluice knows, and how: e.g. 'alice via api', 'kubectl-annotate via annotation'.")
    public String by;

    @JsonPropertyDescription("When Sluice applied it.")
    public String at;

    @JsonPropertyDescription("What it did.")
    public String message;
  }
}
