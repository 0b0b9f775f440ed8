package dev.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.analysis.QueryResult;
import dev.sluice.analysis.QueryResult.Matrix;
import dev.sluice.analysis.QueryResult.Series;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Range query answers ({@code /api/v1/query_range}): matrices, as the Prometheus API documents. */
class PrometheusRangeAnswerParserTest {

  @Test
  void matrixWithTwoSeriesKeepsTheirLabelsAndValuesInOrder() {
    // the example of the Prometheus HTTP API documentation, "Range queries"
    String body =
        """
        {"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"__name__":"up","job":"prometheus","instance":"localhost:9090"},
           "values":[[1435781430.781,"1"],[1435781445.781,"1"],[1435781460.781,"1"]]},
          {"metric":{"__name__":"up","job":"node","instance":"localhost:9091"},
           "values":[[1435781430.781,"0"],[1435781445.781,"0"],[1435781460.781,"1"]]}]}}
        """;
    QueryResult r = PrometheusAnswerParser.parseRange(body);
    assertThat(r)
        .isEqualTo(
            new Matrix(
                List.of(
                    new Series(
                        Map.of("__name__", "up", "job", "prometheus", "instance", "localhost:9090"),
                        List.of(1.0, 1.0, 1.0)),
                    new Series(
                        Map.of("__name__", "up", "job", "node", "instance", "localhost:9091"),
                        List.of(0.0, 0.0, 1.0)))));
  }

  @Test
  void nanAndInfinitiesAreKeptForTheJudge() {
    String body =
        """
        {"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{},"values":[[1,"NaN"],[2,"+Inf"],[3,"0.25"]]}]}}
        """;
    Matrix m = (Matrix) PrometheusAnswerParser.parseRange(body);
    assertThat(m.series().get(0).points())
        .containsExactly(Double.NaN, Double.POSITIVE_INFINITY, 0.25);
  }

  @Test
  void noSeriesIsAnEmptyMatrix() {
    assertThat(
            PrometheusAnswerParser.parseRange(
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}"))
        .isEqualTo(new Matrix(List.of()));
  }

  @Test
  void aVectorOrAGarbledMatrixIsAFailure() {
    assertThat(
            PrometheusAnswerParser.parseRange(
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}"))
        .isInstanceOfSatisfying(
            QueryResult.Failure.class,
            f -> assertThat(f.reason()).contains("a range query answers a matrix"));
    assertThat(
            PrometheusAnswerParser.parseRange(
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                    + "{\"metric\":{},\"values\":[[1,\"x\"]]}]}}"))
        .isInstanceOfSatisfying(
            QueryResult.Failure.class,
            f -> assertThat(f.reason()).startsWith("malformed answer").contains("not a number"));
    assertThat(
            PrometheusAnswerParser.parseRange(
                "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"exceeded maximum"
                    + " resolution of 11,000 points per timeseries\"}"))
        .isInstanceOfSatisfying(
            QueryResult.Failure.class, f -> assertThat(f.reason()).contains("11,000 points"));
  }
}
