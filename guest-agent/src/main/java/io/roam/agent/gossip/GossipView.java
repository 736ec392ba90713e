package io.roam.agent.gossip;

import io.roam.common.id.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One node's aged view of the others' load: its own latest figures, and at most {@code capacity}
 * entries about other nodes, the freshest it has heard of. The protocol itself (freshest wins,
 * aging, the age limit, the window of the freshest) is an {@link AgeTable}; this puts node ids and
 * load entries on it. Not thread-safe: one owner drives it.
 */
public final class GossipView {
  private final NodeId self;
  private final GossipConfig config;
  private final NodeIndex index;
  private final AgeTable<LoadEntry> table;
  private LoadEntry own;

  public GossipView(LoadEntry own, GossipConfig config) {
    this(own, config, new NodeIndex());
  }

  /** A view numbering nodes with a given index (views of one process may share one). */
  public GossipView(LoadEntry own, GossipConfig config, NodeIndex index) {
    this.own = Objects.requireNonNull(own, "own").withAge(0);
    this.self = own.node();
    this.config = Objects.requireNonNull(config, "config");
    this.index = Objects.requireNonNull(index, "index");
    this.table = new AgeTable<>(index.numberOf(self), config.capacity(), config.maxAge());
  }

  public NodeId self() {
    return self;
  }

  public GossipConfig config() {
    return config;
  }

  /** The node's own figures, measured now. */
  public void updateSelf(LoadEntry entry) {
    if (!entry.node().equals(self)) {
      throw new IllegalArgumentException(
          "own entry of " + entry.node() + " in the view of " + self);
    }
    own = entry.withAge(0);
  }

  public LoadEntry own() {
    return own;
  }

  /** One gossip step passes: every entry is a step older, and those past the limit are dropped. */
  public void tick() {
    table.tick();
  }

  /** Steps this view has lived. */
  public long steps() {
    return table.steps();
  }

  /**
   * Takes what a peer sent: for each node keeps the freshest entry; entries about this node, and
   * entries already older than the limit, are ignored.
   *
   * @return how many entries were new or fresher than what the view held
   */
  public int merge(List<LoadEntry> window) {
    int taken = 0;
    for (int i = 0, n = window.size(); i < n; i++) {
      if (offer(window.get(i))) {
        taken++;
      }
    }
    return taken;
  }

  /** Takes one entry if it is fresher than what the view holds about its node. */
  public boolean offer(LoadEntry entry) {
    if (entry.age() > config.maxAge()) {
      return false;
    }
    return table.offer(index.numberOf(entry.node()), entry.age(), entry);
  }

  /**
   * The message to send this step: the node's own entry, then the {@code window - 1} freshest
   * entries it knows, with their current ages.
   */
  public List<LoadEntry> window() {
    return window(config.window());
  }

  public List<LoadEntry> window(int w) {
    int n = Math.min(w - 1, table.size());
    List<LoadEntry> out = new ArrayList<>(n + 1);
    out.add(own);
    for (int i = 0; i < n; i++) {
      out.add(table.payloadAt(i).withAge(table.ageAt(i)));
    }
    return out;
  }

  /** At most {@code limit} entries about other nodes, freshest first, aged to now. */
  public List<LoadEntry> freshest(int limit) {
    int n = Math.min(limit, table.size());
    List<LoadEntry> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(table.payloadAt(i).withAge(table.ageAt(i)));
    }
    return out;
  }

  /** Every entry about another node, freshest first, aged to now. */
  public List<LoadEntry> others() {
    return freshest(table.size());
  }

  /** What the view knows about a node, aged to now. */
  public Optional<LoadEntry> get(NodeId node) {
    if (node.equals(self)) {
      return Optional.of(own);
    }
    int n = index.find(node);
    LoadEntry e = n < 0 ? null : table.payloadOf(n);
    return e == null ? Optional.empty() : Optional.of(e.withAge(table.ageOf(n)));
  }

  /** How many other nodes the view knows. */
  public int size() {
    return table.size();
  }

  /** Sum of the ages of the entries about other nodes. */
  public long totalAge() {
    return table.totalAge();
  }

  /** Age of the oldest entry about another node (0 when there is none). */
  public int oldestAge() {
    return table.oldestAge();
  }
}
