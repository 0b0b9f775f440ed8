package dev.sluice.analysis.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The judge's U statistic and p-value against published reference values.
 *
 * <p>Commons Math 3.6.1's {@code MannWhitneyUTest} computes the two-sided p-value with the normal
 * approximation {@code z = (U - n1 n2 / 2) / sqrt(n1 n2 (n1 + n2 + 1) / 12)}, with no continuity
 * correction and no tie correction of the variance. The samples below have no ties, so the variance
 * is the one R and SciPy use too, and the matching published outputs are those computed without the
 * continuity correction: R's {@code wilcox.test(x, y, exact = FALSE, correct = FALSE)} and SciPy's
 * {@code mannwhitneyu(x, y, method="asymptotic", use_continuity=False)}. Where a source documents
 * only the continuity-corrected (or exact) p-value, the test says so and checks the value this
 * approximation gives from the same documented U.
 */
class MannWhitneyJudgeReferenceTest {

  /**
   * Hollander and Wolfe, Nonparametric Statistical Methods (1973), p. 69f: permeability constants
   * of the human chorioamnion at term ({@code x}) and at 12 to 26 weeks' gestation ({@code y}); the
   * example of R's {@code ?wilcox.test}, whose documented output is {@code W = 35} (R's W is the U
   * of the first sample) with the exact one-sided p-value 0.1272. Without the exact distribution
   * and without continuity correction the two-sided p-value is {@code 2 (1 - Phi(10 / sqrt(66.67)))
   * = 2 (1 - Phi(1.2247)) = 0.2207}, which is also what {@code wilcox.test(x, y, exact = FALSE,
   * correct = FALSE)} prints (p-value = 0.2207) and SciPy's {@code mannwhitneyu(x, y,
   * method="asymptotic", use_continuity=False)} gives (0.22067136191984693).
   */
  @Test
  void hollanderAndWolfePermeabilityExample() {
    double[] x = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
    double[] y = {1.15, 0.88, 0.90, 0.74, 1.21};

    assertThat(MannWhitneyJudge.uOfFirst(x, y)).isEqualTo(35.0);
    assertThat(MannWhitneyJudge.uOfFirst(y, x)).isEqualTo(15.0); // n1 n2 - 35

    Comparison c = MannWhitneyJudge.compare(x, y, settings(0.95, Direction.EITHER, 5));
    assertThat(c.u()).hasValue(35.0);
    assertThat(c.pValue().getAsDouble()).isCloseTo(0.2207, within(5e-5));
    assertThat(c.pValue().getAsDouble()).isCloseTo(0.22067136191984693, within(1e-12));
    // medians: x sorted 0.73 0.80 0.83 1.04 1.38 | 1.45 1.46 1.64 1.89 1.91 -> (1.38 + 1.45) / 2
    assertThat(c.canaryMedian().getAsDouble()).isCloseTo(1.415, within(1e-12));
    assertThat(c.stableMedian()).hasValue(0.90);
    assertThat(c.decision()).isEqualTo(Decision.PASS); // 0.22 >= 0.05: no significant difference
  }

  /**
   * SciPy's documentation of {@code scipy.stats.mannwhitneyu} (after Conover, Practical
   * Nonparametric Statistics): the ages of males {@code [19, 22, 16, 29, 24]} and females {@code
   * [20, 11, 17, 12]}, documented {@code U1 = 17}, exact p-value 0.1111 and, with {@code
   * method="asymptotic"} and its default continuity correction, p-value 0.11134688653314041.
   * Commons Math does not correct for continuity: the same U gives {@code z = 7 / sqrt(16.667) =
   * 1.7146} and a p-value of 0.0864107329737 ({@code use_continuity=False}); the documented
   * corrected value is the one for {@code z = (7 - 0.5) / sqrt(16.667)}, checked here through the
   * same normal CDF to show the two differ only by that half.
   */
  @Test
  void scipyDocumentationAgesExample() {
    double[] males = {19, 22, 16, 29, 24};
    double[] females = {20, 11, 17, 12};

    assertThat(MannWhitneyJudge.uOfFirst(males, females)).isEqualTo(17.0);
    Comparison c = MannWhitneyJudge.compare(males, females, settings(0.95, Direction.EITHER, 4));
    assertThat(c.u()).hasValue(17.0);
    assertThat(c.pValue().getAsDouble()).isCloseTo(0.0864107329737, within(1e-12));

    double sd = Math.sqrt(5 * 4 * (5 + 4 + 1) / 12.0);
    assertThat(twoSided((17 - 10 - 0.5) / sd)).isCloseTo(0.11134688653314041, within(1e-6));
    assertThat(twoSided((17 - 10) / sd)).isCloseTo(c.pValue().getAsDouble(), within(1e-6));
  }

  /**
   * The pooled sample's ties get their average rank (Commons Math's {@code TiesStrategy.AVERAGE}).
   */
  @Test
  void tiesCountHalf() {
    // every pair ties: U is n1 n2 / 2 and the test sees no difference at all
    double[] same = {3, 3, 3, 3};
    assertThat(MannWhitneyJudge.uOfFirst(same, new double[] {3, 3, 3})).isEqualTo(6.0);
    // x's 2s beat y's 1 (2 pairs) and tie y's 2 (2 pairs, a half each): U(x) = 2 + 1
    assertThat(MannWhitneyJudge.uOfFirst(new double[] {2, 2}, new double[] {1, 2})).isEqualTo(3.0);
  }

  /** 2 (1 - Phi(|z|)), Phi from erfc by the identity Phi(z) = erfc(-z / sqrt 2) / 2. */
  private static double twoSided(double z) {
    return erfc(Math.abs(z) / Math.sqrt(2));
  }

  /** erfc by Numerical Recipes' Chebyshev fit (fractional error below 1.2e-7). */
  private static double erfc(double x) {
    double t = 1 / (1 + 0.5 * Math.abs(x));
    double r =
        t
            * Math.exp(
                -x * x
                    - 1.26551223
                    + t
                        * (1.00002368
                            + t
                                * (0.37409196
                                    + t
                                        * (0.09678418
                                            + t
                                                * (-0.18628806
                                                    + t
                                                        * (0.27886807
                                                            + t
                                                                * (-1.13520398
                                                                    + t
                                                                        * (1.48851587
                                                                            + t
                                                                                * (-0.82215223
                                                                                    + t
                                                                                        * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }

  static CompareSettings settings(double confidence, Direction direction, int minPoints) {
    return new CompareSettings(confidence, 1.0, direction, NanStrategy.REMOVE, false, minPoints);
  }
}
