package io.roam.vmnode.spec;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import java.time.Duration;
import java.util.Objects;

/**
 * What a guest needs to know to join the grid as its node. It travels to the guest on the seed disk
 * only.
 *
 * @param zkConnect the ZooKeeper connect string as seen from inside the guest
 * @param bind where the guest agent listens, inside the guest (e.g. 0.0.0.0:7400)
 * @param advertise where the rest of the grid reaches that agent (e.g. 127.0.0.1:17400 on the host,
 *     through the port forward)
 * @param secret the agent secret handed to the guest; never logged
 * @param migrationGuestPort the agent's migration port inside the guest; 0 when not forwarded
 * @param migrationHostPort where the rest of the grid reaches that port on the host; 0 when not
 *     forwarded
 * @param hostLoopback the host's loopback address as the guest sees it (peers advertising a
 *     loopback address are reached there); null when not set
 * @param zkSessionTimeout the agent's ZooKeeper session timeout; null for the agent's default
 * @param transferTimeout how long the agent's transfers may make no progress (its {@code
 *     --transfer-timeout-s}); null for the agent's default
 */
public record NodeIdentity(
    NodeId node,
    ClusterId cluster,
    String grid,
    String zkConnect,
    String bind,
    String advertise,
    String secret,
    int migrationGuestPort,
    int migrationHostPort,
    String hostLoopback,
    Duration zkSessionTimeout,
    Duration transferTimeout) {
  public NodeIdentity {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(grid, "grid");
    Objects.requireNonNull(zkConnect, "zkConnect");
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(advertise, "advertise");
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException("a node needs the agent secret");
    }
    if (migrationGuestPort < 0 || migrationHostPort < 0) {
      throw new IllegalArgumentException("migration ports must not be negative");
    }
  }

  /** An identity whose agent keeps its default transfer timeout. */
  public NodeIdentity(
      NodeId node,
      ClusterId cluster,
      String grid,
      String zkConnect,
      String bind,
      String advertise,
      String secret,
      int migrationGuestPort,
      int migrationHostPort,
      String hostLoopback,
      Duration zkSessionTimeout) {
    this(
        node,
        cluster,
        grid,
        zkConnect,
        bind,
        advertise,
        secret,
        migrationGuestPort,
        migrationHostPort,
        hostLoopback,
        zkSessionTimeout,
        null);
  }

  /** An identity without a migration forward, host loopback or session timeout. */
  public NodeIdentity(
      NodeId node,
      ClusterId cluster,
      String grid,
      String zkConnect,
      String bind,
      String advertise,
      String secret) {
    this(node, cluster, grid, zkConnect, bind, advertise, secret, 0, 0, null, null, null);
  }

  @Override
  public String toString() {
    return "NodeIdentity[node="
        + node
        + ", cluster="
        + cluster
        + ", grid="
        + grid
        + ", zkConnect="
        + zkConnect
        + ", bind="
        + bind
        + ", advertise="
        + advertise
        + ", secret="
        + "(set)"
        + ", migrationGuestPort="
        + migrationGuestPort
        + ", migrationHostPort="
        + migrationHostPort
        + ", hostLoopback="
        + hostLoopback
        + ", zkSessionTimeout="
        + zkSessionTimeout
        + ", transferTimeout="
        + transferTimeout
        + "]";
  }
}
