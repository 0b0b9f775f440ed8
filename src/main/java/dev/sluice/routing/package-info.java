/**
 * Istio traffic routing: the VirtualService and DestinationRule edits Sluice makes, and the client
 * path that writes them.
 *
 * <p>The edits ({@link dev.sluice.routing.VirtualServiceEdits}, {@link
 * dev.sluice.routing.DestinationRuleEdits}) are pure functions from object to object on fabric8
 * {@code GenericKubernetesResource}s: there is deliberately no typed Istio model, so every field
 * Sluice does not own round-trips untouched. {@link dev.sluice.routing.TrafficRouter} carries an
 * edit out against the Kubernetes API with a write that is conditional on the resourceVersion that
 * was read; a conflict surfaces as {@link dev.sluice.routing.WriteConflictException}.
 *
 * <p>This package depends on {@code dev.sluice.rollout} and libraries only.
 */
package dev.sluice.routing;
