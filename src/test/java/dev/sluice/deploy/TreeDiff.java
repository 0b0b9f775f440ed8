package dev.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * Where two JSON trees differ, as JSON pointers with both values. Numbers are compared by value
 * (the YAML {@code 1000.0} and {@code 1000} are the same number to the API server); everything
 * else, including the order of list items and the type of a scalar, must match exactly.
 */
final class TreeDiff {
  private TreeDiff() {}

  static List<String> differences(JsonNode expected, JsonNode actual) {
    List<String> out = new ArrayList<>();
    diff(expected, actual, "", out);
    return out;
  }

  private static void diff(JsonNode a, JsonNode b, String path, List<String> out) {
    if (a.isNumber() && b.isNumber()) {
      if (a.decimalValue().compareTo(b.decimalValue()) != 0) {
        out.add(path + ": " + a + " != " + b);
      }
      return;
    }
    if (a.getNodeType() != b.getNodeType()) {
      out.add(path + ": " + a + " != " + b);
      return;
    }
    if (a.isObject()) {
      TreeSet<String> names = new TreeSet<>();
      a.fieldNames().forEachRemaining(names::add);
      b.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        String p = path + "/" + name.replace("~", "~0").replace("/", "~1");
        if (!a.has(name) || !b.has(name)) {
          out.add(p + (a.has(name) ? ": missing" : ": added"));
        } else {
          diff(a.get(name), b.get(name), p, out);
        }
      }
    } else if (a.isArray()) {
      if (a.size() != b.size()) {
        out.add(path + ": " + a.size() + " items != " + b.size() + " items");
        return;
      }
      Iterator<JsonNode> ia = a.elements();
      Iterator<JsonNode> ib = b.elements();
      for (int i = 0; ia.hasNext(); i++) {
        diff(ia.next(), ib.next(), path + "/" + i, out);
      }
    } else if (!a.equals(b)) {
      out.add(path + ": " + a + " != " + b);
    }
  }
}
