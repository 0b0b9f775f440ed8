/**
 * The statistical judge: a canary's samples of a metric compared with the stable version's over the
 * same window (Mann-Whitney U test, effect size as a ratio of medians, a direction), and the
 * per-metric decisions turned into a weighted 0-100 score. Pure: plain arrays and records in,
 * decisions as data out, no I/O and no clock. The statistics are Apache Commons Math's.
 */
package dev.sluice.analysis.compare;
