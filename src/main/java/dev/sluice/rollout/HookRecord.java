package dev.sluice.rollout;

import java.time.Instant;

/**
 * A webhook's last answer in the current release, as recorded in the status.
 *
 * @param name the webhook's name
 * @param type its type
 * @param step the step it was called for ({@code -1} outside the steps)
 * @param passed whether it answered 2xx
 * @param at when the answer came
 * @param message what it answered (status code and the start of the body), or why the call failed
 * @param calls how many answers it gave in this release
 */
public record HookRecord(
    String name, Hook.Type type, int step, boolean passed, Instant at, String message, int calls) {}
