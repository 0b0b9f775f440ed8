package dev.sluice.controller;

import dev.sluice.analysis.Template;
import dev.sluice.model.AnalysisTemplate;
import dev.sluice.model.Canary;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The analysis templates that ship with Sluice: the YAML files of {@code analysis-templates/},
 * packaged under {@value #RESOURCE_DIR} on the classpath. A namespaced {@code AnalysisTemplate} of
 * the same name takes precedence over a built-in (that lookup is the controller's).
 *
 * <p>A jar's directory cannot be listed portably, so the files are named in {@link #FILES}; a test
 * keeps that list equal to the directory's content.
 */
public final class BuiltinTemplates {
  private BuiltinTemplates() {}

  /** Where the files are on the classpath. */
  public static final String RESOURCE_DIR = "sluice/analysis-templates/";

  private static final String API_VERSION = Canary.GROUP + "/" + Canary.VERSION;

  /** The shipped files, by name inside {@link #RESOURCE_DIR}. */
  public static final List<String> FILES =
      List.of(
          "error-rate.yaml",
          "error-rate-vs-stable.yaml",
          "latency-p99.yaml",
          "alerts-firing.yaml",
          "tcp-connection-failures.yaml",
          "tcp-connection-failures-vs-stable.yaml",
          "tcp-traffic.yaml",
          "error-rate-compare.yaml",
          "latency-compare.yaml");

  /**
   * Parses every shipped file.
   *
   * @throws IllegalStateException when a file is missing or is not an AnalysisTemplate (a broken
   *     build, not a user error)
   */
  public static List<AnalysisTemplate> load() {
    return FILES.stream().map(BuiltinTemplates::load).toList();
  }

  /** The shipped templates mapped for rendering, by name, in {@link #FILES} order. */
  public static Map<String, Template> templates() {
    Map<String, Template> byName = new LinkedHashMap<>();
    for (AnalysisTemplate resource : load()) {
      Template template = TemplateMapper.toTemplate(resource);
      if (byName.put(template.name(), template) != null) {
        throw new IllegalStateException("two built-in templates are named " + template.name());
      }
    }
    return byName;
  }

  static AnalysisTemplate load(String file) {
    String path = RESOURCE_DIR + file;
    // Quarkus loads application resources through the context class loader.
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = BuiltinTemplates.class.getClassLoader();
    }
    try (InputStream in = loader.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("built-in template " + path + " is not on the classpath");
      }
      AnalysisTemplate template = Serialization.unmarshal(in, AnalysisTemplate.class);
      if (template == null
          || !"AnalysisTemplate".equals(template.getKind())
          || !API_VERSION.equals(template.getApiVersion())
          || template.getMetadata() == null
          || template.getMetadata().getName() == null) {
        throw new IllegalStateException(
            path + " is not an " + API_VERSION + " AnalysisTemplate with a metadata.name");
      }
      return template;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read built-in template " + path, e);
    }
  }
}
