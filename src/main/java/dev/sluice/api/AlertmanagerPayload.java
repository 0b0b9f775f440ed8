package dev.sluice.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Alertmanager's webhook payload, version 4 (the only version Alertmanager has sent since 0.4):
 *
 * <pre>{@code
 * {"version": "4", "groupKey": "...", "status": "firing", "receiver": "sluice",
 *  "alerts": [{"status": "firing", "labels": {"alertname": "...", ...},
 *              "annotations": {...}, "startsAt": "...", "fingerprint": "..."}], ...}
 * }</pre>
 *
 * Only what Sluice uses is read: the version, and each alert's status, labels and annotations.
 */
record AlertmanagerPayload(String receiver, List<Alert> alerts) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One alert of the group. */
  record Alert(boolean firing, Map<String, String> labels, Map<String, String> annotations) {
    String name() {
      return labels.getOrDefault("alertname", "(no alertname)");
    }
  }

  /** The body cannot be used; the message says why (HTTP 400). */
  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message);
    }
  }

  static AlertmanagerPayload parse(byte[] body) throws Invalid {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new Invalid(
          "malformed JSON: "
              + e.getOriginalMessage()
              + (at == null
                  ? ""
                  : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (java.io.IOException e) {
      throw new Invalid("unreadable body: " + e.getMessage());
    }
    if (root == null || root.isMissingNode()) {
      throw new Invalid("empty body: expected an Alertmanager webhook payload (version 4)");
    }
    if (!root.isObject()) {
      throw new Invalid("the body is JSON but not an object: expected an Alertmanager payload");
    }
    JsonNode version = root.get("version");
    if (version == null) {
      throw new Invalid(
          "not an Alertmanager webhook payload: no \"version\" (Sluice reads version \"4\")");
    }
    if (!version.isTextual() || !version.asText().equals("4")) {
      throw new Invalid(
          "payload version "
              + clip(version.toString())
              + " is not supported: Sluice reads Alertmanager's webhook payload version \"4\"");
    }
    JsonNode alerts = root.get("alerts");
    if (alerts == null || !alerts.isArray()) {
      throw new Invalid("a version 4 payload has an \"alerts\" array; this one has none");
    }
    List<Alert> out = new ArrayList<>(alerts.size());
    for (int i = 0; i < alerts.size(); i++) {
      out.add(alert(alerts.get(i), "alerts[" + i + "]"));
    }
    JsonNode receiver = root.get("receiver");
    return new AlertmanagerPayload(
        receiver != null && receiver.isTextual() ? receiver.asText() : null, List.copyOf(out));
  }

  private static Alert alert(JsonNode a, String where) throws Invalid {
    if (!a.isObject()) {
      throw new Invalid(where + " is not an object");
    }
    JsonNode status = a.get("status");
    if (status == null || !status.isTextual()) {
      throw new Invalid(where + " has no \"status\" (firing or resolved)");
    }
    boolean firing;
    switch (status.asText()) {
      case "firing" -> firing = true;
      case "resolved" -> firing = false;
      default ->
          throw new Invalid(
              where + ".status is " + clip(status.toString()) + "; expected firing or resolved");
    }
    return new Alert(firing, strings(a.get("labels"), where + ".labels", true), annotations(a));
  }

  private static Map<String, String> annotations(JsonNode a) {
    JsonNode n = a.get("annotations");
    if (n == null || !n.isObject()) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    n.fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isTextual()) {
                out.put(e.getKey(), e.getValue().asText());
              }
            });
    return Collections.unmodifiableMap(out);
  }

  private static Map<String, String> strings(JsonNode n, String where, boolean required)
      throws Invalid {
    if (n == null || n.isNull()) {
      if (required) {
        throw new Invalid(where + " is missing");
      }
      return Map.of();
    }
    if (!n.isObject()) {
      throw new Invalid(where + " is not an object of strings");
    }
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = n.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new Invalid(where + "." + clip(e.getKey()) + " is not a string");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return Collections.unmodifiableMap(out);
  }

  static String clip(String s) {
    return s.length() <= 64 ? s : s.substring(0, 63) + "…";
  }
}
