package io.roam.store;

import io.roam.common.model.NodeRecord;
import java.io.Closeable;

/**
 * A node's presence in the grid: an ephemeral record that is recreated if the session is lost and
 * comes back, and that vanishes when the agent stops or dies.
 */
public interface NodeRegistration extends Closeable {
  NodeRecord node();

  /** Replaces the published record (same node id). */
  void update(NodeRecord node);

  @Override
  void close();
}
