package io.roam.common.api;

import io.roam.common.id.ClusterId;
import io.roam.common.id.HostId;
import io.roam.common.id.NodeId;

/**
 * A node wanted as a VM on a host, and what its host last reported of it.
 *
 * @param state the domain's state as the host reports it, or {@code pending} before it does
 */
public record VmSummary(
    HostId host,
    NodeId node,
    ClusterId cluster,
    int vcpus,
    long memoryMib,
    String image,
    String state) {}
