package io.roam.agent.placement;

import io.roam.agent.gossip.LoadEntry;
import io.roam.common.id.NodeId;
import java.util.Objects;

/**
 * A node as the balancer sees it: figures from gossip (possibly old) and what the deciding node
 * itself knows about it.
 *
 * @param runnable CPU demand as last reported
 * @param age gossip steps since the figures were measured
 * @param blocked the node takes no guests (its owner said so)
 * @param incoming migrations the deciding node already has under way to it
 */
public record NodeState(
    NodeId node,
    double speed,
    double runnable,
    long freeMemoryBytes,
    long totalMemoryBytes,
    int age,
    boolean blocked,
    int incoming) {

  public NodeState {
    Objects.requireNonNull(node, "node");
    if (!(speed > 0)) {
      throw new IllegalArgumentException("speed must be positive, not " + speed);
    }
    if (!(runnable >= 0)) {
      throw new IllegalArgumentException("runnable must be >= 0, not " + runnable);
    }
    if (freeMemoryBytes < 0 || totalMemoryBytes < freeMemoryBytes) {
      throw new IllegalArgumentException("memory must be 0 <= free <= total");
    }
    if (age < 0 || incoming < 0) {
      throw new IllegalArgumentException("age and incoming must be >= 0");
    }
  }

  /**
   * A node as gossip describes it.
   *
   * @param blocked whether its owner closed it to guests
   * @param incoming migrations the deciding node has under way to it
   */
  public static NodeState from(LoadEntry entry, boolean blocked, int incoming) {
    return new NodeState(
        entry.node(),
        entry.speed(),
        entry.runnable(),
        entry.freeMemoryBytes(),
        entry.totalMemoryBytes(),
        entry.age(),
        blocked,
        incoming);
  }

  /** A node with fresh figures, open to guests, with nothing on the way to it. */
  public static NodeState of(NodeId node, double speed, double runnable, long free, long total) {
    return new NodeState(node, speed, runnable, free, total, 0, false, 0);
  }

  public NodeState withBlocked(boolean newBlocked) {
    return new NodeState(
        node, speed, runnable, freeMemoryBytes, totalMemoryBytes, age, newBlocked, incoming);
  }

  public NodeState withIncoming(int newIncoming) {
    return new NodeState(
        node, speed, runnable, freeMemoryBytes, totalMemoryBytes, age, blocked, newIncoming);
  }

  public NodeState withAge(int newAge) {
    return new NodeState(
        node, speed, runnable, freeMemoryBytes, totalMemoryBytes, newAge, blocked, incoming);
  }
}
