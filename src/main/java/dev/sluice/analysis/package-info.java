/**
 * Analysis templates, their rendering into PromQL, and the judging of measurements into a gate
 * verdict, pure: the judge sees numbers, never a data source. Depends on the JDK only; see
 * docs/architecture.md.
 */
package dev.sluice.analysis;
