package io.roam.agent.balance;

import io.roam.agent.gossip.LoadEntry;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;

/** Other nodes' agents, as a node that passes a job on asks them. */
public interface PeerAgents {
  /**
   * The node's own load entry as it stands (measured at its last step, with what is on its way).
   *
   * @throws PeerCallException if it does not answer in time, or refuses
   */
  LoadEntry load(NodeRecord node);

  /**
   * Asks the node to start a job registered for it; returns the job's record as it started.
   *
   * @throws PeerCallException if it does not answer in time, or refuses
   */
  JobRecord launch(NodeRecord node, AgentLaunchRequest request);

  /** A call to another agent that failed: {@code status} 0 if it did not answer. */
  final class PeerCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public PeerCallException(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }
}
