package io.roam.common.api;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.NodeRecord;
import java.time.Instant;

/** A live node as the API shows it: its registration and how many jobs run there. */
public record NodeSummary(
    NodeId id,
    ClusterId cluster,
    String address,
    int port,
    int cores,
    long memoryBytes,
    double speed,
    boolean sandboxed,
    Instant startedAt,
    int runningJobs) {

  public static NodeSummary of(NodeRecord node, int runningJobs) {
    return new NodeSummary(
        node.id(),
        node.cluster(),
        node.address(),
        node.port(),
        node.cores(),
        node.memoryBytes(),
        node.speed(),
        node.sandboxed(),
        node.startedAt(),
        runningJobs);
  }
}
