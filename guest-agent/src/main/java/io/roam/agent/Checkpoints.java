package io.roam.agent;

import io.roam.agent.checkpoint.CriuCheckpointer;
import io.roam.agent.migration.CheckpointPort;
import io.roam.agent.migration.CriuCheckpointPort;
import io.roam.agent.migration.NoCheckpoint;
import java.util.Optional;

/** Chooses how this node checkpoints processes. */
final class Checkpoints {
  private Checkpoints() {}

  static CheckpointPort forThisNode(boolean pidNamespaces) {
    return forThisNode(pidNamespaces, java.util.List.of());
  }

  /**
   * @param restorePrefix words before criu restore: the jobs' cgroup, which a restored job (and
   *     criu, its parent) joins, as criu's --manage-cgroups=ignore leaves it in criu's own groups
   */
  static CheckpointPort forThisNode(boolean pidNamespaces, java.util.List<String> restorePrefix) {
    if (!pidNamespaces) {
      return new NoCheckpoint(
          "jobs on this node cannot be checkpointed: it does not run as root, so its jobs have no"
              + " PID namespace of their own");
    }
    Optional<java.nio.file.Path> criu = CriuCheckpointer.locate(System.getenv());
    if (criu.isEmpty()) {
      return new NoCheckpoint("CRIU is not installed on this node (run scripts/setup.sh)");
    }
    return new CriuCheckpointPort(
        new CriuCheckpointer(
            criu.get(), java.util.List.of(), CriuCheckpointer.DEFAULT_TIMEOUT, restorePrefix));
  }
}
