package dev.sluice.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Sluice daemon's {@code /q/metrics}, read as Prometheus reads it: series to value. */
public final class DaemonMetrics {
  private DaemonMetrics() {}

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Every sample line ({@code name{labels}} to value); empty when the daemon does not answer. */
  public static Map<String, Double> scrape(URI daemon) {
    Map<String, Double> series = new LinkedHashMap<>();
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(daemon.resolve("/q/metrics"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return series;
      }
      for (String line : r.body().split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int space = line.lastIndexOf(' ');
        try {
          series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        } catch (RuntimeException e) {
          // not a sample line
        }
      }
    } catch (IOException e) {
      // the daemon is gone: nothing to read
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return series;
  }

  /** The sum of the series called {@code name} whose labels contain every one of {@code labels}. */
  public static double sum(Map<String, Double> series, String name, List<String> labels) {
    double total = 0;
    for (Map.Entry<String, Double> e : series.entrySet()) {
      String key = e.getKey();
      boolean named = key.equals(name) || key.startsWith(name + "{");
      if (named && labels.stream().allMatch(key::contains)) {
        total += e.getValue();
      }
    }
    return total;
  }
}
