package dev.sluice.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates a custom resource against the {@code openAPIV3Schema} of a CRD, the way {@link
 * IstioSchemas} validates Istio objects (same rewrite of the schema, so: structural schema,
 * patterns, bounds, required fields, and no unknown fields; not CEL rules).
 */
public final class CrdSchemas {
  private CrdSchemas() {}

  /** Schema errors of {@code resource} for the CRD version its apiVersion names; empty if valid. */
  public static List<String> errors(JsonNode crd, JsonNode resource) {
    String apiVersion = resource.path("apiVersion").asText();
    String group = crd.path("spec").path("group").asText();
    List<String> errors = new ArrayList<>();
    if (!apiVersion.startsWith(group + "/")) {
      errors.add("apiVersion " + apiVersion + " is not in group " + group);
      return errors;
    }
    String version = apiVersion.substring(group.length() + 1);
    for (JsonNode v : crd.path("spec").path("versions")) {
      if (v.path("name").asText().equals(version)) {
        Schema schema =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
                .getSchema(IstioSchemas.toJsonSchema(v.path("schema").path("openAPIV3Schema")));
        for (Error e : schema.validate(resource)) {
          errors.add(e.toString());
        }
        return errors;
      }
    }
    errors.add("the CRD has no version " + version);
    return errors;
  }
}
