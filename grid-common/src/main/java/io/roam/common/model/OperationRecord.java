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
 * @param parallel how many of its migrations may run at once; null (records written before it was a
 *     setting) means the manager's configured number
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
    NodeId node,
    Integer parallel) {

  /** The most migrations one operation may run at once. */
  public static final int MAX_PARALLEL = 64;

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

  /** An operation at the manager's configured parallelism. */
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
      String message,
      NodeId node) {
    this(
        id,
        kind,
        cluster,
        state,
        createdAt,
        updatedAt,
        deadline,
        onDeadline,
        items,
        message,
        node,
        null);
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
    checkParallel(parallel);
  }

  /** What it acts on, in a user's words: "cluster c1" or "node c1-n2". */
  @JsonIgnore
  public String subject() {
    return node == null ? "cluster " + cluster : "node " + node;
  }

  public OperationRecord with(State next, List<Item> nextItems, String why, Instant now) {
    return new OperationRecord(
        id,
        kind,
        cluster,
        next,
        createdAt,
        now,
        deadline,
        onDeadline,
        nextItems,
        why,
        node,
        parallel);
  }

  /** The migrations it may run at once: its own setting, else {@code configured}. */
  public int parallelOr(int configured) {
    return parallel == null ? configured : parallel;
  }

  /** Checks a requested parallelism (null: the manager's configured number). */
  public static Integer checkParallel(Integer parallel) {
    if (parallel != null && (parallel < 1 || parallel > MAX_PARALLEL)) {
      throw new IllegalArgumentException(
          "parallel must be between 1 and " + MAX_PARALLEL + ", not " + parallel);
    }
    return parallel;
  }

  public long count(ItemState s) {
    return items.stream().filter(i -> i.state() == s).count();
  }
}
