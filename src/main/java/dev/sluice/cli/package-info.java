/**
 * {@code kubectl sluice}: a kubectl plugin for people with a kubeconfig and nothing else. It lists
 * Canaries, watches a release and gives the manual actions through the {@code sluice.dev/action}
 * annotation, reading and writing only Canaries and their events through the API server. Depends on
 * the model and fabric8's client only; see docs/architecture.md and docs/kubectl-plugin.md.
 */
package dev.sluice.cli;
