package dev.sluice.webhooks;

import io.smallrye.faulttolerance.api.Guard;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * POSTs a JSON payload to a webhook. An answer is an answer: 2xx passes, 4xx fails at once (asking
 * again would get the same); a 5xx, a timeout or a transport failure is retried per the {@link
 * RetryPolicy} (the Prometheus client's), and fails only once the retries are spent. Credentials go
 * in the {@code Authorization} header and nowhere else: never in a message, never in a log.
 */
public final class WebhookClient {
  /** Characters of an answer's body kept in its message. */
  static final int BODY_SHOWN = 200;

  /**
   * The retry policy: at most {@code maxRetries} more attempts, the first after {@code delay} (±
   * {@code jitter}), each later one twice as long, at most {@code maxDelay}.
   */
  public record RetryPolicy(int maxRetries, Duration delay, Duration maxDelay, Duration jitter) {}

  /** A 5xx answer: worth another attempt. */
  private static final class ServerError extends IOException {
    final int status;

    ServerError(int status, String message) {
      super(message, null);
      this.status = status;
    }
  }

  private final HttpClient http;
  private final Guard guard;

  public WebhookClient(RetryPolicy policy) {
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.guard =
        Guard.create()
            .withDescription("webhooks")
            .withRetry()
            .maxRetries(policy.maxRetries())
            .delay(policy.delay().toMillis(), ChronoUnit.MILLIS)
            .jitter(policy.jitter().toMillis(), ChronoUnit.MILLIS)
            .retryOn(List.of(IOException.class))
            .withExponentialBackoff()
            .factor(2)
            .maxDelay(policy.maxDelay().toMillis(), ChronoUnit.MILLIS)
            .done()
            .done()
            .build();
  }

  /**
   * Sends {@code json} to {@code url}, each attempt within {@code timeout}; blocks until answered
   * or the retries are spent. Never throws for what the webhook does.
   *
   * @param authorization the {@code Authorization} header's value, if any
   */
  public WebhookAnswer post(
      URI url, Duration timeout, String json, Optional<String> authorization) {
    AtomicInteger attempts = new AtomicInteger();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", "sluice")
            .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    authorization.ifPresent(a -> b.header("Authorization", a));
    HttpRequest request = b.build();
    try {
      return guard.call(
          () -> {
            attempts.incrementAndGet();
            HttpResponse<String> r =
                http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            String shown = "HTTP " + r.statusCode() + body(r.body());
            if (r.statusCode() >= 500) {
              throw new ServerError(r.statusCode(), shown);
            }
            boolean ok = r.statusCode() >= 200 && r.statusCode() < 300;
            return new WebhookAnswer(ok, r.statusCode(), shown, attempts.get());
          },
          WebhookAnswer.class);
    } catch (ServerError e) {
      return new WebhookAnswer(false, e.status, e.getMessage() + retried(attempts), attempts.get());
    } catch (HttpTimeoutException e) {
      return new WebhookAnswer(
          false,
          0,
          "no answer within " + timeout.toMillis() + " ms" + retried(attempts),
          attempts.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new WebhookAnswer(false, 0, "interrupted (the daemon is stopping)", attempts.get());
    } catch (Exception e) {
      // transport: refused, reset, unknown host, TLS; the message names no credential
      String why =
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      return new WebhookAnswer(false, 0, why + retried(attempts), attempts.get());
    }
  }

  private static String retried(AtomicInteger attempts) {
    return attempts.get() > 1 ? " (after " + attempts.get() + " attempts)" : "";
  }

  private static String body(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String oneLine = body.strip().replaceAll("\\s+", " ");
    return ": "
        + (oneLine.length() > BODY_SHOWN ? oneLine.substring(0, BODY_SHOWN) + "…" : oneLine);
  }
}
