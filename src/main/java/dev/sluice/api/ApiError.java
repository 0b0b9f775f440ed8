package dev.sluice.api;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The body of every refused request: {@code {"status": 409, "error": "why"}}. */
public record ApiError(int status, String error) {

  static Response response(int status, String error) {
    Response.ResponseBuilder b =
        Response.status(status)
            .type(MediaType.APPLICATION_JSON)
            .entity(new ApiError(status, error));
    if (status == 401) {
      b.header("WWW-Authenticate", "Bearer realm=\"sluice\"");
    }
    return b.build();
  }
}
