package io.roam.agent.gossip;

import io.roam.common.id.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Numbers node ids 0, 1, 2... in the order first seen, for {@link AgeTable}. Not thread-safe. */
public final class NodeIndex {
  private final Map<NodeId, Integer> numbers = new HashMap<>();
  private final List<NodeId> ids = new ArrayList<>();

  /** The node's number, given one if it has none yet. */
  public int numberOf(NodeId node) {
    Integer n = numbers.get(node);
    if (n == null) {
      n = ids.size();
      numbers.put(node, n);
      ids.add(node);
    }
    return n;
  }

  /** The node's number, or -1 if it was never seen. */
  public int find(NodeId node) {
    Integer n = numbers.get(node);
    return n == null ? -1 : n;
  }

  public NodeId idOf(int number) {
    return ids.get(number);
  }

  public int size() {
    return ids.size();
  }
}
