package dev.sluice.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Map;

/**
 * One Istio HTTPMatchRequest, as a Canary's stage writes it: the fields of one request must all
 * match; of several requests in a list, any one. Sluice copies it into the route it adds.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HttpMatch {
  @Size(max = 253)
  public String name;

  public StringMatch uri;
  public StringMatch scheme;
  public StringMatch method;
  public StringMatch authority;

  @JsonPropertyDescription(
      "Request headers that must match (names lower-case), e.g. x-canary: {exact: insider}; a cookie is matched on the 'cookie' header.")
  public Map<String, StringMatch> headers;

  @JsonPropertyDescription("Request headers that must not match.")
  public Map<String, StringMatch> withoutHeaders;

  public Map<String, StringMatch> queryParams;

  @Min(1)
  @Max(65535)
  public Integer port;

  public Map<String, String> sourceLabels;

  @Size(max = 16)
  public List<String> gateways;

  public Boolean ignoreUriCase;

  @Size(max = 63)
  public String sourceNamespace;

  /** An Istio StringMatch: exactly one of the three. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class StringMatch {
    @Size(max = 1024)
    public String exact;

    @Size(max = 1024)
    public String prefix;

    @Size(max = 1024)
    @JsonPropertyDescription("An RE2 regular expression the whole value must match.")
    public String regex;

    public StringMatch() {}

    public StringMatch(String exact, String prefix, String regex) {
      this.exact = exact;
      this.prefix = prefix;
      this.regex = regex;
    }
  }
}
