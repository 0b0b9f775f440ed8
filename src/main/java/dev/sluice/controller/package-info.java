/**
 * The daemon's side effects around the pure core: informers, the reconcile of each Canary (a
 * sequence of named steps, {@link dev.sluice.controller.CanaryReconciler}), scheduling, leader
 * election, events and status. docs/architecture.md follows one change from an informer to a
 * VirtualService write through these classes.
 */
package dev.sluice.controller;
