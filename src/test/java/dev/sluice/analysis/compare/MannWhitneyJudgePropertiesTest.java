package dev.sluice.analysis.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of the judge over generated samples (fixed seeds, so a failure reproduces): latencies
 * as a range query would give them, log-normal around a base with Gaussian noise.
 */
class MannWhitneyJudgePropertiesTest {
  private static final long SEED = 20;
  private static final int CASES = 40;

  /** One generated case: a seed, a base level and a sample size per side. */
  record Case(long seed, double base, int points) {
    double[] sample(Random random, double factor) {
      return IntStream.range(0, points)
          .mapToDouble(i -> base * factor * Math.exp(0.1 * random.nextGaussian()))
          .toArray();
    }

    @Override
    public String toString() {
      return "seed " + seed + ", base " + base + ", " + points + " points";
    }
  }

  static Stream<Case> cases() {
    Random r = new Random(SEED);
    return IntStream.range(0, CASES)
        .mapToObj(i -> new Case(r.nextLong(), 1 + r.nextDouble() * 1000, 20 + r.nextInt(100)));
  }

  private static CompareSettings settings(Direction direction, double minEffect) {
    return new CompareSettings(0.95, minEffect, direction, NanStrategy.REMOVE, false, 10);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void identicalSamplesPassInEveryDirection(Case c) {
    double[] sample = c.sample(new Random(c.seed()), 1);
    for (Direction d : Direction.values()) {
      Comparison result = MannWhitneyJudge.compare(sample, sample.clone(), settings(d, 1.0));
      assertThat(result.decision()).as(result.reason()).isEqualTo(Decision.PASS);
      assertThat(result.pValue()).hasValue(1.0);
      assertThat(result.effect()).hasValue(1.0);
      assertThat(result.u()).hasValue(c.points() * c.points() / 2.0);
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void aCanaryShiftedUpFailsForIncreaseAndPassesForDecrease(Case c) {
    Random random = new Random(c.seed());
    double[] stable = c.sample(random, 1);
    double[] canary = c.sample(random, 1.5); // 50% higher, noise of about 10%

    Comparison increase =
        MannWhitneyJudge.compare(canary, stable, settings(Direction.INCREASE, 1.2));
    assertThat(increase.decision()).as(increase.reason()).isEqualTo(Decision.FAIL);
    assertThat(increase.effect().getAsDouble()).isGreaterThan(1.2);
    assertThat(increase.pValue().getAsDouble()).isLessThan(0.05);

    assertThat(MannWhitneyJudge.compare(canary, stable, settings(Direction.EITHER, 1.2)).decision())
        .isEqualTo(Decision.FAIL);
    Comparison decrease =
        MannWhitneyJudge.compare(canary, stable, settings(Direction.DECREASE, 1.2));
    assertThat(decrease.decision()).as(decrease.reason()).isEqualTo(Decision.PASS);

    // the mirror image: a canary shifted down fails for decrease only
    Comparison down = MannWhitneyJudge.compare(stable, canary, settings(Direction.DECREASE, 1.2));
    assertThat(down.decision()).as(down.reason()).isEqualTo(Decision.FAIL);
    assertThat(
            MannWhitneyJudge.compare(stable, canary, settings(Direction.INCREASE, 1.2)).decision())
        .isEqualTo(Decision.PASS);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void aSignificantShiftBelowTheMinimumEffectPasses(Case c) {
    Random random = new Random(c.seed());
    double[] stable = c.sample(random, 1);
    double[] canary = c.sample(random, 1.5);
    Comparison result = MannWhitneyJudge.compare(canary, stable, settings(Direction.INCREASE, 3));
    assertThat(result.pValue().getAsDouble()).isLessThan(0.05);
    assertThat(result.decision()).as(result.reason()).isEqualTo(Decision.PASS);
    assertThat(result.reason()).contains("less than the minimum effect");
  }

  @ParameterizedTest
  @MethodSource("cases")
  void tooFewPointsIsInconclusiveNeverPass(Case c) {
    Random random = new Random(c.seed());
    double[] sample = c.sample(random, 1);
    int few = random.nextInt(c.points()); // 0 .. points - 1
    double[] short1 = Arrays.copyOf(sample, few);
    CompareSettings needsAll =
        new CompareSettings(0.95, 1.0, Direction.EITHER, NanStrategy.REMOVE, false, c.points());
    for (Comparison r :
        new Comparison[] {
          MannWhitneyJudge.compare(short1, sample, needsAll),
          MannWhitneyJudge.compare(sample, short1, needsAll)
        }) {
      assertThat(r.decision()).as(r.reason()).isEqualTo(Decision.INCONCLUSIVE);
      assertThat(r.pValue()).isEmpty();
      assertThat(r.reason()).contains("too few points");
    }
    assertThat(MannWhitneyJudge.compare(sample, sample, needsAll).decision())
        .isEqualTo(Decision.PASS);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void nanPointsAreRemovedOrCountedAsZero(Case c) {
    Random random = new Random(c.seed());
    double[] stable = c.sample(random, 1);
    double[] canary = c.sample(random, 1);
    // a third of the canary's points are NaN (steps with nothing to compute from)
    double[] holes = canary.clone();
    int nans = 0;
    for (int i = 0; i < holes.length; i += 3) {
      holes[i] = Double.NaN;
      nans++;
    }
    Comparison removed = MannWhitneyJudge.compare(holes, stable, settings(Direction.EITHER, 1.1));
    assertThat(removed.canaryPoints()).isEqualTo(holes.length - nans);
    assertThat(removed.decision()).as(removed.reason()).isNotEqualTo(Decision.FAIL);

    // as zero, a third of the canary is far below stable: that fails a "decrease is bad" metric
    CompareSettings zero =
        new CompareSettings(0.95, 1.1, Direction.DECREASE, NanStrategy.ZERO, false, 10);
    Comparison zeroed = MannWhitneyJudge.compare(holes, stable, zero);
    assertThat(zeroed.canaryPoints()).isEqualTo(holes.length);
    assertThat(zeroed.u().getAsDouble())
        .isLessThan(MannWhitneyJudge.compare(canary, stable, zero).u().getAsDouble());

    // all NaN: nothing left, inconclusive
    double[] allNan = new double[c.points()];
    Arrays.fill(allNan, Double.NaN);
    Comparison none = MannWhitneyJudge.compare(allNan, stable, settings(Direction.EITHER, 1.1));
    assertThat(none.decision()).isEqualTo(Decision.INCONCLUSIVE);
    assertThat(none.canaryMedian()).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void outliersAreDroppedOnlyWhenAsked(Case c) {
    Random random = new Random(c.seed());
    double[] stable = c.sample(random, 1);
    double[] canary = c.sample(random, 1);
    // a few enormous spikes on the canary, a tenth of its points (a quarter would move Q3 itself)
    for (int i = 0; i < canary.length / 10; i++) {
      canary[i] = c.base() * 1000;
    }
    CompareSettings keep =
        new CompareSettings(0.95, 1.0, Direction.INCREASE, NanStrategy.REMOVE, false, 10);
    CompareSettings drop =
        new CompareSettings(0.95, 1.0, Direction.INCREASE, NanStrategy.REMOVE, true, 10);
    Comparison kept = MannWhitneyJudge.compare(canary, stable, keep);
    Comparison dropped = MannWhitneyJudge.compare(canary, stable, drop);
    assertThat(kept.canaryPoints()).isEqualTo(canary.length);
    // every spike goes; Tukey's fences may also take a genuine point from the sample's tail
    int spikes = canary.length / 10;
    assertThat(Arrays.stream(MannWhitneyJudge.clean(canary, drop)).max().getAsDouble())
        .isLessThan(c.base() * 100);
    assertThat(dropped.canaryPoints())
        .isBetween(canary.length - spikes - canary.length / 20, canary.length - spikes);
    assertThat(MannWhitneyJudge.clean(stable, keep)).hasSize(stable.length);
    assertThat(dropped.u().getAsDouble()).isLessThan(kept.u().getAsDouble());
  }
}
