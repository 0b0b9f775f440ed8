package dev.sluice.webhooks;

/**
 * What a webhook answered.
 *
 * @param passed whether it answered 2xx
 * @param status the HTTP status of the last answer, or 0 when there was none (timeout, transport)
 * @param message for people: the status and the start of the body, or why the call failed
 * @param attempts how many attempts the call took
 */
public record WebhookAnswer(boolean passed, int status, String message, int attempts) {}
