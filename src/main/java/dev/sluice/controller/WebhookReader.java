package dev.sluice.controller;

import dev.sluice.model.CanarySpec;
import dev.sluice.rollout.Hook;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and checks a Canary's {@code spec.webhooks}: the state machine's hooks, the calls' targets.
 */
final class WebhookReader {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

  private WebhookReader() {}

  /**
   * Where and how one webhook is called.
   *
   * @param secret the Secret with its credentials, or null
   */
  record Target(
      String name,
      Hook.Type type,
      URI url,
      Duration timeout,
      Map<String, String> metadata,
      String secret) {}

  /** The webhooks as the state machine sees them; every problem is added to {@code problems}. */
  static List<Hook> read(List<String> problems, CanarySpec s) {
    List<Hook> hooks = new ArrayList<>();
    if (s.webhooks == null) {
      return hooks;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < s.webhooks.size(); i++) {
      String field = "webhooks[" + i + "]";
      CanarySpec.Webhook w = s.webhooks.get(i);
      if (w == null) {
        problems.add(field + " is empty");
        continue;
      }
      int before = problems.size();
      target(problems, field, w);
      if (w.name != null && !names.add(w.name)) {
        problems.add(field + ".name \"" + w.name + "\" is used by an earlier webhook");
      }
      if (problems.size() == before) {
        hooks.add(new Hook(w.name, Hook.Type.fromSpec(w.type)));
      }
    }
    return hooks;
  }

  /** The webhook {@code name} of the spec, when it is there and valid. */
  static Optional<Target> target(CanarySpec s, String name) {
    if (s == null || s.webhooks == null) {
      return Optional.empty();
    }
    return s.webhooks.stream()
        .filter(w -> w != null && name.equals(w.name))
        .findFirst()
        .flatMap(w -> Optional.ofNullable(target(new ArrayList<>(), "webhook", w)));
  }

  private static Target target(List<String> problems, String field, CanarySpec.Webhook w) {
    int before = problems.size();
    if (w.name == null
        || !w.name.matches(dev.sluice.model.Patterns.DNS_LABEL)
        || w.name.length() > 63) {
      problems.add(field + ".name must be a DNS label (lower-case letters, digits, '-')");
    }
    Hook.Type type = Hook.Type.fromSpec(w.type);
    if (type == null) {
      problems.add(
          field
              + ".type \""
              + w.type
              + "\" is not one of confirm-rollout, pre-rollout, step, confirm-promotion,"
              + " post-rollout, rollback");
    }
    URI url = url(problems, field, w.url);
    Duration timeout =
        SpecReader.duration(problems, field + ".timeout", w.timeout, DEFAULT_TIMEOUT);
    if (timeout.compareTo(MAX_TIMEOUT) > 0) {
      problems.add(field + ".timeout " + w.timeout + " is longer than the 5m allowed");
    }
    if (w.secretRef != null
        && (w.secretRef.name == null
            || !w.secretRef.name.matches(dev.sluice.model.Patterns.DNS_SUBDOMAIN))) {
      problems.add(field + ".secretRef.name must name a Secret");
    }
    if (problems.size() != before) {
      return null;
    }
    return new Target(
        w.name,
        type,
        url,
        timeout,
        w.metadata == null ? Map.of() : Map.copyOf(w.metadata),
        w.secretRef == null ? null : w.secretRef.name);
  }

  private static URI url(List<String> problems, String field, String text) {
    if (text == null || text.isBlank()) {
      problems.add(field + ".url must be given");
      return null;
    }
    try {
      URI u = URI.create(text);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
        problems.add(field + ".url must be an http or https URL with a host");
        return null;
      }
      if (u.getUserInfo() != null) {
        problems.add(field + ".url must not carry credentials; use secretRef");
        return null;
      }
      return u;
    } catch (IllegalArgumentException e) {
      problems.add(field + ".url is not a URL: " + e.getMessage());
      return null;
    }
  }
}
