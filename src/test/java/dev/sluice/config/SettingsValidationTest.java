package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.ApiConfig;
import dev.sluice.controller.ControllerConfig;
import dev.sluice.controller.LeaderElectionConfig;
import dev.sluice.metrics.PrometheusConfig;
import dev.sluice.notify.NotificationsConfig;
import io.smallrye.config.SmallRyeConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every setting is checked as the configuration is read: valid ones pass, and each invalid one is
 * named with its value, its environment variable and what is wrong, all of them at once.
 */
class SettingsValidationTest {

  @Test
  void theDefaultsAreValidAndUnchanged() {
    SmallRyeConfig config = Settings.read(Map.of(), Map.of());
    ControllerConfig controller = config.getConfigMapping(ControllerConfig.class);
    assertThat(controller.controller().enabled()).isTrue();
    assertThat(controller.controller().threads()).isEqualTo(16);
    assertThat(controller.namespaces()).isEmpty();
    assertThat(controller.instance()).isEmpty();
    LeaderElectionConfig election = config.getConfigMapping(LeaderElectionConfig.class);
    assertThat(election.enabled()).isTrue();
    assertThat(election.namespace()).isEmpty();
    assertThat(election.leaseName()).isEqualTo("sluice-leader");
    assertThat(election.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
    assertThat(election.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
    assertThat(election.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
    ApiConfig api = config.getConfigMapping(ApiConfig.class);
    assertThat(api.token()).isEmpty();
    assertThat(api.maxBodyBytes()).isEqualTo(1_048_576);
    assertThat(api.decisionTimeoutMs()).isEqualTo(10_000);
    PrometheusConfig prometheus = config.getConfigMapping(PrometheusConfig.class);
    assertThat(prometheus.url()).isEqualTo("http://localhost:9090");
    assertThat(prometheus.timeoutMs()).isEqualTo(5000);
    assertThat(prometheus.connectTimeoutMs()).isEqualTo(2000);
    assertThat(prometheus.retry().maxRetries()).isEqualTo(3);
    assertThat(prometheus.retry().delayMs()).isEqualTo(250);
    assertThat(prometheus.retry().maxDelayMs()).isEqualTo(2000);
    assertThat(prometheus.retry().jitterMs()).isEqualTo(100);
    assertThat(prometheus.circuitBreaker().requestVolume()).isEqualTo(20);
    assertThat(prometheus.circuitBreaker().failureRatio()).isEqualTo(0.5);
    assertThat(prometheus.circuitBreaker().delayMs()).isEqualTo(30_000);
  }

  /** Valid settings, among them those the tests and the end-to-end runs give the daemon. */
  static Stream<Map<String, String>> validSettings() {
    return Stream.of(
        Map.of(
            "sluice.leader-election.lease-duration", "4s",
            "sluice.leader-election.renew-deadline", "3s",
            "sluice.leader-election.retry-period", "500ms"),
        // the smallest renew deadline fabric8 takes for 2s: 2s + 2.4s, and a bit
        Map.of("sluice.leader-election.renew-deadline", "4401ms"),
        Map.of(
            "sluice.namespaces", "shard-a,shard-c",
            "sluice.leader-election.lease-name", "sluice-shard-a"),
        Map.of("sluice.namespaces", " shard-a , shard-b ,", "sluice.instance", "sluice-0"),
        Map.of("sluice.namespaces", "a".repeat(63)),
        Map.of(
            "sluice.leader-election.namespace", "sluice-system",
            "sluice.leader-election.lease-name", "sluice.leader.v2",
            "sluice.leader-election.enabled", "false"),
        Map.of("sluice.controller.threads", "1", "sluice.controller.enabled", "false"),
        Map.of("sluice.controller.threads", "1024"),
        Map.of(
            "sluice.prometheus.url", "https://user:secret@prometheus.monitoring:9090/prefix/",
            "sluice.prometheus.timeout-ms", "1",
            "sluice.prometheus.connect-timeout-ms", "1"),
        Map.of("sluice.prometheus.url", "HTTP://127.0.0.1:39999"),
        Map.of(
            "sluice.prometheus.retry.max-retries", "0",
            "sluice.prometheus.retry.delay-ms", "0",
            "sluice.prometheus.retry.max-delay-ms", "0",
            "sluice.prometheus.retry.jitter-ms", "0"),
        Map.of(
            "sluice.prometheus.retry.delay-ms", "20",
            "sluice.prometheus.retry.jitter-ms", "10",
            "sluice.prometheus.retry.max-delay-ms", "100",
            "sluice.prometheus.circuit-breaker.request-volume", "1",
            "sluice.prometheus.circuit-breaker.failure-ratio", "1",
            "sluice.prometheus.circuit-breaker.delay-ms", "0"),
        Map.of("sluice.prometheus.circuit-breaker.failure-ratio", "0.01"),
        Map.of("sluice.api.max-body-bytes", "1", "sluice.api.decision-timeout-ms", "1"),
        Map.of("sluice.api.token", "  a token stripped of its blanks  "),
        Map.of(
            "sluice.notifications.slack.url", "https://hooks.slack.com/services/T0/B0/xyz",
            "sluice.notifications.teams.url", "https://example.webhook.office.com/webhookb2/x",
            "sluice.notifications.cloudevents.url", "http://receiver.ops:8080/events",
            "sluice.notifications.kinds", "started,step,RolledBack,failed",
            "sluice.notifications.rate-limit.per-minute", "1",
            "sluice.notifications.rate-limit.burst", "1",
            "sluice.notifications.retry.max-retries", "0"),
        // an optional Secret that is absent leaves a variable empty: no receiver
        Map.of("sluice.notifications.slack.url", ""));
  }

  @ParameterizedTest
  @MethodSource("validSettings")
  void aValidSettingPasses(Map<String, String> settings) {
    assertThat(Settings.problems(settings)).isEmpty();
  }

  /** One invalid setting each: property, value, the value as shown, what the message says. */
  static Stream<Arguments> invalidSettings() {
    return Stream.of(
        // the one that made the daemon retry forever, blaming the API
        bad("sluice.leader-election.lease-duration", "4s", "4s", "must be longer than"),
        bad("sluice.leader-election.lease-duration", "10s", "10s", "renew-deadline (10s)"),
        bad("sluice.leader-election.lease-duration", "0s", "0ms", "must be positive"),
        bad("sluice.leader-election.lease-duration", "-15s", "-15s", "must be positive"),
        bad("sluice.leader-election.renew-deadline", "4400ms", "4400ms", "longer than 4400ms"),
        bad("sluice.leader-election.renew-deadline", "20s", "20s", "must be longer than"),
        bad("sluice.leader-election.retry-period", "0s", "0ms", "must be positive"),
        bad("sluice.leader-election.retry-period", "5s", "5s", "retry-period, 5s"),
        bad("sluice.leader-election.namespace", "Sluice_System", "\"Sluice_System\"", "DNS-1123"),
        bad("sluice.leader-election.namespace", "a".repeat(64), "\"" + "a".repeat(64) + "\"", "63"),
        bad("sluice.leader-election.lease-name", "-leader", "\"-leader\"", "DNS-1123 subdomain"),
        bad("sluice.leader-election.lease-name", "Leader", "\"Leader\"", "lower-case"),
        bad("sluice.namespaces", "shard-a,Shard_B", "\"Shard_B\"", "DNS-1123 label"),
        bad("sluice.namespaces", "ns.with.dots", "\"ns.with.dots\"", "DNS-1123 label"),
        bad("sluice.instance", "   ", "\"   \"", "must not be blank"),
        bad("sluice.controller.threads", "0", "0", "between 1 and 1024"),
        bad("sluice.controller.threads", "1025", "1025", "between 1 and 1024"),
        bad("sluice.prometheus.url", "localhost:9090", "\"localhost:9090\"", "http:// or https://"),
        bad("sluice.prometheus.url", "/api/v1", "\"/api/v1\"", "http:// or https://"),
        bad("sluice.prometheus.url", "ftp://prometheus", "\"ftp://prometheus\"", "http://"),
        bad("sluice.prometheus.url", "http:///api", "\"http:///api\"", "must name a host"),
        bad("sluice.prometheus.url", "http://prom etheus", "\"http://prom etheus\"", "not a URL"),
        bad("sluice.prometheus.timeout-ms", "0", "0", "at least 1"),
        bad("sluice.prometheus.connect-timeout-ms", "-1", "-1", "at least 1"),
        bad("sluice.prometheus.retry.max-retries", "-1", "-1", "at least 0"),
        bad("sluice.prometheus.retry.delay-ms", "-5", "-5", "between 0 and 179999"),
        bad("sluice.prometheus.retry.delay-ms", "180000", "180000", "between 0 and 179999"),
        bad("sluice.prometheus.retry.max-delay-ms", "100", "100", "retry.delay-ms (250)"),
        bad("sluice.prometheus.retry.jitter-ms", "-1", "-1", "at least 0"),
        bad("sluice.prometheus.circuit-breaker.request-volume", "0", "0", "at least 1"),
        bad("sluice.prometheus.circuit-breaker.failure-ratio", "0", "0.0", "more than 0"),
        bad("sluice.prometheus.circuit-breaker.failure-ratio", "1.5", "1.5", "at most 1"),
        bad("sluice.prometheus.circuit-breaker.failure-ratio", "NaN", "NaN", "at most 1"),
        bad("sluice.prometheus.circuit-breaker.delay-ms", "-1", "-1", "at least 0"),
        bad("sluice.api.max-body-bytes", "0", "0", "at least 1"),
        bad("sluice.api.decision-timeout-ms", "-10000", "-10000", "at least 1"),
        bad("sluice.notifications.slack.url", "hooks.slack.com/x", "\"***\"", "http://"),
        bad("sluice.notifications.teams.url", "ftp://o/x", "\"ftp://***\"", "http://"),
        bad("sluice.notifications.cloudevents.url", "http:///e", "\"http://***\"", "a host"),
        bad("sluice.notifications.kinds", "started,deployed", "\"deployed\"", "not a kind"),
        bad("sluice.notifications.rate-limit.per-minute", "0", "0", "at least 1"),
        bad("sluice.notifications.rate-limit.burst", "0", "0", "at least 1"),
        bad("sluice.notifications.queue-capacity", "0", "0", "at least 1"),
        bad("sluice.notifications.threads", "0", "0", "between 1 and 64"),
        bad("sluice.notifications.timeout-ms", "0", "0", "at least 1"),
        bad("sluice.notifications.retry.max-retries", "11", "11", "between 0 and 10"),
        bad("sluice.notifications.retry.max-delay-ms", "10", "10", "retry.delay-ms (1000)"));
  }

  private static Arguments bad(String property, String value, String shown, String says) {
    return Arguments.of(property, value, shown, says);
  }

  @ParameterizedTest
  @MethodSource("invalidSettings")
  void anInvalidSettingIsNamedWithItsValueAndWhatIsWrong(
      String property, String value, String shown, String says) {
    // a setting out of line with another is named with it, on the line of either
    assertThat(Settings.problems(Map.of(property, value)))
        .anySatisfy(line -> assertThat(line).contains(property).contains(shown).contains(says));
  }

  @Test
  void aLineNamesTheEnvironmentVariableToo() {
    assertThat(Settings.problems(Map.of("sluice.prometheus.retry.max-retries", "-1")))
        .containsExactly(
            "sluice.prometheus.retry.max-retries=-1 (SLUICE_PROMETHEUS_RETRY_MAX_RETRIES): must be"
                + " at least 0");
  }

  @Test
  void everyInvalidSettingIsReportedAtOnce() {
    List<String> problems =
        Settings.problems(
            Map.of(
                "sluice.leader-election.lease-duration", "4s",
                "sluice.controller.threads", "0",
                "sluice.namespaces", "Bad",
                "sluice.prometheus.url", "prometheus:9090",
                "sluice.prometheus.circuit-breaker.failure-ratio", "2",
                "sluice.api.max-body-bytes", "0"));
    assertThat(problems)
        .hasSize(6)
        .anyMatch(l -> l.startsWith("sluice.leader-election.lease-duration=4s "))
        .anyMatch(l -> l.startsWith("sluice.controller.threads=0 "))
        .anyMatch(l -> l.startsWith("sluice.namespaces=\"Bad\" "))
        .anyMatch(l -> l.startsWith("sluice.prometheus.url=\"prometheus:9090\" "))
        .anyMatch(l -> l.startsWith("sluice.prometheus.circuit-breaker.failure-ratio=2.0 "))
        .anyMatch(l -> l.startsWith("sluice.api.max-body-bytes=0 "));
  }

  @Test
  void aValueThatDoesNotConvertIsReportedWithTheOtherMappingsProblems() {
    List<String> problems =
        Settings.problems(
            Map.of(
                "sluice.controller.threads", "many",
                "sluice.leader-election.lease-duration", "4s"));
    assertThat(problems)
        .hasSize(2)
        .anyMatch(l -> l.contains("sluice.controller.threads") && l.contains("\"many\""))
        .anyMatch(l -> l.startsWith("sluice.leader-election.lease-duration=4s "));
  }

  @Test
  void aPasswordInThePrometheusUrlIsNotShown() {
    assertThat(Settings.problems(Map.of("sluice.prometheus.url", "ftp://me:s3cret@prometheus")))
        .singleElement()
        .asString()
        .contains("ftp://***@prometheus")
        .doesNotContain("s3cret");
    assertThat(Settings.problems(Map.of("sluice.prometheus.url", "http://me:s3cret@prom etheus")))
        .singleElement()
        .asString()
        .doesNotContain("s3cret");
  }

  @Test
  void aWebhookUrlIsNeverShown() {
    assertThat(
            Settings.problems(
                Map.of("sluice.notifications.slack.url", "htps://hooks.slack.com/T0/B0/s3cret")))
        .singleElement()
        .asString()
        .startsWith(
            "sluice.notifications.slack.url=\"htps://***\" (SLUICE_NOTIFICATIONS_SLACK_URL): ")
        .doesNotContain("s3cret")
        .doesNotContain("hooks.slack.com");
  }

  @Test
  void theNotificationDefaults() {
    NotificationsConfig n =
        Settings.read(Map.of(), Map.of()).getConfigMapping(NotificationsConfig.class);
    assertThat(n.enabled()).isTrue();
    assertThat(n.slack().url()).isEmpty();
    assertThat(n.teams().url()).isEmpty();
    assertThat(n.cloudevents().url()).isEmpty();
    assertThat(n.cloudevents().source()).isEqualTo("/sluice");
    assertThat(n.kinds())
        .containsExactly("started", "paused", "resumed", "rolledback", "promoted", "failed");
    assertThat(n.rateLimit().perMinute()).isEqualTo(30);
    assertThat(n.rateLimit().burst()).isEqualTo(10);
    assertThat(n.queueCapacity()).isEqualTo(1000);
    assertThat(n.timeoutMs()).isEqualTo(5000);
    assertThat(n.retry().maxRetries()).isEqualTo(3);
    NotificationsConfig fromEnv =
        Settings.read(
                Map.of(),
                Map.of(
                    "SLUICE_NOTIFICATIONS_SLACK_URL", "https://hooks.slack.com/services/T/B/x",
                    "SLUICE_NOTIFICATIONS_CLOUDEVENTS_URL", "http://r:8080/"))
            .getConfigMapping(NotificationsConfig.class);
    assertThat(fromEnv.slack().url()).contains("https://hooks.slack.com/services/T/B/x");
    assertThat(fromEnv.cloudevents().url()).contains("http://r:8080/");
  }

  @Test
  void theEnvironmentVariablesKeepTheirNames() {
    SmallRyeConfig config =
        Settings.read(
            Map.of(),
            Map.of(
                "SLUICE_NAMESPACES", "shard-a,shard-b",
                "SLUICE_INSTANCE", "sluice-1",
                "SLUICE_CONTROLLER_THREADS", "4",
                "SLUICE_LEADER_ELECTION_NAMESPACE", "sluice-system",
                "SLUICE_LEADER_ELECTION_LEASE_DURATION", "4s",
                "SLUICE_LEADER_ELECTION_RENEW_DEADLINE", "3s",
                "SLUICE_LEADER_ELECTION_RETRY_PERIOD", "500ms",
                "SLUICE_PROMETHEUS_URL", "http://prometheus:9090",
                "SLUICE_PROMETHEUS_RETRY_MAX_RETRIES", "1",
                "SLUICE_API_TOKEN", "from-a-secret"));
    ControllerConfig controller = config.getConfigMapping(ControllerConfig.class);
    assertThat(controller.namespaces()).contains(List.of("shard-a", "shard-b"));
    assertThat(controller.instance()).contains("sluice-1");
    assertThat(controller.controller().threads()).isEqualTo(4);
    LeaderElectionConfig election = config.getConfigMapping(LeaderElectionConfig.class);
    assertThat(election.namespace()).contains("sluice-system");
    assertThat(election.leaseDuration()).isEqualTo(Duration.ofSeconds(4));
    assertThat(election.renewDeadline()).isEqualTo(Duration.ofSeconds(3));
    assertThat(election.retryPeriod()).isEqualTo(Duration.ofMillis(500));
    PrometheusConfig prometheus = config.getConfigMapping(PrometheusConfig.class);
    assertThat(prometheus.url()).isEqualTo("http://prometheus:9090");
    assertThat(prometheus.retry().maxRetries()).isEqualTo(1);
    assertThat(config.getConfigMapping(ApiConfig.class).token())
        .isEqualTo(Optional.of("from-a-secret"));
    // and a bad one, given the way an operator gives it
    assertThat(Settings.problems(Map.of(), Map.of("SLUICE_LEADER_ELECTION_LEASE_DURATION", "4s")))
        .singleElement()
        .asString()
        .startsWith(
            "sluice.leader-election.lease-duration=4s (SLUICE_LEADER_ELECTION_LEASE_DURATION): ");
  }
}
