package dev.sluice.controller;

import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * The Deployments this daemon retired last (deleted, or scaled to zero). Until the cache shows such
 * a change, its older copy would show an old version still running and ready, which must never be
 * taken for a new release: an old version deleted at promotion, created in the same second as the
 * new one, would otherwise be "released" again. See {@link WrittenObjects}.
 */
final class DeploymentWrites extends WrittenObjects<Deployment> {}
