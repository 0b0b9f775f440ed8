package dev.sluice.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a Canary's {@code route} names a route, and which values are refused. */
class RouteSelectorTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      nullValues = "-",
      delimiter = '|',
      textBlock =
          """
          -          | -    | -        | -1
          primary    | http | primary  | -1
          http[2]    | http | -        | 2
          tls[0]     | tls  | -        | 0
          tcp[13]    | tcp  | -        | 13
          my route   | http | my route | -1
          """)
  void readsEachForm(String route, String kind, String name, int index) {
    assertThat(RouteSelector.parse(route)).isEqualTo(new RouteSelector(kind, name, index));
    assertThat(RouteSelector.problem(route)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          tcp[first]
          TCP[0]
          tcp[-1]
          tls[]
          http [1]
          tcp[0
          tcp[12345]
          """)
  void refusesWhatLooksPositionalButIsNot(String route) {
    assertThat(RouteSelector.problem(route)).hasValueSatisfying(p -> p.contains("tcp[N]"));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(value = {"''", "' '"})
  void refusesAnEmptyRoute(String route) {
    assertThat(RouteSelector.problem(route)).hasValueSatisfying(p -> p.contains("empty"));
  }
}
