package dev.sluice.rollout;

import java.util.ArrayList;
import java.util.List;

/** The canary weights a release goes through, in order. */
public final class StepPlan {
  private StepPlan() {}

  /**
   * Weights {@code stepWeight, 2×stepWeight, …} up to {@code maxWeight}, ending exactly at {@code
   * maxWeight}; or {@code explicitSteps} when given.
   *
   * @throws IllegalArgumentException with a reason when the plan is not valid
   */
  public static List<Integer> of(int stepWeight, int maxWeight, List<Integer> explicitSteps) {
    if (explicitSteps != null && !explicitSteps.isEmpty()) {
      int previous = 0;
      for (int i = 0; i < explicitSteps.size(); i++) {
        Integer w = explicitSteps.get(i);
        if (w == null || w < 1 || w > 100) {
          throw new IllegalArgumentException(
              "steps[" + i + "] must be a weight in 1..100, was " + w);
        }
        if (w <= previous) {
          throw new IllegalArgumentException(
              "steps must be strictly increasing: steps[" + i + "]=" + w + " after " + previous);
        }
        previous = w;
      }
      return List.copyOf(explicitSteps);
    }
    if (stepWeight < 1 || stepWeight > 100) {
      throw new IllegalArgumentException("stepWeight must be in 1..100, was " + stepWeight);
    }
    if (maxWeight < 1 || maxWeight > 100) {
      throw new IllegalArgumentException("maxWeight must be in 1..100, was " + maxWeight);
    }
    List<Integer> plan = new ArrayList<>();
    for (int w = stepWeight; w < maxWeight; w += stepWeight) {
      plan.add(w);
    }
    plan.add(maxWeight);
    return List.copyOf(plan);
  }
}
