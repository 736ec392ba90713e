package io.roam.vmnode.hypervisor;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import java.util.Objects;

/**
 * What vm-node writes into the domains it manages (a metadata element of its own XML namespace):
 * the node the domain is, and a fingerprint of the spec it was defined from. A domain without this
 * mark is not Roam's and is never touched.
 */
public record RoamMark(NodeId node, ClusterId cluster, String specFingerprint) {
  public RoamMark {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(specFingerprint, "specFingerprint");
  }
}
