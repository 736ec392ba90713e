package io.roam.agent.placement;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.util.Objects;

/**
 * One planned migration.
 *
 * @param expectedGainSeconds expected completion here minus expected completion there, cost of the
 *     move included
 * @param memoryBytes what the move transfers
 * @param expectedRemaining the job's expected remaining CPU (reference seconds)
 * @param completionHere its expected completion where it is (s): the target compares against it
 *     when it is asked to take the job (see {@link Balancer#accepts})
 */
public record Move(
    JobId job,
    NodeId target,
    Reason reason,
    double expectedGainSeconds,
    long memoryBytes,
    double expectedRemaining,
    double completionHere) {
  /** Why the job moves. */
  public enum Reason {
    /** Its node is short of memory: moved before the node swaps. */
    MEMORY,
    /** It is expected to finish sooner elsewhere, cost of moving included. */
    LOAD
  }

  public Move {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(reason, "reason");
  }
}
