package dev.sluice.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks an {@code Authorization: Bearer <token>} header against the configured token, in constant
 * time (both sides are hashed first, so neither the content nor the length leaks through timing).
 */
final class BearerAuth {
  private BearerAuth() {}

  /** Why a request is refused: the HTTP status and a reason for people (never the token). */
  record Refusal(int status, String reason) {}

  static final String NO_TOKEN =
      "the API has no token configured: set sluice.api.token (e.g. the environment variable"
          + " SLUICE_API_TOKEN from a Secret); until then every request is refused";

  /** Empty when the request may pass. */
  static Optional<Refusal> check(Optional<String> configured, String authorization) {
    if (configured.isEmpty() || configured.get().isBlank()) {
      return Optional.of(new Refusal(503, NO_TOKEN));
    }
    if (authorization == null || authorization.isBlank()) {
      return Optional.of(new Refusal(401, "missing bearer token (Authorization: Bearer <token>)"));
    }
    String h = authorization.strip();
    if (h.length() < 7 || !h.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return Optional.of(new Refusal(401, "the Authorization header is not a bearer token"));
    }
    String given = h.substring(7).strip();
    if (!MessageDigest.isEqual(sha256(given), sha256(configured.get().strip()))) {
      return Optional.of(new Refusal(401, "wrong bearer token"));
    }
    return Optional.empty();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
