package dev.sluice.config;

import io.smallrye.config.ConfigValidator;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilderCustomizer;

/**
 * Checks every {@link SettingsCheck} mapping as SmallRye Config reads it, when the configuration is
 * built: before Quarkus starts anything (fault tolerance, which refuses some of the same values
 * with a stack trace; the controller, which would retry a bad setting forever as if the Kubernetes
 * API were unreachable). SmallRye gathers the problems of every mapping, with any value that does
 * not convert, into one {@code ConfigValidationException}, which Quarkus prints as its message
 * alone before it exits with status 1.
 *
 * <p>Registered as a customizer in META-INF/services; Quarkus applies it to the configuration it
 * builds. It is the configuration's only validator (Hibernate Validator would bring another).
 */
public final class SettingsValidation implements SmallRyeConfigBuilderCustomizer, ConfigValidator {
  @Override
  public void configBuilder(SmallRyeConfigBuilder builder) {
    builder.withValidator(this);
  }

  @Override
  public void validateMapping(Class<?> mappingClass, String prefix, Object mapping) {
    if (mapping instanceof SettingsCheck settings) {
      Problems problems = new Problems();
      settings.check(problems);
      problems.throwIfAny();
    }
  }
}
