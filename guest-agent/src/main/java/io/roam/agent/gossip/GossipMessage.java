package io.roam.agent.gossip;

import io.roam.common.id.NodeId;
import java.util.List;
import java.util.Objects;

/**
 * One gossip message: a window of load entries, the sender's own first.
 *
 * @param grid the grid the sender belongs to; messages of another grid are refused
 */
public record GossipMessage(String grid, NodeId sender, List<LoadEntry> entries) {
  public GossipMessage {
    Objects.requireNonNull(grid, "grid");
    Objects.requireNonNull(sender, "sender");
    entries = List.copyOf(entries);
  }
}
