package dev.sluice.deploy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fields a fabric8 model object (or one of Sluice's model classes) did not recognise.
 *
 * <p>fabric8's model classes never refuse a field: one they do not know, or one whose value has the
 * wrong type, lands in the object's {@code additionalProperties} map. So "it parses into a
 * Deployment" means little by itself: {@code readOnlyRootFileSystem: true} (a typo the API server
 * would drop with a warning) parses too. This walks the parsed object and lists every such field
 * with its path; an object that truly matches its model type has none.
 */
final class ModelCheck {
  private ModelCheck() {}

  static List<String> unknownFields(Object model) {
    List<String> found = new ArrayList<>();
    walk(model, "", found, new IdentityHashMap<>());
    return found;
  }

  private static void walk(
      Object value, String path, List<String> found, IdentityHashMap<Object, Boolean> seen) {
    if (value == null || seen.put(value, Boolean.TRUE) != null) {
      return;
    }
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]", found, seen);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        walk(e.getValue(), path + "[" + e.getKey() + "]", found, seen);
      }
      return;
    }
    if (!isModel(value.getClass())) {
      return;
    }
    for (Class<?> c = value.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        Object fieldValue;
        try {
          field.setAccessible(true);
          fieldValue = field.get(value);
        } catch (ReflectiveOperationException | RuntimeException e) {
          continue;
        }
        if (field.getName().equals("additionalProperties") && fieldValue instanceof Map<?, ?> m) {
          for (Object key : m.keySet()) {
            found.add((path.isEmpty() ? "" : path + ".") + key);
          }
        } else {
          walk(fieldValue, (path.isEmpty() ? "" : path + ".") + field.getName(), found, seen);
        }
      }
    }
  }

  private static boolean isModel(Class<?> type) {
    String name = type.getName();
    return name.startsWith("io.fabric8.kubernetes.api.model.")
        || name.startsWith("dev.sluice.model.");
  }
}
