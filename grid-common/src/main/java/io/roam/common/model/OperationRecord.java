package io.roam.common.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A persisted operation on a cluster (detach, attach) or on one node of it (expel, bring), driven
 * by the leading manager. Its progress lives here, so a manager that takes over resumes it.
 *
 * @param deadline when the owner wants it done; null for no deadline
 * @param onDeadline what happens at the deadline if jobs are still not moved
 * @param message what the operation waits for or why it failed, in a user's words
 * @param node the node of an expel or bring (then {@code cluster} is its cluster); null for a
 *     cluster operation
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
    String message,
    NodeId node) {

  public enum Kind {
    DETACH,
    ATTACH,
    /** Send every guest on a node away (home, or elsewhere in its home cluster). */
    EXPEL,
    /** Call every job whose home is a node back to it. */
    BRING
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

  /** A cluster operation (no node). */
  public OperationRecord(
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
    this(
        id, kind, cluster, state, createdAt, updatedAt, deadline, onDeadline, items, message, null);
  }

  @JsonCreator
  public OperationRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(state, "state");
    items = items == null ? List.of() : List.copyOf(items);
    onDeadline = onDeadline == null ? OnDeadline.WAIT : onDeadline;
    if ((kind == Kind.EXPEL || kind == Kind.BRING) != (node != null)) {
      throw new IllegalArgumentException(kind + " needs a node exactly when it is a node's");
    }
  }

  /** What it acts on, in a user's words: "cluster c1" or "node c1-n2". */
  @JsonIgnore
  public String subject() {
    return node == null ? "cluster " + cluster : "node " + node;
  }

  public OperationRecord with(State next, List<Item> nextItems, String why, Instant now) {
    return new OperationRecord(
        id, kind, cluster, next, createdAt, now, deadline, onDeadline, nextItems, why, node);
  }

  public long count(ItemState s) {
    return items.stream().filter(i -> i.state() == s).count();
  }
}
