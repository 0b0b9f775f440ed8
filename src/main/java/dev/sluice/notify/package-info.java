/**
 * Release notifications: what a transition of a release says ({@link
 * dev.sluice.notify.Notification}, {@link dev.sluice.notify.Kind}), its body for Slack, Microsoft
 * Teams and CloudEvents receivers ({@link dev.sluice.notify.Payloads}, pure), and its delivery
 * ({@link dev.sluice.notify.Notifier}: a bounded queue on its own threads, a rate limit per
 * receiver, retries, metrics), configured by {@code sluice.notifications.*} ({@link
 * dev.sluice.notify.NotificationsConfig}). It knows nothing of Canaries or the state machine: the
 * controller maps transitions to notifications and a Canary's {@code spec.notifications} to sinks.
 * It may use {@code config} only of Sluice's packages.
 */
package dev.sluice.notify;
