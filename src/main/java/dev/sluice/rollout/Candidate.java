package dev.sluice.rollout;

/**
 * What Sluice concluded about one of the app's Deployments: whether its version may start a release
 * by itself, and why (not).
 *
 * @param deployment the Deployment's name
 * @param version its version label, or null when it has none
 * @param candidate whether it may start a release
 * @param reason why it may or may not, for people
 */
public record Candidate(String deployment, String version, boolean candidate, String reason) {}
