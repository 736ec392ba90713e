package io.roam.store;

import io.roam.common.id.ClusterId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterRecord;
import java.util.Optional;

/**
 * Changes to clusters beyond {@link GridStore#ensureCluster}: creation that fails on a taken id,
 * and the owner's policy (a znode of its own, so that membership changes and policy changes never
 * overwrite each other).
 */
public interface ClusterStore {
  /**
   * Stores a new cluster and its policy.
   *
   * @throws ConflictException if a cluster with that id exists
   */
  void create(ClusterRecord cluster, ClusterPolicy policy);

  /** The cluster's stored policy with its version; empty if it never set one. */
  Optional<Versioned<ClusterPolicy>> policy(ClusterId id);

  /**
   * Replaces the cluster's policy.
   *
   * @return the new version of the policy
   * @throws NotFoundException if there is no such cluster
   */
  int setPolicy(ClusterId id, ClusterPolicy policy);
}
