package io.roam.agent.placement;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterPolicy;

/** The clusters' say in balancing: may this job go to that node, and how welcome is it there? */
@FunctionalInterface
public interface MigrationPolicy {
  /** Until clusters have policies, every job may go anywhere that is not blocked. */
  MigrationPolicy ALLOW_ALL = (job, node) -> true;

  boolean allows(JobId job, NodeId target);

  /**
   * How much the target's cluster wants the job (its owner's priority for the job's home cluster,
   * see {@code PartnerPriority}): among targets that serve the job well enough, the balancer keeps
   * those that rank it highest. Only asked about targets it {@link #allows}.
   */
  default int priority(JobId job, NodeId target) {
    return ClusterPolicy.DEFAULT_PRIORITY;
  }
}
