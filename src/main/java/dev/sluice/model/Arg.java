package dev.sluice.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A named string argument: a template's declaration (value = default) or a Canary's value. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Arg {
  @Required
  @Size(min = 1, max = 63)
  @Pattern(Patterns.ARG_NAME)
  public String name;

  @Size(max = 253)
  public String value;

  public Arg() {}

  public Arg(String name, String value) {
    this.name = name;
    this.value = value;
  }
}
