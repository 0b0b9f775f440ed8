package dev.sluice.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The webhooks' part of a release, pure: which answers count, which calls are due and when the next
 * poll is. A webhook's answers are kept one per webhook (the last), for the current release only.
 */
final class Hooks {
  private final ReleaseSpec spec;
  private final List<HookRecord> records;

  Hooks(ReleaseSpec spec, List<HookRecord> records) {
    this.spec = spec;
    this.records = records;
  }

  /** {@code records} with {@code answer} as its webhook's last answer. */
  static List<HookRecord> fold(List<HookRecord> records, Signal.HookAnswered answer) {
    HookCall c = answer.call();
    List<HookRecord> out = new ArrayList<>();
    int calls = 1;
    for (HookRecord r : records) {
      if (r.name().equals(c.name())) {
        calls = r.calls() + 1;
      } else {
        out.add(r);
      }
    }
    out.add(
        new HookRecord(
            c.name(), c.type(), c.step(), answer.passed(), answer.at(), answer.message(), calls));
    return out;
  }

  Optional<HookRecord> last(String name) {
    return records.stream().filter(r -> r.name().equals(name)).findFirst();
  }

  /** Whether {@code h} answered 2xx for {@code step}. */
  boolean passed(Hook h, int step) {
    return last(h.name()).filter(r -> r.passed() && r.step() == step).isPresent();
  }

  /** The webhooks of {@code type} that have not answered 2xx for {@code step}, in spec order. */
  List<Hook> waiting(Hook.Type type, int step) {
    return spec.hooks(type).stream().filter(h -> !passed(h, step)).toList();
  }

  /**
   * When the webhook that confirmed last did so, once every webhook of {@code type} answered 2xx
   * (empty while one has not; {@code fallback} when there are none).
   */
  Optional<Instant> confirmedAt(Hook.Type type, Instant fallback) {
    if (!waiting(type, -1).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        spec.hooks(type).stream()
            .map(h -> last(h.name()).orElseThrow().at())
            .reduce(fallback, (a, b) -> b.isAfter(a) ? b : a));
  }

  /**
   * When {@code h} is to be called for {@code step}: now when it never answered for that step, an
   * interval after its last answer when it is polled (a rollback webhook always, a confirm webhook
   * until it answers 2xx) or a failed step webhook; empty when it is not to be called again.
   */
  Optional<Instant> dueAt(Hook h, int step, Instant now, Duration every) {
    Optional<HookRecord> last = last(h.name());
    if (last.isEmpty() || last.get().step() != step) {
      return Optional.of(now);
    }
    HookRecord r = last.get();
    boolean again =
        switch (h.type()) {
          case ROLLBACK -> true;
          case CONFIRM_ROLLOUT, CONFIRM_PROMOTION, STEP -> !r.passed();
          case PRE_ROLLOUT, POST_ROLLOUT -> false;
        };
    return again ? Optional.of(r.at().plus(every)) : Optional.empty();
  }

  /** For people: the webhooks' names and their last answers for {@code step}. */
  String describe(List<Hook> hooks, int step) {
    List<String> parts = new ArrayList<>();
    for (Hook h : hooks) {
      parts.add(
          h.name()
              + last(h.name())
                  .filter(r -> r.step() == step)
                  .map(r -> " (last answer: " + r.message() + ")")
                  .orElse(" (not answered yet)"));
    }
    return String.join(", ", parts);
  }
}
