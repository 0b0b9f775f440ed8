package dev.sluice.rollout;

import java.time.Instant;

/**
 * One evaluation of every check of a Canary.
 *
 * @param gate the worst outcome
 * @param summary what decided it (check, value, rule), for events and status
 * @param at when it was measured
 */
public record Evaluation(Gate gate, String summary, Instant at) {}
