package io.roam.agent.placement;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;

/** The clusters' say in balancing: may this job go to that node? */
@FunctionalInterface
public interface MigrationPolicy {
  /** Until clusters have policies, every job may go anywhere that is not blocked. */
  MigrationPolicy ALLOW_ALL = (job, node) -> true;

  boolean allows(JobId job, NodeId target);
}
