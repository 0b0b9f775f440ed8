package dev.sluice.model;

/** Regular expressions shared by the CRD schema and the daemon's own validation. */
public final class Patterns {
  private Patterns() {}

  /** A Kubernetes label value that is not empty. */
  public static final String LABEL_VALUE = "^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

  /** A label key without prefix. */
  public static final String LABEL_NAME =
      "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

  /** A DNS-1123 subdomain (names of most Kubernetes objects). */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A DNS-1123 label (namespace names). */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** A template argument name: usable as {{ name }}. */
  public static final String ARG_NAME = "^[A-Za-z][A-Za-z0-9_]*$";

  /** A duration such as 500ms, 30s, 1m30s, 2h. */
  public static final String DURATION = "^([0-9]+(ms|s|m|h))+$";
}
