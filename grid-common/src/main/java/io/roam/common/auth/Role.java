package io.roam.common.auth;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a token holder may do; in JSON, {@code admin} or {@code owner}. */
public enum Role {
  /** Everything, on every cluster. */
  @JsonProperty("admin")
  ADMIN,
  /**
   * Runs jobs and kills their own; creates clusters for themself and manages the clusters they own
   * (a cluster's {@code owner} names its owner principal).
   */
  @JsonProperty("owner")
  OWNER
}
