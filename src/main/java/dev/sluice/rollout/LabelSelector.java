package dev.sluice.rollout;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Kubernetes label selector ({@code matchLabels} and {@code matchExpressions}), as pure data. An
 * empty selector selects everything, as in Kubernetes.
 *
 * @param matchLabels labels that must be present with these values
 * @param expressions requirements that must all hold
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> expressions) {

  /** The selector that selects everything. */
  public static final LabelSelector ALL = new LabelSelector(Map.of(), List.of());

  public LabelSelector {
    matchLabels = Map.copyOf(matchLabels);
    expressions = List.copyOf(expressions);
  }

  /** One {@code matchExpressions} entry. */
  public record Requirement(String key, Operator operator, Set<String> values) {
    public Requirement {
      values = Set.copyOf(values);
    }

    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case In -> value != null && values.contains(value);
        case NotIn -> value == null || !values.contains(value);
        case Exists -> value != null;
        case DoesNotExist -> value == null;
      };
    }
  }

  /** The operators of a {@code matchExpressions} entry. */
  public enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist
  }

  /** Whether an object with {@code labels} is selected. */
  public boolean matches(Map<String, String> labels) {
    for (Map.Entry<String, String> e : matchLabels.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return expressions.stream().allMatch(r -> r.matches(labels));
  }

  /** Whether this selector selects everything. */
  public boolean selectsAll() {
    return matchLabels.isEmpty() && expressions.isEmpty();
  }
}
