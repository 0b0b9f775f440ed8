package dev.sluice.analysis;

/**
 * An argument a template declares, usable in its queries and pass rules as {@code {{ name }}}.
 *
 * @param name the argument's name ({@code [A-Za-z][A-Za-z0-9_]*})
 * @param defaultValue the value used when the Canary gives none, or {@code null} when the argument
 *     is required
 */
public record TemplateArg(String name, String defaultValue) {

  /** A required argument: the Canary must give it. */
  public static TemplateArg required(String name) {
    return new TemplateArg(name, null);
  }

  /** An argument with a default. */
  public static TemplateArg withDefault(String name, String defaultValue) {
    return new TemplateArg(name, defaultValue);
  }

  /** Whether the Canary must give this argument (it has no default). */
  public boolean isRequired() {
    return defaultValue == null;
  }
}
