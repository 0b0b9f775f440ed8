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
}
