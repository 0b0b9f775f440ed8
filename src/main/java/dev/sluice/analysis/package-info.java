/**
 * Analysis templates, their rendering into PromQL, and the judging of measurements into a gate
 * verdict, pure: the judge sees numbers, never a data source. Depends on the JDK only (and, for the
 * statistical comparison in {@code analysis.compare}, Commons Math's {@code stat} package); see
 * docs/architecture.md.
 */
package dev.sluice.analysis;
