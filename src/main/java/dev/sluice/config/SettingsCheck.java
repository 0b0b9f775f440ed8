package dev.sluice.config;

/**
 * A {@code @ConfigMapping} interface that checks its own settings: {@link SettingsValidation} calls
 * {@link #check} once the mapping is read, when the daemon starts.
 */
public interface SettingsCheck {
  /**
   * Adds to {@code problems} every setting of this mapping that is invalid; never throws. A mapping
   * overrides it with a default method: SmallRye Config reads no default method as a property, but
   * refuses an abstract one that takes a parameter (hence the empty default here).
   */
  default void check(Problems problems) {}
}
