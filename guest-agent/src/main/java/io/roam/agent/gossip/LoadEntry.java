package io.roam.agent.gossip;

import io.roam.common.id.NodeId;
import java.util.Objects;

/**
 * What one node last said about its load, as a peer knows it.
 *
 * @param node the node the figures describe
 * @param runnable CPU demand: runnable processes, including migrations it has accepted and not yet
 *     received (so a newly idle node does not look idle to every sender at once)
 * @param jobs grid jobs on the node
 * @param speed relative speed of one core (1.0 = the reference node)
 * @param freeMemoryBytes memory not in use
 * @param totalMemoryBytes memory of the node
 * @param age gossip steps since the node measured these figures (0 = just now)
 */
public record LoadEntry(
    NodeId node,
    double runnable,
    int jobs,
    double speed,
    long freeMemoryBytes,
    long totalMemoryBytes,
    int age) {

  public LoadEntry {
    Objects.requireNonNull(node, "node");
    if (!(runnable >= 0) || Double.isInfinite(runnable)) {
      throw new IllegalArgumentException("runnable must be finite and >= 0, not " + runnable);
    }
    if (jobs < 0) {
      throw new IllegalArgumentException("jobs must be >= 0, not " + jobs);
    }
    if (!(speed > 0) || Double.isInfinite(speed)) {
      throw new IllegalArgumentException("speed must be finite and positive, not " + speed);
    }
    if (totalMemoryBytes < 0 || freeMemoryBytes < 0 || freeMemoryBytes > totalMemoryBytes) {
      throw new IllegalArgumentException(
          "memory must be 0 <= free <= total, not free="
              + freeMemoryBytes
              + " total="
              + totalMemoryBytes);
    }
    if (age < 0) {
      throw new IllegalArgumentException("age must be >= 0, not " + age);
    }
  }

  /** The same figures, older or younger. */
  public LoadEntry withAge(int newAge) {
    return newAge == age
        ? this
        : new LoadEntry(node, runnable, jobs, speed, freeMemoryBytes, totalMemoryBytes, newAge);
  }
}
