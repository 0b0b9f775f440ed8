package dev.sluice.routing;

/**
 * The object changed on the server since it was read (HTTP 409 on a write conditional on its
 * resourceVersion). Nothing was written. The caller must read the object again and decide again; it
 * must not retry the same edit blindly, because the change it raced with may make the edit wrong.
 */
public class WriteConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String kind;
  private final String namespace;
  private final String name;
  private final String resourceVersion;

  public WriteConflictException(
      String kind, String namespace, String name, String resourceVersion, Throwable cause) {
    super(
        kind
            + " "
            + namespace
            + "/"
            + name
            + " changed since it was read at resourceVersion "
            + resourceVersion
            + "; read it again and decide again",
        cause);
    this.kind = kind;
    this.namespace = namespace;
    this.name = name;
    this.resourceVersion = resourceVersion;
  }

  /** Kind of the object, e.g. {@code VirtualService}. */
  public String kind() {
    return kind;
  }

  public String namespace() {
    return namespace;
  }

  public String name() {
    return name;
  }

  /** The resourceVersion the write was conditional on (the one that was read, now stale). */
  public String resourceVersion() {
    return resourceVersion;
  }
}
