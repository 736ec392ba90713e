package io.roam.vmnode.spec;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import java.util.Objects;
import java.util.Optional;

/**
 * What a guest needs to know to join the grid as its node. It travels to the guest on the seed disk
 * only.
 *
 * @param zkConnect the ZooKeeper connect string as seen from inside the guest
 * @param credentials secret handed to the guest agent (for example ZooKeeper digest credentials);
 *     never logged
 */
public record NodeIdentity(
    NodeId node, ClusterId cluster, String grid, String zkConnect, Optional<String> credentials) {
  public NodeIdentity {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(grid, "grid");
    Objects.requireNonNull(zkConnect, "zkConnect");
    Objects.requireNonNull(credentials, "credentials");
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
        + ", credentials="
        + (credentials.isPresent() ? "(set)" : "(none)")
        + "]";
  }
}
