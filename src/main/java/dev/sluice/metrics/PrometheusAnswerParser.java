package dev.sluice.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sluice.analysis.QueryResult;
import dev.sluice.analysis.QueryResult.Failure;
import dev.sluice.analysis.QueryResult.Matrix;
import dev.sluice.analysis.QueryResult.Sample;
import dev.sluice.analysis.QueryResult.Samples;
import dev.sluice.analysis.QueryResult.Series;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the JSON body of a Prometheus {@code GET /api/v1/query} answer into a {@link QueryResult}.
 * Pure: no I/O, no state; safe from any thread.
 *
 * <ul>
 *   <li>{@code vector}: one {@link Sample} per series, with its labels and value;
 *   <li>{@code scalar}: one sample without labels;
 *   <li>{@code matrix}, {@code string}: a failure ("unexpected result type"), since a check judges
 *       one number per series;
 *   <li>{@code status: error}: a failure carrying Prometheus' {@code errorType} and {@code error};
 *   <li>anything else (not JSON, empty, a field missing or of the wrong type): a failure starting
 *       with "malformed answer".
 * </ul>
 *
 * <p>Sample values are Prometheus' strings: {@code "NaN"}, {@code "+Inf"} and {@code "-Inf"} become
 * the matching doubles, the judge decides what they mean.
 */
public final class PrometheusAnswerParser {

  /** A parsed answer with, when it is a failure, the kind used to tag the error counter. */
  record Parsed(QueryResult result, FailureKind kind) {
    static Parsed ok(QueryResult result) {
      return new Parsed(result, null);
    }

    static Parsed failed(FailureKind kind, String reason) {
      return new Parsed(new Failure(reason), kind);
    }

    boolean failed() {
      return kind != null;
    }
  }

  // Strict: trailing tokens or a key given twice mean the body is not what Prometheus sends.
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  // A plain decimal number, as Go's strconv formats a float (exponent allowed for other backends).
  // Double.parseDouble alone would also take "0x1p3", "1d" or "Infinity".
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

  private static final int SNIPPET = 200;

  private PrometheusAnswerParser() {}

  /**
   * Parses one answer body.
   *
   * @param body the HTTP body as received, possibly {@code null} or empty
   * @return the samples, or a failure whose reason says what was wrong; never {@code null}
   */
  public static QueryResult parse(String body) {
    return read(body).result();
  }

  /**
   * Parses one answer body of a range query ({@code /api/v1/query_range}): a {@code matrix} becomes
   * a {@link Matrix}; errors and malformed bodies as for {@link #parse}; any other result type is a
   * failure.
   */
  public static QueryResult parseRange(String body) {
    return readRange(body).result();
  }

  static Parsed readRange(String body) {
    return read(body, true);
  }

  static Parsed read(String body) {
    return read(body, false);
  }

  private static Parsed read(String body, boolean range) {
    if (body == null || body.isBlank()) {
      return malformed("the body is empty");
    }
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return malformed("not JSON (" + e.getOriginalMessage() + "): " + snippet(body));
    }
    if (root == null || !root.isObject()) {
      return malformed("expected a JSON object, got: " + snippet(body));
    }
    JsonNode status = root.get("status");
    if (status == null || !status.isTextual()) {
      return malformed("no \"status\" field: " + snippet(body));
    }
    return switch (status.asText()) {
      case "success" -> range ? readRangeData(root.get("data")) : readData(root.get("data"));
      case "error" -> readError(root);
      default -> malformed("unknown status \"" + status.asText() + "\"");
    };
  }

  /** Prometheus' error answer: {@code {"status":"error","errorType":"...","error":"..."}}. */
  private static Parsed readError(JsonNode root) {
    JsonNode type = root.get("errorType");
    JsonNode error = root.get("error");
    String errorType = type != null && type.isTextual() ? type.asText() : "unknown";
    String message = error != null && error.isTextual() ? error.asText() : "(no message)";
    if ("bad_data".equals(errorType)) {
      return Parsed.failed(
          FailureKind.BAD_DATA, "Prometheus rejected the query (bad_data): " + message);
    }
    return Parsed.failed(
        FailureKind.QUERY_ERROR,
        "Prometheus could not run the query (" + errorType + "): " + message);
  }

  private static Parsed readData(JsonNode data) {
    if (data == null || !data.isObject()) {
      return malformed("no \"data\" object");
    }
    JsonNode type = data.get("resultType");
    if (type == null || !type.isTextual()) {
      return malformed("no \"data.resultType\"");
    }
    JsonNode result = data.get("result");
    if (result == null || result.isNull()) {
      return malformed("no \"data.result\"");
    }
    return switch (type.asText()) {
      case "vector" -> readVector(result);
      case "scalar" -> readScalar(result);
      case "matrix", "string" ->
          Parsed.failed(
              FailureKind.UNEXPECTED_TYPE,
              "unexpected result type \""
                  + type.asText()
                  + "\": a check needs an instant vector or a scalar"
                  + ("matrix".equals(type.asText())
                      ? " (wrap a range selector such as [5m] in a function like rate())"
                      : ""));
      default -> malformed("unknown result type \"" + type.asText() + "\"");
    };
  }

  private static Parsed readRangeData(JsonNode data) {
    if (data == null || !data.isObject()) {
      return malformed("no \"data\" object");
    }
    JsonNode type = data.get("resultType");
    if (type == null || !type.isTextual()) {
      return malformed("no \"data.resultType\"");
    }
    JsonNode result = data.get("result");
    if (result == null || result.isNull()) {
      return malformed("no \"data.result\"");
    }
    if (!"matrix".equals(type.asText())) {
      return Parsed.failed(
          FailureKind.UNEXPECTED_TYPE,
          "unexpected result type \"" + type.asText() + "\": a range query answers a matrix");
    }
    if (!result.isArray()) {
      return malformed("\"data.result\" of a matrix is not an array");
    }
    List<Series> series = new ArrayList<>(result.size());
    for (int i = 0; i < result.size(); i++) {
      JsonNode one = result.get(i);
      String where = "series " + i;
      if (!one.isObject()) {
        return malformed(where + " is not an object");
      }
      JsonNode metric = one.get("metric");
      if (metric == null || !metric.isObject()) {
        return malformed(where + " has no \"metric\" object");
      }
      Map<String, String> labels = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> label : metric.properties()) {
        if (!label.getValue().isTextual()) {
          return malformed(where + " has a non-string value for label \"" + label.getKey() + "\"");
        }
        labels.put(label.getKey(), label.getValue().asText());
      }
      JsonNode values = one.get("values");
      if (values == null && one.has("histograms")) {
        return Parsed.failed(
            FailureKind.UNEXPECTED_TYPE,
            "unexpected result type: "
                + where
                + " "
                + labels
                + " holds native histograms, not numbers (use histogram_quantile() or a similar"
                + " function)");
      }
      if (values == null || !values.isArray()) {
        return malformed(where + " " + labels + " has no \"values\" array");
      }
      List<Double> points = new ArrayList<>(values.size());
      for (JsonNode pair : values) {
        ValueOrError v = readValue(pair, where + " " + labels);
        if (v.error() != null) {
          return malformed(v.error());
        }
        points.add(v.value());
      }
      series.add(new Series(labels, points));
    }
    return Parsed.ok(new Matrix(series));
  }

  private static Parsed readScalar(JsonNode result) {
    ValueOrError value = readValue(result, "scalar");
    if (value.error() != null) {
      return malformed(value.error());
    }
    return Parsed.ok(new Samples(List.of(new Sample(Map.of(), value.value()))));
  }

  private static Parsed readVector(JsonNode result) {
    if (!result.isArray()) {
      return malformed("\"data.result\" of a vector is not an array");
    }
    List<Sample> samples = new ArrayList<>(result.size());
    for (int i = 0; i < result.size(); i++) {
      JsonNode series = result.get(i);
      String where = "series " + i;
      if (!series.isObject()) {
        return malformed(where + " is not an object");
      }
      JsonNode metric = series.get("metric");
      if (metric == null || !metric.isObject()) {
        return malformed(where + " has no \"metric\" object");
      }
      Map<String, String> labels = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> label : metric.properties()) {
        if (!label.getValue().isTextual()) {
          return malformed(where + " has a non-string value for label \"" + label.getKey() + "\"");
        }
        labels.put(label.getKey(), label.getValue().asText());
      }
      JsonNode value = series.get("value");
      if (value == null && series.has("histogram")) {
        return Parsed.failed(
            FailureKind.UNEXPECTED_TYPE,
            "unexpected result type: "
                + where
                + " "
                + labels
                + " is a native histogram, not a number (use histogram_quantile() or a similar"
                + " function)");
      }
      ValueOrError parsed = readValue(value, where + " " + labels);
      if (parsed.error() != null) {
        return malformed(parsed.error());
      }
      samples.add(new Sample(labels, parsed.value()));
    }
    return Parsed.ok(new Samples(samples));
  }

  private record ValueOrError(double value, String error) {}

  /** A sample is {@code [<unix time as a number>, "<value as a string>"]}. */
  private static ValueOrError readValue(JsonNode pair, String where) {
    if (pair == null || !pair.isArray() || pair.size() != 2) {
      return new ValueOrError(0, where + ": expected [time, \"value\"], got " + pair);
    }
    if (!pair.get(0).isNumber()) {
      return new ValueOrError(0, where + ": the timestamp " + pair.get(0) + " is not a number");
    }
    if (!pair.get(1).isTextual()) {
      return new ValueOrError(0, where + ": the value " + pair.get(1) + " is not a string");
    }
    String text = pair.get(1).asText();
    return switch (text) {
      case "NaN" -> new ValueOrError(Double.NaN, null);
      case "+Inf", "Inf" -> new ValueOrError(Double.POSITIVE_INFINITY, null);
      case "-Inf" -> new ValueOrError(Double.NEGATIVE_INFINITY, null);
      default ->
          DECIMAL.matcher(text).matches()
              ? new ValueOrError(Double.parseDouble(text), null)
              : new ValueOrError(0, where + ": the value \"" + text + "\" is not a number");
    };
  }

  private static Parsed malformed(String detail) {
    return Parsed.failed(FailureKind.MALFORMED, "malformed answer: " + detail);
  }

  /** The start of a body, on one line, for a reason a person reads. */
  static String snippet(String body) {
    String oneLine = body.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= SNIPPET ? oneLine : oneLine.substring(0, SNIPPET) + "...";
  }
}
