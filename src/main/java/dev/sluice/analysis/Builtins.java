package dev.sluice.analysis;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The variables Sluice itself provides to every template. A Canary cannot give an argument with one
 * of these names, and a template cannot declare one.
 */
public final class Builtins {
  private Builtins() {}

  /** The Canary's namespace (where the canary's workloads run). */
  public static final String NAMESPACE = "namespace";

  /** The value of the {@code app} label the Canary manages. */
  public static final String APP = "app";

  /** The {@code version} label of the version being released. */
  public static final String CANARY_VERSION = "canaryVersion";

  /** The {@code version} label of the version that serves traffic outside a release. */
  public static final String STABLE_VERSION = "stableVersion";

  /** The name of the Canary object. */
  public static final String CANARY_NAME = "canaryName";

  /** Per metric: the metric's window (default {@value TemplateRenderer#DEFAULT_WINDOW}). */
  public static final String WINDOW = "window";

  /**
   * In a compared metric's query only: the version whose sample the query takes, the canary's in
   * one rendering and the stable version's in the other.
   */
  public static final String VERSION = "version";

  /** In a compared metric's query only: the step between two points of the range query. */
  public static final String RESOLUTION = "resolution";

  /** Every builtin name, {@link #WINDOW}, {@link #VERSION} and {@link #RESOLUTION} included. */
  public static final Set<String> NAMES =
      Set.of(
          NAMESPACE, APP, CANARY_VERSION, STABLE_VERSION, CANARY_NAME, WINDOW, VERSION, RESOLUTION);

  /**
   * The builtins map for {@link TemplateRenderer#render}. A {@code null} value leaves the variable
   * out (a template using it is then refused); values are validated only when a template uses them.
   */
  public static Map<String, String> of(
      String namespace, String app, String canaryVersion, String stableVersion, String canaryName) {
    Map<String, String> map = new LinkedHashMap<>();
    putIfPresent(map, NAMESPACE, namespace);
    putIfPresent(map, APP, app);
    putIfPresent(map, CANARY_VERSION, canaryVersion);
    putIfPresent(map, STABLE_VERSION, stableVersion);
    putIfPresent(map, CANARY_NAME, canaryName);
    return map;
  }

  private static void putIfPresent(Map<String, String> map, String key, String value) {
    if (value != null) {
      map.put(key, value);
    }
  }
}
