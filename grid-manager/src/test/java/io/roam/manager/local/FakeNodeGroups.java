package io.roam.manager.local;

import io.roam.common.id.NodeId;
import io.roam.manager.local.cgroup.NodeGroups;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Records what would be created, with made-up directories; nothing touches the kernel. */
final class FakeNodeGroups implements NodeGroups {
  record Created(NodeId node, double cpus, long memoryBytes) {}

  final List<Created> created = new ArrayList<>();
  boolean closed;

  @Override
  public NodeGroup create(NodeId node, double cpus, long memoryBytes) {
    created.add(new Created(node, cpus, memoryBytes));
    Path base = Path.of("/fake/cpu", node.value());
    return new NodeGroup(
        List.of(base.resolve("agent"), Path.of("/fake/memory", node.value(), "agent")),
        List.of(base.resolve("jobs"), Path.of("/fake/memory", node.value(), "jobs")));
  }

  @Override
  public List<Path> dirs() {
    List<Path> out = new ArrayList<>();
    created.forEach(c -> out.add(Path.of("/fake/cpu", c.node().value(), "jobs")));
    return out;
  }

  @Override
  public void close() {
    closed = true;
  }
}
