package dev.sluice.metrics;

import static dev.sluice.metrics.QueryResults.failure;
import static dev.sluice.metrics.QueryResults.samples;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.analysis.QueryResult.Sample;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PrometheusAnswerParserTest {

  private static String vectorOf(String value) {
    return """
        {"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"job":"api"},"value":[1700000000.123,"%s"]}]}}
        """
        .formatted(value);
  }

  @Test
  void vectorWithOneSeries() {
    String body =
        """
        {"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"__name__":"up","job":"prometheus","instance":"localhost:9090"},
           "value":[1435781451.781,"1"]}]}}
        """;

    assertThat(samples(PrometheusAnswerParser.parse(body)))
        .containsExactly(
            new Sample(
                Map.of("__name__", "up", "job", "prometheus", "instance", "localhost:9090"), 1.0));
  }

  @Test
  void vectorWithSeveralSeriesKeepsEachOnesLabels() {
    String body =
        """
        {"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"version":"v1"},"value":[1700000000,"0.25"]},
          {"metric":{"version":"v2"},"value":[1700000000,"-3e-2"]},
          {"metric":{},"value":[1700000000,"42"]}]}}
        """;

    assertThat(samples(PrometheusAnswerParser.parse(body)))
        .containsExactly(
            new Sample(Map.of("version", "v1"), 0.25),
            new Sample(Map.of("version", "v2"), -0.03),
            new Sample(Map.of(), 42.0));
  }

  @Test
  void emptyVectorIsNoSeriesNotAFailure() {
    String body =
        """
        {"status":"success","data":{"resultType":"vector","result":[]}}
        """;

    assertThat(samples(PrometheusAnswerParser.parse(body))).isEmpty();
  }

  @Test
  void specialValuesBecomeDoubles() {
    assertThat(samples(PrometheusAnswerParser.parse(vectorOf("NaN"))).get(0).value()).isNaN();
    assertThat(samples(PrometheusAnswerParser.parse(vectorOf("+Inf"))).get(0).value())
        .isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(samples(PrometheusAnswerParser.parse(vectorOf("-Inf"))).get(0).value())
        .isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void scalarIsOneSampleWithoutLabels() {
    String body =
        """
        {"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"0.995"]}}
        """;

    assertThat(samples(PrometheusAnswerParser.parse(body)))
        .containsExactly(new Sample(Map.of(), 0.995));
  }

  @Test
  void matrixAndStringAreUnexpectedTypes() {
    String matrix =
        """
        {"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"job":"api"},"values":[[1700000000,"1"],[1700000015,"2"]]}]}}
        """;
    String string =
        """
        {"status":"success","data":{"resultType":"string","result":[1700000000,"hello"]}}
        """;

    assertThat(failure(PrometheusAnswerParser.parse(matrix)))
        .startsWith("unexpected result type \"matrix\"")
        .contains("rate()");
    assertThat(failure(PrometheusAnswerParser.parse(string)))
        .startsWith("unexpected result type \"string\"");
    assertThat(PrometheusAnswerParser.read(matrix).kind()).isEqualTo(FailureKind.UNEXPECTED_TYPE);
  }

  @Test
  void nativeHistogramIsAnUnexpectedType() {
    String body =
        """
        {"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"job":"api"},"histogram":[1700000000,{"count":"3","sum":"1.5","buckets":[]}]}]}}
        """;

    assertThat(failure(PrometheusAnswerParser.parse(body)))
        .startsWith("unexpected result type")
        .contains("native histogram");
  }

  @Test
  void errorAnswerCarriesErrorTypeAndMessage() {
    String body =
        """
        {"status":"error","errorType":"bad_data",
         "error":"invalid parameter \\"query\\": 1:6: parse error: unexpected end of input"}
        """;

    PrometheusAnswerParser.Parsed parsed = PrometheusAnswerParser.read(body);

    assertThat(failure(parsed.result()))
        .contains("bad_data")
        .contains("invalid parameter \"query\": 1:6: parse error: unexpected end of input");
    assertThat(parsed.kind()).isEqualTo(FailureKind.BAD_DATA);
  }

  @Test
  void errorAnswerOfAnotherTypeIsAQueryError() {
    String body =
        """
        {"status":"error","errorType":"execution","error":"query processing would load too many samples"}
        """;

    PrometheusAnswerParser.Parsed parsed = PrometheusAnswerParser.read(body);

    assertThat(failure(parsed.result())).contains("execution").contains("too many samples");
    assertThat(parsed.kind()).isEqualTo(FailureKind.QUERY_ERROR);
  }

  @Test
  void errorAnswerWithoutDetailsStillFails() {
    assertThat(failure(PrometheusAnswerParser.parse("{\"status\":\"error\"}")))
        .contains("unknown")
        .contains("(no message)");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "not json at all",
        "<html><body>502 Bad Gateway</body></html>",
        "{\"status\":\"success\"",
        "{\"status\":\"success\",\"data\":{}} trailing",
        "[]",
        "42",
        "null",
        "{}",
        "{\"status\":42}",
        "{\"status\":\"pending\"}",
        "{\"status\":\"success\"}",
        "{\"status\":\"success\",\"data\":[]}",
        "{\"status\":\"success\",\"data\":{\"result\":[]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":null}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"histogram\",\"result\":[]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[1]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1,\"1\"]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":1},\"value\":[1,\"1\"]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,2]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[\"t\",\"2\"]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"abc\"]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"0x1p3\"]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"Infinity\"]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"\"]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"x\"]}}",
        "{\"status\":\"success\",\"status\":\"error\",\"data\":{}}"
      })
  void garbageIsAMalformedAnswer(String body) {
    PrometheusAnswerParser.Parsed parsed = PrometheusAnswerParser.read(body);

    assertThat(failure(parsed.result())).startsWith("malformed answer: ");
    assertThat(parsed.kind()).isEqualTo(FailureKind.MALFORMED);
  }

  @Test
  void nullBodyIsMalformed() {
    assertThat(failure(PrometheusAnswerParser.parse(null)))
        .isEqualTo("malformed answer: the body is empty");
  }

  @Test
  void malformedReasonQuotesTheStartOfALongBody() {
    String page = "<html>" + "x".repeat(5000) + "</html>";

    String reason = failure(PrometheusAnswerParser.parse(page));

    assertThat(reason).contains("<html>xxx").endsWith("...").hasSizeLessThan(400);
  }

  @Test
  void warningsAndInfosAreIgnored() {
    String body =
        """
        {"status":"success","data":{"resultType":"vector","result":[
          {"metric":{},"value":[1700000000,"7"]}]},
         "warnings":["PromQL info: metric might not be a counter"],"infos":["x"]}
        """;

    assertThat(samples(PrometheusAnswerParser.parse(body)))
        .containsExactly(new Sample(Map.of(), 7));
  }
}
