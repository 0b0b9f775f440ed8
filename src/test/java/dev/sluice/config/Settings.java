package dev.sluice.config;

import dev.sluice.api.ApiConfig;
import dev.sluice.controller.ControllerConfig;
import dev.sluice.controller.LeaderElectionConfig;
import dev.sluice.metrics.PrometheusConfig;
import dev.sluice.notify.NotificationsConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Sluice's settings read as the daemon reads them, without starting it: the main
 * application.properties (its defaults), then the given properties and environment variables, into
 * every mapping, checked by {@link SettingsValidation}.
 */
public final class Settings {
  private Settings() {}

  /** The configuration; throws {@link ConfigValidationException} when a setting is invalid. */
  public static SmallRyeConfig read(Map<String, String> properties, Map<String, String> env) {
    return new SmallRyeConfigBuilder()
        .withCustomizers(new SettingsValidation())
        .withConverter(Duration.class, 200, new DurationConverter()) // Quarkus': 15s, 500ms
        .withSources(applicationProperties())
        .withSources(new EnvConfigSource(env, 300))
        .withSources(new PropertiesConfigSource(properties, "test", 400))
        .withMapping(ControllerConfig.class)
        .withMapping(LeaderElectionConfig.class)
        .withMapping(ApiConfig.class)
        .withMapping(PrometheusConfig.class)
        .withMapping(NotificationsConfig.class)
        .build();
  }

  /** The problems with {@code properties}, one line each; empty when every setting is valid. */
  public static List<String> problems(Map<String, String> properties) {
    return problems(properties, Map.of());
  }

  /** The problems with these properties and environment variables; empty when all are valid. */
  public static List<String> problems(Map<String, String> properties, Map<String, String> env) {
    try {
      read(properties, env);
      return List.of();
    } catch (ConfigValidationException e) {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < e.getProblemCount(); i++) {
        lines.add(e.getProblem(i).getMessage());
      }
      return lines;
    }
  }

  /** The main application.properties (not the tests' one, also on the class path). */
  private static PropertiesConfigSource applicationProperties() {
    try {
      for (URL url :
          Collections.list(
              Settings.class.getClassLoader().getResources("application.properties"))) {
        if (!url.toString().contains("test-classes")) {
          return new PropertiesConfigSource(url, 250);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no main application.properties on the class path");
  }
}
