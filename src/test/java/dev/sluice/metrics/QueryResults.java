package dev.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.analysis.QueryResult;
import dev.sluice.analysis.QueryResult.Failure;
import dev.sluice.analysis.QueryResult.Sample;
import dev.sluice.analysis.QueryResult.Samples;
import java.util.List;

/** A query's result asserted to be samples, or a failure, for the tests of this package. */
final class QueryResults {
  private QueryResults() {}

  static List<Sample> samples(QueryResult result) {
    assertThat(result).isInstanceOf(Samples.class);
    return ((Samples) result).samples();
  }

  static String failure(QueryResult result) {
    assertThat(result).isInstanceOf(Failure.class);
    return ((Failure) result).reason();
  }
}
