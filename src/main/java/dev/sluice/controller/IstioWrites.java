package dev.sluice.controller;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * The VirtualServices and DestinationRules this daemon wrote last. Deciding from the cache's older
 * copy would write again with a stale resourceVersion (a conflict, then a read); see {@link
 * WrittenObjects}.
 */
final class IstioWrites extends WrittenObjects<GenericKubernetesResource> {}
