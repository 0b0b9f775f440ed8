package dev.sluice.api;

import dev.sluice.config.Problems;

/** The rules of {@link ApiConfig}: the body limit and the decision timeout (not the token). */
final class ApiSettingsCheck {
  private ApiSettingsCheck() {}

  static void check(ApiConfig config, Problems problems) {
    problems.atLeast("sluice.api.max-body-bytes", config.maxBodyBytes(), 1);
    problems.atLeast("sluice.api.decision-timeout-ms", config.decisionTimeoutMs(), 1);
  }
}
