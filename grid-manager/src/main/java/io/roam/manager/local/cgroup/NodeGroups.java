package io.roam.manager.local.cgroup;

import io.roam.common.id.NodeId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The cgroups that give local nodes a capacity of their own: per node, one group for its agent and
 * one for its jobs, the limits on the jobs' group (so the agent's own CPU does not count against
 * its jobs).
 */
public interface NodeGroups extends AutoCloseable {
  /** Where a node's agent and its jobs go: one directory per cgroup hierarchy. */
  record NodeGroup(List<Path> agentDirs, List<Path> jobsDirs) {
    public NodeGroup {
      agentDirs = List.copyOf(agentDirs);
      jobsDirs = List.copyOf(jobsDirs);
    }
  }

  /**
   * Creates the node's groups.
   *
   * @param cpus the jobs' CPU share in cores; 0 for no limit
   * @param memoryBytes the jobs' memory limit; 0 for no limit
   */
  NodeGroup create(NodeId node, double cpus, long memoryBytes) throws IOException;

  /** Every directory created so far, deepest first (the order to remove them in). */
  List<Path> dirs();

  /** Removes every group, first ending whatever still runs in them. */
  @Override
  void close();
}
