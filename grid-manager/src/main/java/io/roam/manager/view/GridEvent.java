package io.roam.manager.view;

import io.roam.common.id.ClusterId;

/**
 * One change the read model saw, in the order it saw them.
 *
 * @param seq position in the stream of this manager (1, 2, ...)
 * @param type e.g. {@code job.changed}, {@code node.joined}, {@code cluster.created}
 * @param id the id of what changed
 * @param cluster the cluster it concerns, when there is one (a node's, a policy's, a cluster's)
 * @param value the record after the change; null when it was deleted
 */
public record GridEvent(long seq, String type, String id, ClusterId cluster, Object value) {}
