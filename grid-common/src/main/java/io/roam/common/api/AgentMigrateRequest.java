package io.roam.common.api;

import io.roam.common.id.NodeId;
import java.util.Objects;

/** The manager's order to a job's current agent: move it to {@code target}. */
public record AgentMigrateRequest(NodeId target, String attempt) {
  public AgentMigrateRequest {
    Objects.requireNonNull(target, "target is required");
    if (attempt == null || !attempt.matches("[A-Za-z0-9-]{1,64}")) {
      throw new IllegalArgumentException("attempt must be 1 to 64 letters, digits or '-'");
    }
  }
}
