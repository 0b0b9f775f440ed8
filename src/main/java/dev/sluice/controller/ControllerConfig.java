package dev.sluice.controller;

import dev.sluice.config.Problems;
import dev.sluice.config.SettingsCheck;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/**
 * What the controller watches and how many Canaries it reconciles at once ({@code
 * sluice.controller.*}, {@code sluice.namespaces}, {@code sluice.instance}); checked at start by
 * {@link ControllerSettingsCheck}.
 */
@ConfigMapping(prefix = "sluice")
public interface ControllerConfig extends SettingsCheck {
  /** The reconcile loop ({@code sluice.controller.*}). */
  Loop controller();

  /**
   * Watch only these namespaces, comma-separated (default: every namespace). One Sluice per set of
   * namespaces, each with its own Lease, scales past what one leader reconciles.
   */
  Optional<List<String>> namespaces();

  /** This replica's name in events and in the Lease (default: the pod name, else the host). */
  Optional<String> instance();

  /** The reconcile loop's settings. */
  interface Loop {
    /** False: the daemon watches and reconciles nothing (it serves health, metrics and the API). */
    @WithDefault("true")
    boolean enabled();

    /** Canaries reconciled at once (reconciles mostly wait on the API server and Prometheus). */
    @WithDefault("16")
    int threads();
  }

  /** The namespaces to watch, each trimmed, blanks left out; empty: every namespace. */
  static List<String> watched(ControllerConfig config) {
    return config.namespaces().orElse(List.of()).stream()
        .map(String::trim)
        .filter(n -> !n.isEmpty())
        .toList();
  }

  @Override
  default void check(Problems problems) {
    ControllerSettingsCheck.check(this, problems);
  }
}
