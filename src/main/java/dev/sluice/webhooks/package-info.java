/**
 * Webhook calls over HTTP: one POST of a JSON payload, guarded by the same SmallRye Fault Tolerance
 * retry policy as the Prometheus client, answered as data. It knows nothing of Canaries or
 * releases: the controller decides what to send where, and the state machine what an answer does.
 */
package dev.sluice.webhooks;
