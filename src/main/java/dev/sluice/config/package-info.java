/**
 * Start-up validation of Sluice's own settings ({@code sluice.*}).
 *
 * <p>Each concern reads its settings through a {@code @ConfigMapping} interface in its own package,
 * which is a {@link dev.sluice.config.SettingsCheck}: it checks its own values. {@link
 * dev.sluice.config.SettingsValidation} has SmallRye Config run every check as it builds the
 * configuration, before anything starts, and the start fails with one message listing every bad
 * setting. This package depends on no other Sluice package, so that every package may use it.
 */
package dev.sluice.config;
