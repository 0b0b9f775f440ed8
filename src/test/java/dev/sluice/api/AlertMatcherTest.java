package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.AlertMatcher.Target;
import dev.sluice.rollout.Phase;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which labels make an alert match a Canary, and how its labels are shown in the reason. */
class AlertMatcherTest {
  private static final List<Target> CANARIES =
      List.of(
          new Target("shop", "cart", "cart", Phase.Progressing),
          new Target("shop", "cart-api", "cart-api", Phase.Idle),
          new Target("shop", "checkout-canary", "checkout", Phase.Paused),
          new Target("blog", "cart", "cart", Phase.Progressing));

  private static List<String> matched(Map<String, String> labels) {
    return AlertMatcher.match(labels, CANARIES).targets().stream().map(Target::key).toList();
  }

  @Test
  void namespaceAndAppMatchTheCanaryOfThatAppInThatNamespace() {
    assertThat(matched(Map.of("namespace", "shop", "app", "cart"))).containsExactly("shop/cart");
    assertThat(matched(Map.of("namespace", "shop", "app", "checkout")))
        .containsExactly("shop/checkout-canary");
    assertThat(AlertMatcher.match(Map.of("namespace", "shop", "app", "cart"), CANARIES).rule())
        .isEqualTo("namespace+app");
  }

  @Test
  void serviceCountsOnlyWithoutAnAppLabel() {
    assertThat(matched(Map.of("namespace", "shop", "service", "cart")))
        .containsExactly("shop/cart");
    assertThat(matched(Map.of("namespace", "shop", "app", "other", "service", "cart"))).isEmpty();
  }

  @Test
  void sluiceCanaryNamesOneCanaryAndOverridesTheOtherLabels() {
    assertThat(matched(Map.of("sluice_canary", "blog/cart"))).containsExactly("blog/cart");
    assertThat(matched(Map.of("sluice_canary", "blog/cart", "namespace", "shop", "app", "cart")))
        .containsExactly("blog/cart");
    assertThat(
            matched(
                Map.of("sluice_canary", "shop/checkout", "namespace", "shop", "app", "checkout")))
        .isEmpty();
    assertThat(AlertMatcher.match(Map.of("sluice_canary", "shop"), CANARIES).why())
        .contains("is not <namespace>/<name>");
    assertThat(matched(Map.of("sluice_canary", "shop/cart/x"))).isEmpty();
  }

  @Test
  void otherLabelsNeverMatch() {
    assertThat(matched(Map.of("app", "cart"))).isEmpty();
    assertThat(matched(Map.of("namespace", "shop"))).isEmpty();
    assertThat(matched(Map.of("destination_app", "cart", "destination_workload_namespace", "shop")))
        .isEmpty();
    assertThat(matched(Map.of("namespace", "shop", "app", "Cart"))).isEmpty();
    assertThat(matched(Map.of("namespace", "shop", "job", "cart", "pod", "cart-v2-abc"))).isEmpty();
    assertThat(AlertMatcher.match(Map.of("alertname", "Watchdog"), CANARIES).why())
        .contains("neither a sluice_canary label nor namespace and app");
  }

  @Test
  void theReasonShowsTheMatchingLabelsFirstThenSeverityThenTheRestWithoutNoise() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("prometheus", "monitoring/k8s");
    labels.put("version", "v2");
    labels.put("alertname", "HighErrorRate");
    labels.put("severity", "page");
    labels.put("app", "cart");
    labels.put("namespace", "shop");
    labels.put("cluster", "eu-1");

    assertThat(AlertMatcher.describe(labels, Map.of("summary", " 7% of requests fail ")))
        .isEqualTo(
            "namespace=\"shop\", app=\"cart\", severity=\"page\", cluster=\"eu-1\","
                + " version=\"v2\"; summary: 7% of requests fail");
    assertThat(AlertMatcher.describe(Map.of("alertname", "X"), Map.of("description", "d")))
        .isEqualTo("summary: d");
    assertThat(AlertMatcher.describe(Map.of("namespace", "n".repeat(2000)), Map.of()))
        .hasSizeLessThanOrEqualTo(600);
  }
}
