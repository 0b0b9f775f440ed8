package dev.sluice.controller;

import dev.sluice.model.Canary;
import dev.sluice.model.CanarySpec;
import dev.sluice.model.Patterns;
import dev.sluice.model.Retirement;
import dev.sluice.notify.Kind;
import dev.sluice.notify.SinkType;
import dev.sluice.rollout.Durations;
import dev.sluice.rollout.LabelSelector;
import dev.sluice.rollout.ReleaseSpec;
import dev.sluice.rollout.RetirementPolicy;
import dev.sluice.rollout.RouteRef;
import dev.sluice.rollout.StepPlan;
import dev.sluice.routing.RouteSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Reads a Canary's spec into the state machine's {@link ReleaseSpec}, applying defaults and
 * checking what the CRD schema cannot express. Every problem is collected, so a person sees them
 * all at once.
 */
final class SpecReader {
  static final String DEFAULT_VERSION_LABEL = "version";
  private static final Pattern LABEL_VALUE = Pattern.compile(Patterns.LABEL_VALUE);
  private static final Pattern NAME = Pattern.compile(Patterns.DNS_SUBDOMAIN);
  private static final Pattern LABEL_KEY = Pattern.compile(Patterns.LABEL_NAME);
  private static final Pattern DNS_LABEL = Pattern.compile(Patterns.DNS_LABEL);
  static final int MAX_VIRTUAL_SERVICES = 16;

  private SpecReader() {}

  /** The spec read, or the problems that prevent reading it. */
  record Result(ReleaseSpec spec, List<String> problems) {
    boolean valid() {
      return problems.isEmpty();
    }
  }

  /**
   * The routes {@code canary} manages, in the order it lists them: {@code virtualServices}, or the
   * single {@code virtualService}; a namespace left out is the Canary's. Empty when it names none;
   * entries without a name are left out (the spec is refused for them, see {@link #read}).
   */
  static List<RouteRef> routes(Canary canary) {
    CanarySpec s = canary.getSpec();
    if (s == null) {
      return List.of();
    }
    String namespace = canary.getMetadata().getNamespace();
    List<CanarySpec.VirtualServiceRef> refs =
        s.virtualServices != null && !s.virtualServices.isEmpty()
            ? s.virtualServices
            : s.virtualService == null ? List.of() : List.of(s.virtualService);
    List<RouteRef> out = new ArrayList<>();
    for (CanarySpec.VirtualServiceRef ref : refs) {
      if (ref != null && ref.name != null) {
        out.add(
            new RouteRef(ref.namespace == null ? namespace : ref.namespace, ref.name, ref.route));
      }
    }
    return List.copyOf(out);
  }

  static final int MAX_NOTIFICATIONS = 8;
  private static final Pattern SECRET_KEY = Pattern.compile("^[-._a-zA-Z0-9]+$");

  /**
   * The Canary's own notification receivers: a known type, a Secret key, known kinds. (Whether the
   * Secret exists, and holds a URL, is found only when a notification is sent: a missing one is an
   * event then, never a refusal of the release.)
   */
  private static void checkNotifications(
      List<String> problems, List<CanarySpec.Notification> notifications) {
    if (notifications == null) {
      return;
    }
    if (notifications.size() > MAX_NOTIFICATIONS) {
      problems.add(
          "notifications lists "
              + notifications.size()
              + " receivers; at most "
              + MAX_NOTIFICATIONS);
    }
    for (int i = 0; i < notifications.size(); i++) {
      CanarySpec.Notification n = notifications.get(i);
      String field = "notifications[" + i + "]";
      if (n == null) {
        problems.add(field + " is empty");
        continue;
      }
      if (SinkType.parse(n.type).isEmpty()) {
        problems.add(
            field
                + ".type "
                + (n.type == null ? "is missing" : "\"" + n.type + "\" is not a receiver type")
                + ": one of "
                + SinkType.labels());
      }
      if (n.secretRef == null) {
        problems.add(field + ".secretRef is missing: the Secret and key of the webhook URL");
      } else if (!validName(n.secretRef.name)) {
        problems.add(field + ".secretRef.name must name a Secret");
      }
      if (n.secretRef != null
          && (n.secretRef.key == null
              || n.secretRef.key.length() > 253
              || !SECRET_KEY.matcher(n.secretRef.key).matches())) {
        problems.add(field + ".secretRef.key must name a key of the Secret");
      }
      if (n.kinds != null) {
        for (String kind : n.kinds) {
          if (Kind.parse(kind).isEmpty()) {
            problems.add(field + ".kinds: \"" + kind + "\" is not a kind: one of " + Kind.labels());
          }
        }
      }
    }
  }

  private static void checkRoutes(List<String> problems, CanarySpec s) {
    boolean several = s.virtualServices != null && !s.virtualServices.isEmpty();
    if (several && s.virtualService != null) {
      problems.add("give virtualService or virtualServices, not both");
      return;
    }
    if (!several && s.virtualService == null) {
      problems.add("virtualService.name (or virtualServices) must name a VirtualService");
      return;
    }
    List<CanarySpec.VirtualServiceRef> refs =
        several ? s.virtualServices : List.of(s.virtualService);
    if (refs.size() > MAX_VIRTUAL_SERVICES) {
      problems.add(
          "virtualServices lists "
              + refs.size()
              + " VirtualServices; at most "
              + MAX_VIRTUAL_SERVICES);
    }
    java.util.Set<String> seen = new HashSet<>();
    for (int i = 0; i < refs.size(); i++) {
      CanarySpec.VirtualServiceRef ref = refs.get(i);
      String field = several ? "virtualServices[" + i + "]" : "virtualService";
      if (ref == null || !validName(ref.name)) {
        problems.add(field + ".name must name a VirtualService");
        continue;
      }
      if (ref.namespace != null
          && (ref.namespace.length() > 63 || !DNS_LABEL.matcher(ref.namespace).matches())) {
        problems.add(field + ".namespace \"" + ref.namespace + "\" is not a namespace name");
      }
      RouteSelector.problem(ref.route).ifPresent(p -> problems.add(field + "." + p));
      String key = ref.namespace + "/" + ref.name + "/" + RouteSelector.parse(ref.route);
      if (!seen.add(key)) {
        problems.add(
            field + " names the same route of VirtualService " + ref.name + " as an earlier entry");
      }
    }
  }

  static Result read(Canary canary) {
    List<String> problems = new ArrayList<>();
    CanarySpec s = canary.getSpec();
    if (s == null) {
      return new Result(null, List.of("spec is missing"));
    }
    checkLabel(problems, "app", s.app, true);
    checkLabel(problems, "targetVersion", s.targetVersion, false);
    checkRoutes(problems, s);
    if (s.destinationRule == null || !validName(s.destinationRule.name)) {
      problems.add("destinationRule.name must name a DestinationRule");
    }
    // each weight field is checked on its own, even when explicit steps override it: a bad value
    // is reported, never silently ignored, and every problem is reported at once
    int stepWeight = weight(problems, "stepWeight", s.stepWeight, ReleaseSpec.DEFAULT_STEP_WEIGHT);
    int maxWeight = weight(problems, "maxWeight", s.maxWeight, ReleaseSpec.DEFAULT_MAX_WEIGHT);
    List<Integer> plan = attempt(problems, () -> StepPlan.of(stepWeight, maxWeight, s.steps));
    Duration interval = duration(problems, "interval", s.interval, ReleaseSpec.DEFAULT_INTERVAL);
    CanarySpec.AnalysisSpec analysis = s.analysis;
    Duration every =
        duration(
            problems,
            "analysis.interval",
            analysis == null ? null : analysis.interval,
            ReleaseSpec.DEFAULT_EVALUATION_INTERVAL);
    CanarySpec.Limits limits = s.limits == null ? new CanarySpec.Limits() : s.limits;
    int failureThreshold =
        positive(
            problems,
            "limits.failureThreshold",
            limits.failureThreshold,
            ReleaseSpec.DEFAULT_FAILURE_THRESHOLD);
    int inconclusiveLimit =
        positive(
            problems,
            "limits.inconclusiveLimit",
            limits.inconclusiveLimit,
            ReleaseSpec.DEFAULT_INCONCLUSIVE_LIMIT);
    int errorLimit =
        positive(problems, "limits.errorLimit", limits.errorLimit, ReleaseSpec.DEFAULT_ERROR_LIMIT);
    Duration deadline =
        duration(
            problems,
            "limits.progressDeadline",
            limits.progressDeadline,
            ReleaseSpec.DEFAULT_PROGRESS_DEADLINE);
    Duration retirementDelay =
        s.retirementDelay == null
            ? ReleaseSpec.DEFAULT_RETIREMENT_DELAY
            : durationOrZero(problems, "retirementDelay", s.retirementDelay);
    if (analysis != null && analysis.templates != null) {
      for (int i = 0; i < analysis.templates.size(); i++) {
        CanarySpec.TemplateRef ref = analysis.templates.get(i);
        if (ref == null || !validName(ref.name)) {
          problems.add("analysis.templates[" + i + "].name must name an AnalysisTemplate");
        }
      }
    }
    checkNotifications(problems, s.notifications);
    LabelSelector versionSelector = versionSelector(problems, s.versionSelector);
    StrategyReader.Read stages = StrategyReader.read(problems, s, plan);
    List<dev.sluice.rollout.Hook> hooks = WebhookReader.read(problems, s);
    if (!problems.isEmpty()) {
      return new Result(null, List.copyOf(problems));
    }
    return new Result(
        new ReleaseSpec(
            stages.plan(),
            interval,
            every,
            failureThreshold,
            inconclusiveLimit,
            errorLimit,
            deadline,
            retirement(s.retirement),
            s.autoStart == null || s.autoStart,
            s.targetVersion,
            retirementDelay,
            versionSelector,
            stages.strategy(),
            hooks),
        List.of());
  }

  static String versionLabel(Canary canary) {
    String label = canary.getSpec() == null ? null : canary.getSpec().versionLabel;
    return label == null || label.isEmpty() ? DEFAULT_VERSION_LABEL : label;
  }

  /** The versionSelector as the state machine reads it; every problem is reported. */
  private static LabelSelector versionSelector(
      List<String> problems, io.fabric8.kubernetes.api.model.LabelSelector selector) {
    if (selector == null) {
      return LabelSelector.ALL;
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (selector.getMatchLabels() != null) {
      selector
          .getMatchLabels()
          .forEach(
              (k, v) -> {
                checkLabelKey(problems, "versionSelector.matchLabels", k);
                if (v == null || (!v.isEmpty() && !validLabelValue(v))) {
                  problems.add(
                      "versionSelector.matchLabels." + k + " must be a label value, was " + v);
                }
                labels.put(k, v == null ? "" : v);
              });
    }
    List<LabelSelector.Requirement> requirements = new ArrayList<>();
    List<LabelSelectorRequirement> expressions =
        selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
    for (int i = 0; i < expressions.size(); i++) {
      String field = "versionSelector.matchExpressions[" + i + "]";
      LabelSelectorRequirement e = expressions.get(i);
      if (e == null) {
        problems.add(field + " is empty");
        continue;
      }
      checkLabelKey(problems, field + ".key", e.getKey());
      List<String> values = e.getValues() == null ? List.of() : e.getValues();
      LabelSelector.Operator op;
      try {
        op = LabelSelector.Operator.valueOf(String.valueOf(e.getOperator()));
      } catch (IllegalArgumentException x) {
        problems.add(
            field + ".operator must be In, NotIn, Exists or DoesNotExist, was " + e.getOperator());
        continue;
      }
      boolean needsValues = op == LabelSelector.Operator.In || op == LabelSelector.Operator.NotIn;
      if (needsValues && values.isEmpty()) {
        problems.add(field + ": " + op + " needs values");
      } else if (!needsValues && !values.isEmpty()) {
        problems.add(field + ": " + op + " takes no values");
      }
      for (String v : values) {
        if (v == null || (!v.isEmpty() && !validLabelValue(v))) {
          problems.add(field + ".values: " + v + " is not a label value");
        }
      }
      if (e.getKey() != null) {
        requirements.add(new LabelSelector.Requirement(e.getKey(), op, new HashSet<>(values)));
      }
    }
    return new LabelSelector(labels, requirements);
  }

  private static void checkLabelKey(List<String> problems, String field, String key) {
    if (key == null || key.length() > 317 || !LABEL_KEY.matcher(key).matches()) {
      problems.add(field + ": " + key + " is not a label key");
    }
  }

  private static boolean validLabelValue(String value) {
    return value.length() <= 63 && LABEL_VALUE.matcher(value).matches();
  }

  private static RetirementPolicy retirement(Retirement r) {
    if (r == null) {
      return RetirementPolicy.DELETE;
    }
    return switch (r) {
      case DELETE -> RetirementPolicy.DELETE;
      case SCALE_TO_ZERO -> RetirementPolicy.SCALE_TO_ZERO;
      case KEEP -> RetirementPolicy.KEEP;
    };
  }

  private static boolean validName(String name) {
    return name != null && name.length() <= 253 && NAME.matcher(name).matches();
  }

  private static void checkLabel(
      List<String> problems, String field, String value, boolean required) {
    if (value == null) {
      if (required) {
        problems.add(field + " is required");
      }
      return;
    }
    if (value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
      problems.add(field + " must be a label value (letters, digits, '-', '_', '.'; at most 63)");
    }
  }

  private static int orDefault(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  static int weight(List<String> problems, String field, Integer value, int fallback) {
    if (value == null) {
      return fallback;
    }
    if (value < 1 || value > 100) {
      problems.add(field + " must be in 1..100, was " + value);
      return fallback;
    }
    return value;
  }

  static int positive(List<String> problems, String field, Integer value, int fallback) {
    if (value == null) {
      return fallback;
    }
    if (value < 1) {
      problems.add(field + " must be at least 1, was " + value);
      return fallback;
    }
    return value;
  }

  static Duration duration(List<String> problems, String field, String text, Duration fallback) {
    if (text == null) {
      return fallback;
    }
    try {
      Duration d = Durations.parse(text);
      if (d.isZero()) {
        problems.add(field + " must be longer than 0");
        return fallback;
      }
      return d;
    } catch (IllegalArgumentException e) {
      problems.add(field + ": " + e.getMessage());
      return fallback;
    }
  }

  private static Duration durationOrZero(List<String> problems, String field, String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      problems.add(field + ": " + e.getMessage());
      return Duration.ZERO;
    }
  }

  private static <T> T attempt(List<String> problems, Supplier<T> read) {
    try {
      return read.get();
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return null;
    }
  }
}
