package dev.sluice.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class CheckTest {

  @Test
  void withoutATrafficGuardTheValueQueryIsRunAlone() {
    Check check =
        new Check("t", "m", "sum(x)", OptionalDouble.empty(), OptionalDouble.of(1), null, 0);
    assertThat(check.promql()).isEqualTo("sum(x)");
    assertThat(check.id()).isEqualTo("t/m");
  }

  @Test
  void withATrafficGuardBothPartsGoInOneQueryTellingThemApartByALabel() {
    Check check =
        new Check("t", "m", "a / b", OptionalDouble.empty(), OptionalDouble.of(1), "sum(c)", 20);
    assertThat(check.promql())
        .isEqualTo(
            "label_replace((a / b), \"sluice_part\", \"value\", \"\", \"\")"
                + " or label_replace((sum(c)), \"sluice_part\", \"traffic\", \"\", \"\")");
  }

  @Test
  void aCommentOnTheLastLineCannotSwallowTheClosingParenthesis() {
    Check check =
        new Check(
            "t", "m", "sum(x) # the value", OptionalDouble.empty(), OptionalDouble.of(1), "c", 1);
    assertThat(check.promql())
        .startsWith("label_replace((sum(x) # the value\n), \"sluice_part\", \"value\"")
        .endsWith("label_replace((c), \"sluice_part\", \"traffic\", \"\", \"\")");
  }
}
