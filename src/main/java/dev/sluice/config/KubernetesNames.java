package dev.sluice.config;

import java.util.regex.Pattern;

/**
 * The Kubernetes API's rules for object names (apimachinery's {@code IsDNS1123Label} and {@code
 * IsDNS1123Subdomain}): a name the API server would refuse is refused at start instead.
 */
public final class KubernetesNames {
  private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final Pattern DNS_LABEL = Pattern.compile(LABEL);
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(LABEL + "(\\." + LABEL + ")*");

  private KubernetesNames() {}

  /** Records a problem unless {@code value} is a DNS-1123 label, as a namespace's name is. */
  public static void label(Problems problems, String property, String value) {
    if (value.length() > 63 || !DNS_LABEL.matcher(value).matches()) {
      problems.add(
          property,
          value,
          "must be a valid Kubernetes name (DNS-1123 label): at most 63 characters, lower-case"
              + " letters, digits and '-', starting and ending with a letter or digit");
    }
  }

  /** Records a problem unless {@code value} is a DNS-1123 subdomain, as a Lease's name is. */
  public static void subdomain(Problems problems, String property, String value) {
    if (value.length() > 253 || !DNS_SUBDOMAIN.matcher(value).matches()) {
      problems.add(
          property,
          value,
          "must be a valid Kubernetes name (DNS-1123 subdomain): at most 253 characters,"
              + " lower-case letters, digits, '-' and '.', starting and ending with a letter or"
              + " digit");
    }
  }
}
