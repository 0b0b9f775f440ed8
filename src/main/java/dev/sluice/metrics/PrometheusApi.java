package dev.sluice.metrics;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * The Prometheus HTTP API calls Sluice makes: an instant query, and a range query for compared
 * metrics. Its base URL is {@code sluice.prometheus.url} (through {@code
 * quarkus.rest-client.prometheus.url}).
 *
 * <p>It answers a raw {@link Response}, never a mapped object, so that an error status or a body
 * that is not JSON reaches {@link PrometheusAnswerParser} instead of failing inside Jackson.
 */
@RegisterRestClient(configKey = "prometheus")
@Path("/api/v1")
public interface PrometheusApi {

  /** {@code GET /api/v1/query?query=...}: an instant query evaluated now. */
  @GET
  @Path("/query")
  @Produces(MediaType.APPLICATION_JSON)
  Response query(@QueryParam("query") String query);

  /**
   * {@code GET /api/v1/query_range?query=...&start=...&end=...&step=...}: the query evaluated at
   * every step from start to end, both included (times in Unix seconds, step in seconds).
   */
  @GET
  @Path("/query_range")
  @Produces(MediaType.APPLICATION_JSON)
  Response queryRange(
      @QueryParam("query") String query,
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("step") String step);
}
