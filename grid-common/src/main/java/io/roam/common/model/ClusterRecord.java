package io.roam.common.model;

import io.roam.common.id.ClusterId;
import java.time.Instant;
import java.util.Objects;

/** One owner's cluster: the unit of attach and detach. */
public record ClusterRecord(ClusterId id, String owner, ClusterState state, Instant createdAt) {
  public ClusterRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    if (owner == null || owner.isBlank()) {
      throw new IllegalArgumentException("cluster " + id + " needs an owner");
    }
  }

  public ClusterRecord withState(ClusterState next) {
    return new ClusterRecord(id, owner, next, createdAt);
  }
}
