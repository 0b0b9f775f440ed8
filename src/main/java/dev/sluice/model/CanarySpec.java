package dev.sluice.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

/** What a Canary manages and how a release proceeds. Defaults are applied when read. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.virtualService) != has(self.virtualServices)",
    message = "give virtualService or virtualServices, exactly one")
public class CanarySpec {
  @Required
  @Size(min = 1, max = 63)
  @Pattern(Patterns.LABEL_VALUE)
  @JsonPropertyDescription("Value of the 'app' label shared by every version's Deployment.")
  public String app;

  @Size(min = 1, max = 63)
  @Pattern(Patterns.LABEL_NAME)
  @JsonPropertyDescription(
      "Label that carries the version on Deployments and subsets (default 'version').")
  public String versionLabel;

  @JsonPropertyDescription(
      "Which of the app's Deployments may be released (a label selector over Deployments; default: every Deployment with the app label).")
  public LabelSelector versionSelector;

  @JsonPropertyDescription(
      "The VirtualService whose route Sluice shifts (a shorthand for a virtualServices list of one; give one of the two).")
  public VirtualServiceRef virtualService;

  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "Several VirtualServices whose routes move in lockstep, e.g. a gateway's (north-south) and the mesh's (east-west) for the same host; give this or virtualService.")
  public List<VirtualServiceRef> virtualServices;

  @Required
  @JsonPropertyDescription("The DestinationRule that holds one subset per live version.")
  public ObjectRef destinationRule;

  @Size(min = 1, max = 63)
  @Pattern(Patterns.LABEL_VALUE)
  @JsonPropertyDescription(
      "Version to release (GitOps). When unset and autoStart is true, a ready Deployment with a new version starts a release.")
  public String targetVersion;

  @JsonPropertyDescription(
      "Start a release by itself when a new version becomes ready (default true).")
  public Boolean autoStart;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Canary weight added at each step, in percent (default 10).")
  public Integer stepWeight;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Highest canary weight reached by steps before promotion (default 100).")
  public Integer maxWeight;

  @Size(max = 100)
  @JsonPropertyDescription(
      "Explicit canary weights, strictly increasing, each 1..100; overrides stepWeight and maxWeight.")
  public List<@Min(1) @Max(100) Integer> steps;

  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription(
      "How long each step is held (bake time), e.g. 30s, 1m, 1m30s (default 1m).")
  public String interval;

  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "A/B stage before the weight steps: requests matching any of these Istio HTTPMatchRequests go to the new version (through a route Sluice adds just before the managed route), all others to the stable one. With steps: [] the new version is promoted after this stage.")
  public List<HttpMatch> match;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription(
      "How many intervals the A/B (match) stage is held and judged (default 10).")
  public Integer iterations;

  @JsonPropertyDescription(
      "Mirroring stage before the others: copies of a share of the requests go to the new version, whose answers are discarded; the checks judge it on that traffic.")
  public Mirror mirror;

  @JsonPropertyDescription(
      "Session affinity during the weight steps: a session answered by one version keeps being sent to it (a cookie on the answers, matched by routes Sluice adds).")
  public SessionAffinity sessionAffinity;

  @JsonPropertyDescription(
      "Blue/green instead of weight steps: the new version is reachable only for the preview match while judged, then takes 100% in one write, is judged again, and is promoted (or rolled back in one write).")
  public BlueGreen blueGreen;

  @JsonPropertyDescription("The checks that gate every step.")
  public AnalysisSpec analysis;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Webhooks called around the release: confirm-rollout, pre-rollout, step, confirm-promotion, post-rollout, rollback (docs/webhooks.md).")
  public List<Webhook> webhooks;

  @JsonPropertyDescription("When a release gives up.")
  public Limits limits;

  @JsonPropertyDescription(
      "What happens to the old version's Deployment after promotion: delete (default), scaleToZero or keep.")
  public Retirement retirement;

  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription(
      "How long the old version keeps its subset and Deployment after leaving the route, so every proxy has the new route before its pods go (default 30s).")
  public String retirementDelay;

  @Size(max = 8)
  @JsonPropertyDescription(
      "Receivers of this Canary's release notifications (started, paused, resumed, step, rolledback, promoted, failed), besides the daemon-wide ones; each webhook URL is read from a Secret in the Canary's namespace.")
  public List<Notification> notifications;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Notification {
    @Required
    @Pattern("^(slack|teams|cloudevents)$")
    @JsonPropertyDescription(
        "The receiver's format: slack (incoming webhook), teams (incoming or Workflows webhook, Adaptive Card) or cloudevents (CloudEvents 1.0 structured JSON).")
    public String type;

    @Required
    @JsonPropertyDescription(
        "The Secret key in the Canary's namespace that holds the webhook URL (a credential: never shown).")
    public SecretKeyRef secretRef;

    @Size(max = 7)
    @JsonPropertyDescription(
        "The kinds to send: started, paused, resumed, step, rolledback, promoted, failed (default: the daemon's sluice.notifications.kinds, every kind but step).")
    public List<@Pattern("^(started|paused|resumed|step|rolledback|promoted|failed)$") String>
        kinds;
  }

  public static class SecretKeyRef {
    @Required
    @Size(min = 1, max = 253)
    @Pattern(Patterns.DNS_SUBDOMAIN)
    public String name;

    @Required
    @Size(min = 1, max = 253)
    @Pattern("^[-._a-zA-Z0-9]+$")
    public String key;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Webhook {
    @Required
    @Size(min = 1, max = 63)
    @Pattern(Patterns.DNS_LABEL)
    @JsonPropertyDescription("The webhook's name, unique in the Canary; shown in the status.")
    public String name;

    @Required
    @Pattern("^(confirm-rollout|pre-rollout|step|confirm-promotion|post-rollout|rollback)$")
    @JsonPropertyDescription(
        "When it is called: confirm-rollout, pre-rollout, step, confirm-promotion, post-rollout or rollback.")
    public String type;

    @Required
    @Size(min = 1, max = 2048)
    @Pattern("^https?://.+")
    @JsonPropertyDescription("Where the payload is POSTed (http or https).")
    public String url;

    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription("How long one attempt may take (default 10s, at most 5m).")
    public String timeout;

    @JsonPropertyDescription("Sent as is in the payload's metadata.")
    public java.util.Map<String, String> metadata;

    @JsonPropertyDescription(
        "A Secret in the Canary's namespace with the credentials: key 'token' (sent as a bearer token) or 'username' and 'password' (basic); never logged.")
    public SecretRef secretRef;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretRef {
    @Required
    @Size(min = 1, max = 253)
    @Pattern(Patterns.DNS_SUBDOMAIN)
    public String name;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Mirror {
    @Min(1)
    @Max(100)
    @JsonPropertyDescription(
        "Share of requests copied to the new version, in percent (default 100).")
    public Integer percent;

    @Min(1)
    @Max(1000)
    @JsonPropertyDescription("How many intervals the stage is held and judged (default 5).")
    public Integer iterations;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SessionAffinity {
    @Required
    @Size(min = 1, max = 64)
    @Pattern("^[A-Za-z0-9_-]+$")
    @JsonPropertyDescription("The cookie's name.")
    public String cookieName;

    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription("How long a browser keeps the cookie (default 24h).")
    public String maxAge;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class BlueGreen {
    @Size(min = 1, max = 16)
    @JsonPropertyDescription(
        "Who reaches the new version before the switch (Istio HTTPMatchRequests; default: header x-sluice-preview: \"true\").")
    public List<HttpMatch> preview;

    @Min(1)
    @Max(1000)
    @JsonPropertyDescription(
        "How many intervals the preview is judged before the switch (default 5).")
    public Integer previewIterations;

    @Min(1)
    @Max(1000)
    @JsonPropertyDescription(
        "How many intervals the new version is judged after the switch before the old one is retired (default 5).")
    public Integer postSwitchIterations;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class VirtualServiceRef {
    @Required
    @Size(min = 1, max = 253)
    @Pattern(Patterns.DNS_SUBDOMAIN)
    public String name;

    @Size(min = 1, max = 63)
    @Pattern(Patterns.DNS_LABEL)
    @JsonPropertyDescription(
        "Namespace of the VirtualService (default: the Canary's), e.g. a gateway's in istio-ingress.")
    public String namespace;

    @Size(max = 253)
    @JsonPropertyDescription(
        "The route to manage: an http route's name, or http[N], tls[N], tcp[N] by position (from 0). Default: the fallback http route (the one without 'match'); in a VirtualService without http routes, the tcp or tls route without match, or the only one.")
    public String route;

    public VirtualServiceRef() {}

    public VirtualServiceRef(String name, String namespace, String route) {
      this.name = name;
      this.namespace = namespace;
      this.route = route;
    }
  }

  public static class ObjectRef {
    @Required
    @Size(min = 1, max = 253)
    @Pattern(Patterns.DNS_SUBDOMAIN)
    public String name;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AnalysisSpec {
    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription(
        "How often checks run during a step's bake (default 15s, never longer than the interval).")
    public String interval;

    @Size(max = 32)
    public List<TemplateRef> templates = new ArrayList<>();
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TemplateRef {
    @Required
    @Size(min = 1, max = 253)
    @Pattern(Patterns.DNS_SUBDOMAIN)
    public String name;

    @Size(max = 64)
    public List<Arg> args = new ArrayList<>();

    @JsonPropertyDescription(
        "Dry-run: every check of this template is measured and shown but never counts toward a rollback or an advance.")
    public Boolean dryRun;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Limits {
    @Min(1)
    @Max(1000)
    @JsonPropertyDescription("Failed evaluations that roll back (default 1: the first).")
    public Integer failureThreshold;

    @Min(1)
    @Max(1000)
    @JsonPropertyDescription("Consecutive inconclusive evaluations that roll back (default 5).")
    public Integer inconclusiveLimit;

    @Min(1)
    @Max(1000)
    @JsonPropertyDescription(
        "Consecutive evaluations that could not reach Prometheus that roll back (default 5).")
    public Integer errorLimit;

    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription(
        "How long a step may wait past its bake time for passing checks, or a new version for readiness (default 10m).")
    public String progressDeadline;
  }
}
