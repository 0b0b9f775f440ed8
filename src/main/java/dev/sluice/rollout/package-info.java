/**
 * The release state machine, pure: {@link dev.sluice.rollout.Rollout#decide} turns (spec, status,
 * world, signal, evaluation, now) into a {@link dev.sluice.rollout.Decision}, and {@link
 * dev.sluice.rollout.DecisionLoop} drives it until it settles. No I/O and no clock of its own;
 * depends on the JDK only. docs/architecture.md places it among the other packages.
 */
package dev.sluice.rollout;
