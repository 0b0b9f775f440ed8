package dev.sluice.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No value can change a query's meaning: hostile values are refused, and any value that is accepted
 * lands verbatim inside its quotes with nothing else in the query changed.
 */
class TemplateRendererHostileValuesTest {

  static final String PREFIX = "sum(rate(istio_requests_total{destination_app=\"";
  static final String SUFFIX = "\",reporter=\"destination\"}[1m]))";

  /** A template whose query puts {@code {{ var }}} inside a label matcher's quotes. */
  static Template templateUsing(String var, boolean declareArg) {
    return new Template(
        "t",
        declareArg ? List.of(TemplateArg.required(var)) : List.of(),
        List.of(
            new TemplateMetric(
                "m",
                PREFIX + "{{ " + var + " }}" + SUFFIX.replace("[1m]", "[{{ window }}]"),
                null,
                null,
                "1",
                new TemplateMetric.Traffic("sum(x{a=\"{{ " + var + " }}\"})", "1"))));
  }

  /** Renders with {@code value} given either as the Canary argument "v" or as a builtin. */
  static Check render(String source, String value) {
    if (source.equals("argument")) {
      return TemplateRenderer.render(
              templateUsing("v", true),
              Map.of("v", value),
              Builtins.of("ns", "app", "v2", "v1", "c"))
          .get(0);
    }
    Map<String, String> builtins = new HashMap<>(Builtins.of("ns", "app", "v2", "v1", "c"));
    builtins.put(source, value);
    return TemplateRenderer.render(templateUsing(source, false), Map.of(), builtins).get(0);
  }

  static final List<String> SOURCES =
      List.of(
          "argument",
          Builtins.NAMESPACE,
          Builtins.APP,
          Builtins.CANARY_VERSION,
          Builtins.STABLE_VERSION,
          Builtins.CANARY_NAME);

  static final List<String> HOSTILE =
      List.of(
          "",
          " ",
          "\"",
          "v2\"",
          "v2\"}",
          "v2\"} or vector(1) #",
          "v2\",destination_version=~\".*",
          "v2\"}[1m])) or sum(rate(x{a=\"",
          ".*",
          "v1|v2",
          "=~v2",
          "!=v2",
          "v2 ",
          " v2",
          "v 2",
          "v2\n",
          "v2\nor vector(1)",
          "v2\r",
          "v2\t",
          "v2\\",
          "v2\\\"",
          "{{ app }}",
          "{{app}}",
          "}}",
          "{",
          "}",
          "v2}",
          "v2)",
          "(v2",
          "v2,a",
          "a=b",
          "a/b",
          "a:b",
          "'v2'",
          "`v2`",
          "$(id)",
          "${app}",
          "v2#",
          "v\u00e92",
          "\uff562",
          "v2\u0000",
          "-v2",
          "v2-",
          "_v2",
          "v2_",
          ".v2",
          "v2.",
          ".",
          "-",
          "a".repeat(64),
          "1e999");

  static Stream<Arguments> hostileValues() {
    return SOURCES.stream().flatMap(s -> HOSTILE.stream().map(v -> Arguments.of(s, v)));
  }

  @ParameterizedTest(name = "{0} = [{1}] is refused")
  @MethodSource("hostileValues")
  void hostileValuesAreRefused(String source, String value) {
    // "1e999" is a valid label value, kept as a control: it must pass here (it only fails as a
    // bound)
    if (value.equals("1e999")) {
      assertThat(render(source, value).query()).isEqualTo(PREFIX + value + SUFFIX);
      return;
    }
    String named = source.equals("argument") ? "argument v" : "builtin " + source;
    assertThatThrownBy(() -> render(source, value))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageContaining(named)
        .hasMessageContaining("not a non-empty Kubernetes label value");
  }

  @Test
  void validLabelValuesAreAccepted() {
    for (String value : List.of("v2", "a", "0", "my-app.prod_1", "V2-rc.1", "a".repeat(63))) {
      for (String source : SOURCES) {
        assertThat(render(source, value).query()).isEqualTo(PREFIX + value + SUFFIX);
      }
    }
  }

  // ---- generated inputs -----------------------------------------------------------------

  static final long SEED = Long.getLong("sluice.test.seed", 20261125L);
  static final String VALID_CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
  static final String HOSTILE_CHARS = "\"\\{}()[] \n\r\t=~!|,#'`$:/*+?^\u00e9\u0000\u2028\uff56";

  static String randomValue(Random random) {
    int length = random.nextInt(70);
    boolean validOnly = random.nextInt(3) == 0; // a third from the valid alphabet alone
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      String alphabet =
          validOnly || random.nextInt(8) != 0 ? VALID_CHARS : HOSTILE_CHARS; // hostile chars 1 in 8
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  static Stream<Arguments> generatedValues() {
    Random random = new Random(SEED);
    List<Arguments> cases = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      cases.add(Arguments.of(SOURCES.get(random.nextInt(SOURCES.size())), randomValue(random)));
    }
    return cases.stream();
  }

  /** The definition of a safe value, written independently of the renderer's regex. */
  static boolean isSafe(String value) {
    if (value.isEmpty() || value.length() > 63) {
      return false;
    }
    for (char c : value.toCharArray()) {
      if (VALID_CHARS.indexOf(c) < 0) {
        return false;
      }
    }
    return Character.isLetterOrDigit(value.charAt(0))
        && Character.isLetterOrDigit(value.charAt(value.length() - 1));
  }

  @ParameterizedTest(name = "[{index}] {0} = {1}")
  @MethodSource("generatedValues")
  void aValueIsEitherRefusedOrLandsVerbatimInsideItsQuotes(String source, String value) {
    Check check;
    try {
      check = render(source, value);
    } catch (InvalidTemplateException refused) {
      assertThat(isSafe(value)).as("a safe value was refused: %s", refused.getMessage()).isFalse();
      return;
    }
    assertThat(isSafe(value)).as("an unsafe value was accepted").isTrue();
    assertThat(check.query()).isEqualTo(PREFIX + value + SUFFIX);
    assertThat(check.trafficQuery()).isEqualTo("sum(x{a=\"" + value + "\"})");
    assertThat(check.promql())
        .isEqualTo(
            "label_replace(("
                + PREFIX
                + value
                + SUFFIX
                + "), \"sluice_part\", \"value\", \"\", \"\") or label_replace((sum(x{a=\""
                + value
                + "\"})), \"sluice_part\", \"traffic\", \"\", \"\")");
  }

  @Test
  void theGeneratedInputsExerciseBothSides() {
    long safe = generatedValues().filter(a -> isSafe((String) a.get()[1])).count();
    assertThat(safe).as("accepted cases").isGreaterThan(100);
    assertThat(600 - safe).as("refused cases").isGreaterThan(100);
  }
}
