package io.roam.manager.local.cgroup;

import io.roam.common.id.NodeId;
import java.nio.file.Path;
import java.util.List;

/** No limits: nodes run in the manager's own groups, as they did before limits existed. */
public final class NoNodeGroups implements NodeGroups {
  @Override
  public NodeGroup create(NodeId node, double cpus, long memoryBytes) {
    return new NodeGroup(List.of(), List.of());
  }

  @Override
  public List<Path> dirs() {
    return List.of();
  }

  @Override
  public void close() {}
}
