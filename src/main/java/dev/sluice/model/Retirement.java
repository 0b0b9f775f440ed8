package dev.sluice.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What happens to the old version's Deployment once the new one holds all traffic. */
public enum Retirement {
  @JsonProperty("delete")
  DELETE,
  @JsonProperty("scaleToZero")
  SCALE_TO_ZERO,
  @JsonProperty("keep")
  KEEP
}
