package io.roam.common.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.NodeFlags;
import io.roam.common.model.NodeRecord;
import java.time.Instant;

/**
 * A live node as the API shows it: its registration, how many jobs run there, and its flags.
 *
 * @param stay its owner said: no automatic migration away from it (null: not flagged)
 * @param block its owner said: no guests arrive (null: not flagged)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
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
    int runningJobs,
    Boolean stay,
    Boolean block) {

  @JsonCreator
  public NodeSummary {}

  public NodeSummary(
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
    this(
        id,
        cluster,
        address,
        port,
        cores,
        memoryBytes,
        speed,
        sandboxed,
        startedAt,
        runningJobs,
        null,
        null);
  }

  /** The node with its flags; unflagged flags are left out. */
  public static NodeSummary of(NodeRecord node, int runningJobs, NodeFlags flags) {
    NodeSummary s = of(node, runningJobs);
    if (flags == null) {
      return s;
    }
    return new NodeSummary(
        s.id(),
        s.cluster(),
        s.address(),
        s.port(),
        s.cores(),
        s.memoryBytes(),
        s.speed(),
        s.sandboxed(),
        s.startedAt(),
        s.runningJobs(),
        flags.stay() ? Boolean.TRUE : null,
        flags.block() ? Boolean.TRUE : null);
  }

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
