package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Timestamps#parse} must agree with {@link Instant#parse} on every input. */
class TimestampsTest {
  private static final long MAX_SECOND = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

  @ParameterizedTest
  @MethodSource("instantsAsWritten")
  void readsWhatInstantToStringWrites(String text) {
    assertThat(Timestamps.parse(text)).isEqualTo(Instant.parse(text));
  }

  @ParameterizedTest
  @MethodSource("nearMisses")
  void agreesWithInstantParseOnAnythingElse(String text) {
    assertThat(Timestamps.parse(text)).isEqualTo(reference(text));
  }

  static Stream<String> instantsAsWritten() {
    Random random = new Random(7);
    List<String> out =
        new ArrayList<>(
            List.of(
                "1970-01-01T00:00:00Z",
                "2000-02-29T23:59:59.999999999Z",
                "2026-11-26T00:59:44.1Z",
                "0000-01-01T00:00:00Z",
                "9999-12-31T23:59:59.000000001Z",
                "2024-12-31T12:00:00.120Z"));
    for (int i = 0; i < 600; i++) {
      long second = Math.floorMod(random.nextLong(), MAX_SECOND);
      int nanos =
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1_000;
            default -> random.nextInt(1_000_000_000);
          };
      out.add(Instant.ofEpochSecond(second, nanos).toString());
    }
    return out.stream();
  }

  /** Valid instants with one character changed, dropped or added, and some known traps. */
  static Stream<String> nearMisses() {
    Random random = new Random(11);
    String alphabet = "0123456789-:.TZtz+ 9";
    List<String> out =
        new ArrayList<>(
            List.of(
                "",
                "Z",
                "2026-02-29T00:00:00Z",
                "2026-04-31T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-00-10T00:00:00Z",
                "2026-01-00T00:00:00Z",
                "2026-01-01T24:00:00Z",
                "2026-01-01T23:60:00Z",
                "2016-12-31T23:59:60Z",
                "2026-01-01T00:00:00.Z",
                "2026-01-01T00:00:00.1234567890Z",
                "2026-01-01T00:00:00+01:00",
                "2026-01-01t00:00:00z",
                "+12026-01-01T00:00:00Z",
                "2026-01-01T00:00Z",
                "２０２６-01-01T00:00:00Z"));
    List<String> valid = instantsAsWritten().limit(200).toList();
    for (String v : valid) {
      int at = random.nextInt(v.length());
      char c = alphabet.charAt(random.nextInt(alphabet.length()));
      out.add(v.substring(0, at) + c + v.substring(at + 1));
      out.add(v.substring(0, at) + v.substring(at + 1));
      out.add(v.substring(0, at) + c + v.substring(at));
    }
    return out.stream();
  }

  private static Instant reference(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
