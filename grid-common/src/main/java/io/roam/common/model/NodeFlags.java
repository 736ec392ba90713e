package io.roam.common.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the owner of a node's cluster said about the node, kept in ZooKeeper apart from the node's
 * (ephemeral) registration so that it outlives agent restarts.
 *
 * @param cluster the node's cluster when the flags were set: who may change them while it is down
 * @param stay no automatic migration away from this node (explicit ones still go)
 * @param block no guests arrive: a job whose home is another node is refused; a job coming home is
 *     always taken
 * @param updatedBy the principal who changed them last
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeFlags(
    NodeId node,
    ClusterId cluster,
    boolean stay,
    boolean block,
    Instant updatedAt,
    String updatedBy) {

  public NodeFlags {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(cluster, "cluster");
  }

  /** A node nobody has flagged. */
  public static NodeFlags none(NodeId node, ClusterId cluster) {
    return new NodeFlags(node, cluster, false, false, null, null);
  }

  /** These flags with {@code stay} and {@code block} changed where not null. */
  public NodeFlags with(Boolean newStay, Boolean newBlock, Instant at, String by) {
    return new NodeFlags(
        node,
        cluster,
        newStay == null ? stay : newStay,
        newBlock == null ? block : newBlock,
        at,
        by);
  }

  /** Empty if the node takes a job whose home is {@code jobHome}; otherwise why not. */
  public Optional<String> refusal(NodeId jobHome) {
    if (block && !node.equals(jobHome)) {
      return Optional.of(
          "node " + node + " is blocked: it takes no guests, only its own jobs coming home");
    }
    return Optional.empty();
  }
}
