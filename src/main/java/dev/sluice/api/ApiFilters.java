package dev.sluice.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Runs before any resource of the API (the only REST resources of this application; health and
 * metrics under {@code /q/} are not REST resources and stay open): authentication first, so an
 * unauthenticated request changes nothing and learns nothing, then the declared body size.
 */
public class ApiFilters {
  @Inject ApiSettings settings;

  @ServerRequestFilter(preMatching = true)
  public Optional<Response> guard(ContainerRequestContext request) {
    Optional<BearerAuth.Refusal> refused =
        BearerAuth.check(settings.token(), request.getHeaderString(HttpHeaders.AUTHORIZATION));
    if (refused.isPresent()) {
      return Optional.of(ApiError.response(refused.get().status(), refused.get().reason()));
    }
    String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        return Optional.of(ApiError.response(400, "Content-Length is not a number"));
      }
      if (declared > settings.maxBodyBytes()) {
        return Optional.of(tooLarge(settings.maxBodyBytes()));
      }
    }
    return Optional.empty();
  }

  static Response tooLarge(long limit) {
    return ApiError.response(
        413,
        "the body is larger than "
            + limit
            + " bytes (sluice.api.max-body-bytes); for Alertmanager, lower max_alerts or group"
            + " alerts by namespace and app");
  }
}
