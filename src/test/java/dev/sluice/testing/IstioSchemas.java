package dev.sluice.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.i18n.DefaultMessageSource;
import com.networknt.schema.i18n.MessageSource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Validates VirtualServices and DestinationRules against the real Istio CRDs, vendored in {@code
 * src/test/resources/istio/} (see the README there: Istio's own files, unchanged, Apache-2.0), with
 * the {@code openAPIV3Schema} of the version the object names ({@code v1} for everything Sluice
 * writes), for any test that wants to know that what Sluice writes is what Istio would accept. The
 * files are on the test class path, so no test is ever skipped for want of them.
 *
 * <p>How: the OpenAPI v3 schema of the CRD is turned into a JSON Schema (draft 4, which OpenAPI v3
 * schemas are a dialect of) that behaves like the API server where a validator can:
 *
 * <ul>
 *   <li>{@code nullable: true} allows null; elsewhere null is an error;
 *   <li>{@code format: int32}/{@code int64} become minimum/maximum bounds (the API server rejects
 *       an out-of-range integer; the validator knows no such formats); {@code date-time} is checked
 *       by the validator;
 *   <li>every object schema with {@code properties} and neither {@code additionalProperties} nor
 *       {@code x-kubernetes-preserve-unknown-fields} gets {@code additionalProperties: false}, and
 *       the root gets {@code apiVersion}, {@code kind} and {@code metadata}, which the API server
 *       adds implicitly. This is <em>stricter</em> than an API server by default: it prunes unknown
 *       fields (with a warning) unless the write asks for strict field validation. A pruned field
 *       is a lost edit, so here it is an error.
 * </ul>
 *
 * <p>Limits, not checked here: the CEL rules in {@code x-kubernetes-validations} (Istio uses them
 * for durations, "only one of" constraints, header names, ...); the other {@code x-kubernetes-*}
 * extensions (list types, map keys, embedded resources); the formats {@code byte} and {@code
 * double}; {@code metadata} beyond being an object; and Istio's own semantic validation (its
 * webhook and analyzers: e.g. that a subset exists in the DestinationRule). So a pass means "the
 * API server's structural schema accepts it", not "Istio will route it as intended".
 */
public final class IstioSchemas {

  public static final String VIRTUAL_SERVICE_CRD = "virtualservices.crd.yaml";
  public static final String DESTINATION_RULE_CRD = "destinationrules.crd.yaml";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

  private IstioSchemas() {}

  /**
   * One of the vendored CRD files ({@link #VIRTUAL_SERVICE_CRD}, {@link #DESTINATION_RULE_CRD}),
   * opened from the test class path; the caller closes it.
   */
  public static InputStream crd(String file) {
    InputStream in = IstioSchemas.class.getClassLoader().getResourceAsStream("istio/" + file);
    if (in == null) {
      throw new IllegalStateException(
          "istio/" + file + " is missing from the test resources (src/test/resources/istio/)");
    }
    return in;
  }

  /**
   * Schema errors of a VirtualService (a fabric8 resource, a Jackson tree, a map, or YAML/JSON
   * text); empty when it is valid.
   */
  public static List<String> virtualServiceErrors(Object resource) {
    return errors(VIRTUAL_SERVICE_CRD, "VirtualService", resource);
  }

  /** Schema errors of a DestinationRule; see {@link #virtualServiceErrors}. */
  public static List<String> destinationRuleErrors(Object resource) {
    return errors(DESTINATION_RULE_CRD, "DestinationRule", resource);
  }

  /** Fails (AssertionError listing every error) unless the VirtualService is valid. */
  public static void validateVirtualService(Object resource) {
    failOn("VirtualService", virtualServiceErrors(resource), resource);
  }

  /** Fails (AssertionError listing every error) unless the DestinationRule is valid. */
  public static void validateDestinationRule(Object resource) {
    failOn("DestinationRule", destinationRuleErrors(resource), resource);
  }

  private static void failOn(String kind, List<String> errors, Object resource) {
    if (!errors.isEmpty()) {
      throw new AssertionError(
          kind
              + " does not match the Istio CRD schema:\n  "
              + String.join("\n  ", errors)
              + "\nobject:\n"
              + SERIALIZATION.asYaml(toJson(resource)));
    }
  }

  private static List<String> errors(String crdFile, String kind, Object resource) {
    JsonNode json = toJson(resource);
    List<String> errors = new ArrayList<>();
    String apiVersion = json.path("apiVersion").asText("");
    String prefix = "networking.istio.io/";
    if (!apiVersion.startsWith(prefix)) {
      errors.add("apiVersion is '" + apiVersion + "', not " + prefix + "<version>");
      return errors;
    }
    if (!kind.equals(json.path("kind").asText())) {
      errors.add("kind is '" + json.path("kind").asText() + "', not " + kind);
    }
    String version = apiVersion.substring(prefix.length());
    Schema schema =
        SCHEMAS.computeIfAbsent(crdFile + "@" + version, key -> load(crdFile, kind, version));
    for (Error error : schema.validate(json)) {
      errors.add(error.toString());
    }
    return errors;
  }

  private static JsonNode toJson(Object resource) {
    if (resource instanceof JsonNode node) {
      return node;
    }
    if (resource instanceof String text) {
      try {
        return YAML.readTree(text);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return SERIALIZATION.convertValue(resource, JsonNode.class);
  }

  private static Schema load(String crdFile, String kind, String version) {
    JsonNode crd;
    try {
      try (InputStream in = crd(crdFile)) {
        crd = YAML.readTree(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (JsonNode v : crd.path("spec").path("versions")) {
      if (version.equals(v.path("name").asText())) {
        JsonNode openApi = v.path("schema").path("openAPIV3Schema");
        SchemaRegistryConfig config =
            SchemaRegistryConfig.builder()
                .locale(Locale.ROOT)
                .messageSource(OwnMessages.INSTANCE)
                .build();
        return SchemaRegistry.withDefaultDialect(
                SpecificationVersion.DRAFT_4, registry -> registry.schemaRegistryConfig(config))
            .getSchema(toJsonSchema(openApi));
      }
    }
    throw new IllegalArgumentException(kind + " CRD " + crdFile + " has no version " + version);
  }

  /**
   * The JSON Schema (draft 4) for a CRD's {@code openAPIV3Schema}, rewritten as the class comment
   * says. Public so that a test can see what is (and is not) being checked.
   */
  public static ObjectNode toJsonSchema(JsonNode openApiV3Schema) {
    ObjectNode root = openApiV3Schema.deepCopy();
    ObjectNode properties = root.withObject("/properties");
    properties.putObject("apiVersion").put("type", "string");
    properties.putObject("kind").put("type", "string");
    properties.putObject("metadata").put("type", "object");
    rewrite(root);
    return root;
  }

  private static void rewrite(JsonNode node) {
    if (!(node instanceof ObjectNode schema)) {
      return;
    }
    boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    // The validator would ignore these (or warn); their meaning is the API server's.
    for (Iterator<String> names = schema.fieldNames(); names.hasNext(); ) {
      if (names.next().startsWith("x-kubernetes-")) {
        names.remove();
      }
    }
    if (schema.path("nullable").asBoolean(false) && schema.get("type") != null) {
      ArrayNode types = schema.arrayNode().add(schema.get("type")).add("null");
      schema.set("type", types);
    }
    schema.remove("nullable");
    String format = schema.path("format").asText(null);
    if ("int32".equals(format)) {
      bound(schema, Integer.MIN_VALUE, Integer.MAX_VALUE);
    } else if ("int64".equals(format)) {
      bound(schema, Long.MIN_VALUE, Long.MAX_VALUE);
    }
    if (format != null && !"date-time".equals(format)) {
      schema.remove("format");
    }
    if (schema.has("properties") && !schema.has("additionalProperties") && !preserveUnknown) {
      schema.put("additionalProperties", false);
    }
    schema.path("properties").forEach(IstioSchemas::rewrite);
    rewrite(schema.get("items"));
    rewrite(schema.get("additionalProperties"));
    rewrite(schema.get("not"));
    for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
      schema.path(combinator).forEach(IstioSchemas::rewrite);
    }
  }

  /**
   * The validator's messages, read from its own jar. wiremock-standalone (also a test dependency)
   * carries an older {@code jsv-messages.properties} at the same path whose placeholders are
   * numbered differently; when it comes first on the class path the messages read "{2} expected".
   */
  private static final class OwnMessages implements MessageSource {
    static final MessageSource INSTANCE = load();

    private final Properties messages;

    private OwnMessages(Properties messages) {
      this.messages = messages;
    }

    private static MessageSource load() {
      try {
        URL location = Schema.class.getProtectionDomain().getCodeSource().getLocation();
        Path path = Path.of(location.toURI());
        URL bundle =
            Files.isDirectory(path)
                ? path.resolve("jsv-messages.properties").toUri().toURL()
                : URI.create("jar:" + location + "!/jsv-messages.properties").toURL();
        Properties messages = new Properties();
        try (InputStream in = bundle.openStream()) {
          messages.load(in);
        }
        return new OwnMessages(messages);
      } catch (IOException | URISyntaxException | RuntimeException e) {
        return DefaultMessageSource.getInstance();
      }
    }

    @Override
    public String getMessage(
        String key, Supplier<String> defaultMessage, Locale locale, Object... arguments) {
      String pattern = messages.getProperty(key);
      if (pattern == null) {
        return defaultMessage == null ? key : defaultMessage.get();
      }
      return new MessageFormat(pattern, Locale.ROOT).format(arguments);
    }
  }

  /** Narrows minimum/maximum to the range of the format, keeping tighter bounds already there. */
  private static void bound(ObjectNode schema, long min, long max) {
    if (!schema.has("minimum") || schema.get("minimum").asLong() < min) {
      schema.put("minimum", min);
    }
    if (!schema.has("maximum") || schema.get("maximum").asLong() > max) {
      schema.put("maximum", max);
    }
  }
}
