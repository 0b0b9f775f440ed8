package dev.sluice.controller;

import dev.sluice.config.KubernetesNames;
import dev.sluice.config.Problems;

/** The rules of {@link ControllerConfig}: threads, watched namespaces, instance name. */
final class ControllerSettingsCheck {
  /** More reconciles at once than this would only wait on each other (and on memory). */
  static final int MAX_THREADS = 1024;

  private ControllerSettingsCheck() {}

  static void check(ControllerConfig config, Problems problems) {
    problems.within("sluice.controller.threads", config.controller().threads(), 1, MAX_THREADS);
    for (String namespace : ControllerConfig.watched(config)) {
      KubernetesNames.label(problems, "sluice.namespaces", namespace);
    }
    config
        .instance()
        .filter(String::isBlank)
        .ifPresent(i -> problems.add("sluice.instance", i, "must not be blank when given"));
  }
}
