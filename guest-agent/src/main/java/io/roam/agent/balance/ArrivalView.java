package io.roam.agent.balance;

import io.roam.agent.placement.Snapshot;
import io.roam.common.id.NodeId;
import io.roam.common.model.NodeRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What passing on a job that has not started reads of this node's balancing. */
public interface ArrivalView {
  /**
   * This node and its view as the forwarding rule sees them, or empty when it passes nothing on.
   *
   * @param forwards jobs this node passed on lately, counted on their targets
   */
  Optional<Snapshot> arrivalSnapshot(Map<NodeId, Integer> forwards);

  /** The nodes of the grid, as last read. */
  List<NodeRecord> members();

  /** Whether the node's owner closed it to guests. */
  boolean isBlocked(NodeId node);
}
