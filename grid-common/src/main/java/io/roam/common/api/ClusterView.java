package io.roam.common.api;

import io.roam.common.id.ClusterId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterState;
import java.time.Instant;

/**
 * A cluster as the API shows it: its record, its policy and what runs on it.
 *
 * @param nodes live nodes of the cluster
 * @param guestsIn running jobs of other clusters on this cluster's nodes
 * @param guestsOut running jobs of this cluster on other clusters' nodes
 * @param policyVersion version of the stored policy (-1: never set, the default applies)
 */
public record ClusterView(
    ClusterId id,
    String owner,
    ClusterState state,
    Instant createdAt,
    ClusterPolicy policy,
    int policyVersion,
    int nodes,
    int runningJobs,
    int guestsIn,
    int guestsOut) {}
