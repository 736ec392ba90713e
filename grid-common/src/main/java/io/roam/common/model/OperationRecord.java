package io.roam.common.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A persisted operation on a cluster (detach, attach), driven by the leading manager. Its progress
 * lives here, so a manager that takes over resumes it.
 *
 * @param deadline when the owner wants it done; null for no deadline
 * @param onDeadline what happens at the deadline if jobs are still not moved
 * @param message what the operation waits for or why it failed, in a user's words
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OperationRecord(
    String id,
    Kind kind,
    ClusterId cluster,
    State state,
    Instant createdAt,
    Instant updatedAt,
    Instant deadline,
    OnDeadline onDeadline,
    List<Item> items,
    String message) {

  public enum Kind {
    DETACH,
    ATTACH
  }

  public enum State {
    RUNNING,
    DONE,
    FAILED
  }

  public enum OnDeadline {
    WAIT,
    FAIL
  }

  public enum ItemState {
    PENDING,
    MOVING,
    DONE,
    FAILED
  }

  /**
   * One job the operation must move.
   *
   * @param attempt the migration attempt under way (MOVING)
   * @param reason why it failed or waits
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Item(
      JobId job, NodeId from, NodeId to, ItemState state, String attempt, String reason) {
    public Item {
      Objects.requireNonNull(job, "job");
      Objects.requireNonNull(state, "state");
    }

    public Item with(ItemState next, NodeId target, String attemptId, String why) {
      return new Item(job, from, target, next, attemptId, why);
    }
  }

  public OperationRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(state, "state");
    items = items == null ? List.of() : List.copyOf(items);
    onDeadline = onDeadline == null ? OnDeadline.WAIT : onDeadline;
  }

  public OperationRecord with(State next, List<Item> nextItems, String why, Instant now) {
    return new OperationRecord(
        id, kind, cluster, next, createdAt, now, deadline, onDeadline, nextItems, why);
  }

  public long count(ItemState s) {
    return items.stream().filter(i -> i.state() == s).count();
  }
}
