package dev.sluice.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValuesTest {

  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "-0.0, 0",
    "12, 12",
    "19.5, 19.5",
    "0.01, 0.01",
    "0.0100001, 0.0100001",
    "0.30000000000000004, 0.30000000000000004",
    "2485.0, 2485",
    "1e-9, 1.0E-9",
    "1e20, 1.0E20",
    "-3.25, -3.25",
    "Infinity, +Inf",
    "-Infinity, -Inf",
    "NaN, NaN",
  })
  void numbersArePrintedInFullForPeople(double value, String printed) {
    assertThat(Values.format(value)).isEqualTo(printed);
  }

  @ParameterizedTest
  @CsvSource({
    "190.79798702559998, 20, 190.798",
    "0.45634044107484995, 20, 0.45634",
    "24.849999999999998, 500, 24.85",
    "0.16666666666666666, 0.01, 0.166667",
    "19.9999999, 20, 19.9999999",
    "20.0000001, 20, 20.0000001",
    "0.010000001, 0.01, 0.010000001",
    "0.009999999, 0.01, 0.009999999",
    "0.01, 0.01, 0.01",
    "3600000, 500, 3600000",
  })
  void measuredNumbersAreShortenedUnlessThatCrossesABound(
      double value, double bound, String printed) {
    assertThat(Values.formatAgainst(value, bound)).isEqualTo(printed);
  }
}
