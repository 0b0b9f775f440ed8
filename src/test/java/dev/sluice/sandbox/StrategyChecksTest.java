package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The release-strategy scenarios' checks hold for a release written as the design says and fail for
 * one that is not (replayed through the mesh's rules, {@link ReleaseReplay}).
 */
class StrategyChecksTest {
  private static final String NS = "sandbox-x";
  private static final String TOKEN = "0badcafe";

  private static Map<String, Object> checks(
      Scenario scenario, ReleaseReplay r, Map<String, Long> copies) {
    return StrategyChecks.of(
        scenario, r.stages(), r.report(), r.answered(), copies, ReleaseReplay.T0);
  }

  @Test
  void abtestHoldsWhenOnlyInsidersReachedV2AndFailsOnAWeightStep() throws IOException {
    ReleaseReplay good = new ReleaseReplay(Scenario.INSIDERS);
    GenericKubernetesResource seed = good.seed();
    GenericKubernetesResource ab =
        SluiceRoutes.match(seed, NS, "helloworld", SluiceRoutes.headerExact("x-canary", "insider"));
    good.then(seed, 50).then(ab, 300).then(SluiceRoutes.only(seed, "v2"), 50);
    Map<String, Object> c = checks(Scenario.ABTEST, good, Map.of());
    assertThat(c).containsEntry("held", true).containsEntry("usersAnsweredByV2BeforeTheEnd", 0L);
    assertThat((Long) c.get("insidersAnsweredByV2BeforeTheEnd")).isPositive();

    ReleaseReplay stepped = new ReleaseReplay(Scenario.INSIDERS);
    stepped.then(seed, 50).then(ab, 300).then(SluiceRoutes.weights(seed, 50, 50), 100);
    stepped.then(SluiceRoutes.only(seed, "v2"), 50);
    Map<String, Object> bad = checks(Scenario.ABTEST, stepped, Map.of());
    assertThat(bad).containsEntry("held", false).containsEntry("anyWeightStep", true);
    assertThat((Long) bad.get("usersAnsweredByV2BeforeTheEnd")).isPositive();
  }

  @Test
  void mirrorHoldsWhenTheRollbackCameDuringTheMirrorAndFailsWhenV2GotWeight() throws IOException {
    ReleaseReplay r = new ReleaseReplay();
    GenericKubernetesResource seed = r.seed();
    r.then(seed, 50)
        .then(SluiceRoutes.weights(seed, 100, 0), 50)
        .then(SluiceRoutes.mirror(seed, 100), 200)
        .then(SluiceRoutes.only(seed, "v1"), 50);
    Map<String, Object> c = checks(Scenario.MIRROR, r, Map.of("v2 500", 40L, "v2 200", 160L));
    assertThat(c)
        .containsEntry("held", true)
        .containsEntry("copiesMirroredToV2", 200L)
        .containsEntry("requestsAnsweredByV2", 0L)
        .containsEntry("rolledBackWhileTheMirrorWasOn", true);
    assertThat(checks(Scenario.MIRROR, r, Map.of())).containsEntry("held", false);

    ReleaseReplay late = new ReleaseReplay();
    late.then(seed, 50)
        .then(SluiceRoutes.mirror(seed, 100), 100)
        .then(SluiceRoutes.weights(seed, 90, 10), 100)
        .then(SluiceRoutes.only(seed, "v1"), 50);
    assertThat(checks(Scenario.MIRROR, late, Map.of("v2 500", 100L)))
        .containsEntry("held", false)
        .containsEntry("v2EverGivenWeight", true)
        .containsEntry("rolledBackWhileTheMirrorWasOn", false);
  }

  @Test
  void affinityHoldsUnderStickyRoutesAndFailsWithoutThem() throws IOException {
    ReleaseReplay sticky = new ReleaseReplay();
    GenericKubernetesResource seed = sticky.seed();
    ReleaseReplay plain = new ReleaseReplay();
    for (ReleaseReplay r : new ReleaseReplay[] {sticky, plain}) {
      r.then(seed, 50).then(SluiceRoutes.weights(seed, 100, 0), 50);
      for (int w : new int[] {10, 30, 50, 80}) {
        r.then(
            r == sticky
                ? SluiceRoutes.sticky(
                    seed, NS, "helloworld", "sluice-session", TOKEN, 3600, 100 - w, w)
                : SluiceRoutes.weights(seed, 100 - w, w),
            200);
      }
      r.then(SluiceRoutes.only(seed, "v2"), 50);
    }
    assertThat(checks(Scenario.AFFINITY, sticky, Map.of()))
        .containsEntry("held", true)
        .containsEntry("sessionsThatSawBothVersions", 0L);
    Map<String, Object> bad = checks(Scenario.AFFINITY, plain, Map.of());
    assertThat(bad).containsEntry("held", false);
    assertThat((Long) bad.get("sessionsThatSawBothVersions")).isPositive();
  }

  @Test
  void bluegreenHoldsForOneSwitchAndFailsForAStepInBetween() throws IOException {
    ReleaseReplay r = new ReleaseReplay(Scenario.PREVIEW_TESTERS);
    GenericKubernetesResource seed = r.seed();
    GenericKubernetesResource preview =
        SluiceRoutes.match(
            seed, NS, "helloworld", SluiceRoutes.headerExact("x-sluice-preview", "true"));
    r.then(seed, 50)
        .then(preview, 200)
        .then(SluiceRoutes.weights(seed, 0, 100), 200)
        .then(SluiceRoutes.only(seed, "v2"), 50);
    Map<String, Object> c = checks(Scenario.BLUEGREEN, r, Map.of());
    assertThat(c)
        .containsEntry("held", true)
        .containsEntry("usersAnsweredByV2BeforeTheSwitch", 0L)
        .containsEntry("switchInOneWrite", true)
        .containsEntry("switchRoutedAtSeconds", 30.0);
    assertThat(c.get("usersAnsweredByV2AfterTheSwitch"))
        .isEqualTo(c.get("usersAnsweredAfterTheSwitch"));

    ReleaseReplay halfway = new ReleaseReplay(Scenario.PREVIEW_TESTERS);
    halfway
        .then(seed, 50)
        .then(preview, 200)
        .then(SluiceRoutes.weights(seed, 50, 50), 100)
        .then(SluiceRoutes.weights(seed, 0, 100), 100)
        .then(SluiceRoutes.only(seed, "v2"), 50);
    Map<String, Object> bad = checks(Scenario.BLUEGREEN, halfway, Map.of());
    assertThat(bad).containsEntry("held", false).containsEntry("switchInOneWrite", false);
    assertThat((Long) bad.get("usersAnsweredByV2BeforeTheSwitch")).isPositive();
  }
}
