package dev.sluice.testing;

import java.net.URI;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A real Alertmanager (the Debian package's {@code /usr/bin/prometheus-alertmanager}), started by
 * hand on a free loopback port with no cluster port ({@code --cluster.listen-address=}) and a
 * temporary data directory, routing the alerts labelled {@code sluice="rollback"} to the Sluice
 * daemon's webhook with its bearer token, as {@code deploy/examples/alerts/alertmanager.yml} does
 * but with {@code group_wait: 0s} and short intervals. Stopped (the directory deleted) at the end.
 */
public final class AlertmanagerServer extends ServerProcess {
  public static final String INSTALL_HINT =
      "the alert scenario (run by default) needs a real Alertmanager and none was found"
          + " (/usr/bin/prometheus-alertmanager, or prometheus-alertmanager or alertmanager on"
          + " PATH, or -Dsluice.alertmanager.binary=PATH): install it with"
          + " scripts/install-prometheus (it runs 'sudo apt-get install -y"
          + " prometheus-alertmanager'), or leave the scenario out: scripts/sandbox good errors";

  /** The route's timing: the first notification of a group at once, changes within a second. */
  public static final String GROUP_WAIT = "0s";

  public static final String GROUP_INTERVAL = "1s";
  public static final String REPEAT_INTERVAL = "1m";

  private final Path log;

  /**
   * Starts Alertmanager sending to {@code webhook} with the bearer {@code token} (written to a file
   * only its owner reads, named by {@code credentials_file}); its log (at debug level, for the
   * dispatcher's timestamps) goes to {@code log}.
   */
  public AlertmanagerServer(Path binary, URI webhook, String token, Path log) {
    super(binary, "alertmanager");
    this.log = log;
    Path tokenFile =
        write(
            "sluice-api-token",
            token,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Path config = write("alertmanager.yml", config(webhook, tokenFile));
    start(
        port ->
            List.of(
                binary.toString(),
                "--config.file=" + config,
                "--storage.path=" + dataDir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=", // no gossip port: a single Alertmanager
                "--log.level=debug"),
        log,
        "alertmanager");
  }

  /** The configuration: deploy/examples/alerts/alertmanager.yml with the sandbox's timings. */
  public static String config(URI webhook, Path tokenFile) {
    return """
        # written by the Sluice sandbox (deploy/examples/alerts/alertmanager.yml, faster)
        route:
          receiver: default
          group_by: [alertname, namespace]
          routes:
            - receiver: sluice
              matchers:
                - sluice="rollback"
              group_by: [namespace, app, sluice_canary, alertname]
              group_wait: %s
              group_interval: %s
              repeat_interval: %s
              continue: true
        receivers:
          - name: default
          - name: sluice
            webhook_configs:
              - url: %s
                send_resolved: false
                max_alerts: 0
                http_config:
                  authorization:
                    type: Bearer
                    credentials_file: %s
        """
        .formatted(GROUP_WAIT, GROUP_INTERVAL, REPEAT_INTERVAL, webhook, tokenFile);
  }

  /**
   * The binary named by {@code -Dsluice.alertmanager.binary}, Debian's {@code
   * /usr/bin/prometheus-alertmanager}, or {@code prometheus-alertmanager} or {@code alertmanager}
   * on PATH; or null.
   */
  public static Path find() {
    return find(
        "sluice.alertmanager.binary",
        Path.of("/usr/bin/prometheus-alertmanager"),
        List.of("prometheus-alertmanager", "alertmanager"));
  }

  /** Where Prometheus sends alerts: {@code host:port}. */
  public String target() {
    return url().getHost() + ":" + url().getPort();
  }

  public Path log() {
    return log;
  }
}
