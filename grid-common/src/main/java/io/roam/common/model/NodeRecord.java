package io.roam.common.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import java.time.Instant;
import java.util.Objects;

/**
 * A live node, as its agent registers it (an ephemeral znode: it vanishes with the agent).
 *
 * @param address the address other parts of the grid reach its agent at
 * @param port the agent's API port
 * @param speed relative speed of one core (1.0 = the reference node)
 * @param sandboxed whether the node runs in its own mount namespace (local grid as root)
 * @param migrationPort the agent's port for incoming migrations (same address); 0 if none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeRecord(
    NodeId id,
    ClusterId cluster,
    String address,
    int port,
    int cores,
    long memoryBytes,
    double speed,
    boolean sandboxed,
    String version,
    Instant startedAt,
    int migrationPort) {

  public NodeRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(startedAt, "startedAt");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
    }
    if (migrationPort < 0 || migrationPort > 65535) {
      throw new IllegalArgumentException("migration port " + migrationPort + " is not a port");
    }
    if (cores < 1) {
      throw new IllegalArgumentException("a node needs at least one core, not " + cores);
    }
    if (memoryBytes < 1) {
      throw new IllegalArgumentException("memory must be positive, not " + memoryBytes);
    }
    if (!(speed > 0)) {
      throw new IllegalArgumentException("speed must be positive, not " + speed);
    }
  }

  /** The base URL of its agent API. */
  public String agentUrl() {
    String host = address.contains(":") ? "[" + address + "]" : address;
    return "http://" + host + ":" + port;
  }
}
