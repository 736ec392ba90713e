package io.roam.agent.placement;

import java.util.List;
import java.util.Objects;

/**
 * What one node knows when it decides: itself, its jobs, and its (aged) view of the others.
 *
 * @param stay the node's owner said: no automatic migration away from it
 */
public record Snapshot(NodeState self, boolean stay, List<JobLoad> jobs, List<NodeState> others) {
  public Snapshot {
    Objects.requireNonNull(self, "self");
    jobs = List.copyOf(jobs);
    others = List.copyOf(others);
  }
}
