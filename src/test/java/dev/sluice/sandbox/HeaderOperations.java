package dev.sluice.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One place's header manipulation of a VirtualService (Istio's {@code Headers.HeaderOperations}:
 * {@code headers.request} or {@code headers.response} of an HTTP route or of one of its
 * destinations), applied as Envoy applies it: first {@code remove} (every value of each named
 * header), then {@code set} (the header gets exactly this one value), then {@code add} (one more
 * value beside those already there, as Envoy appends a header: a {@code Set-Cookie} added this way
 * is a header line of its own). Header names are compared without case.
 *
 * <p>Several places apply in the order Istio's Envoy configuration gives them: a destination's
 * first, then its route's ({@link #applyAll}), so that on a conflict the route's {@code set} wins.
 */
record HeaderOperations(Map<String, String> set, Map<String, String> add, List<String> remove) {
  /** No manipulation. */
  static final HeaderOperations NONE = new HeaderOperations(Map.of(), Map.of(), List.of());

  HeaderOperations {
    set = Map.copyOf(set);
    add = Map.copyOf(add);
    remove = List.copyOf(remove);
  }

  /**
   * The operations in {@code headers} (a route's or a destination's {@code headers} field) for
   * {@code direction}, {@code request} or {@code response}; {@link #NONE} when there are none.
   */
  static HeaderOperations of(Object headers, String direction) {
    Map<String, Object> ops = MeshConfig.map(MeshConfig.map(headers).get(direction));
    if (ops.isEmpty()) {
      return NONE;
    }
    return new HeaderOperations(
        strings(ops.get("set")),
        strings(ops.get("add")),
        MeshConfig.<Object>list(ops.get("remove")).stream().map(Object::toString).toList());
  }

  private static Map<String, String> strings(Object o) {
    Map<String, String> out = new TreeMap<>(); // sorted: Istio emits a map's keys in order
    MeshConfig.map(o).forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  boolean isEmpty() {
    return set.isEmpty() && add.isEmpty() && remove.isEmpty();
  }

  /** {@code headers} after these operations; the result's names are compared without case. */
  Map<String, List<String>> apply(Map<String, List<String>> headers) {
    Map<String, List<String>> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach(
        (name, values) -> out.computeIfAbsent(name, k -> new ArrayList<>()).addAll(values));
    remove.forEach(out::remove);
    new TreeMap<>(set).forEach((name, value) -> out.put(name, new ArrayList<>(List.of(value))));
    new TreeMap<>(add)
        .forEach((name, value) -> out.computeIfAbsent(name, k -> new ArrayList<>()).add(value));
    return out;
  }

  /** {@code headers} after each place's operations in turn. */
  static Map<String, List<String>> applyAll(
      List<HeaderOperations> places, Map<String, List<String>> headers) {
    Map<String, List<String>> out = headers;
    for (HeaderOperations ops : places) {
      out = ops.apply(out);
    }
    return out;
  }
}
