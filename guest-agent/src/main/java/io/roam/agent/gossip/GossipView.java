package io.roam.agent.gossip;

import io.roam.common.id.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One node's aged view of the others' load: its own latest figures, and at most {@code capacity}
 * entries about other nodes, the freshest it has heard of, each with the step it was measured at.
 *
 * <p>Ages are kept as origins on the view's own step counter, so {@link #tick()} ages every entry
 * at once without touching them, and the entries stay ordered by freshness: a window is the head of
 * an array, a dead node is its tail. Not thread-safe: one owner drives it.
 */
public final class GossipView {
  private final NodeId self;
  private final GossipConfig config;
  private final Map<NodeId, Slot> byNode;

  /** Buckets of origins {@code [lo, hi)}, the bucket of origin o at {@code ring[o & mask]}. */
  private Bucket[] ring;

  private long lo;
  private long hi;
  private int live;
  private long originSum;
  private long now;
  private LoadEntry own;

  private static final class Slot {
    final LoadEntry entry;
    final long origin;
    boolean dead;

    Slot(LoadEntry entry, long origin) {
      this.entry = entry;
      this.origin = origin;
    }
  }

  private static final class Bucket {
    Slot[] slots = new Slot[4];
    int used;
    int live;

    void add(Slot s) {
      if (used == slots.length) {
        compact();
        if (used == slots.length) {
          slots = Arrays.copyOf(slots, used * 2);
        }
      }
      slots[used++] = s;
      live++;
    }

    void compact() {
      int o = 0;
      for (int i = 0; i < used; i++) {
        if (!slots[i].dead) {
          slots[o++] = slots[i];
        }
      }
      Arrays.fill(slots, o, used, null);
      used = o;
    }

    void clear() {
      Arrays.fill(slots, 0, used, null);
      used = 0;
      live = 0;
    }
  }

  public GossipView(LoadEntry own, GossipConfig config) {
    this.own = Objects.requireNonNull(own, "own").withAge(0);
    this.self = own.node();
    this.config = Objects.requireNonNull(config, "config");
    this.byNode = new HashMap<>();
    this.ring = new Bucket[16];
    for (int i = 0; i < ring.length; i++) {
      ring[i] = new Bucket();
    }
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
    now++;
    long oldestKept = now - config.maxAge();
    while (lo < hi && (lo < oldestKept || bucket(lo).live == 0)) {
      dropOldestBucket();
    }
  }

  /** Steps this view has lived. */
  public long steps() {
    return now;
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
    NodeId node = entry.node();
    if (entry.age() > config.maxAge() || node.equals(self)) {
      return false;
    }
    long origin = now - entry.age();
    Slot held = byNode.get(node);
    if (held != null) {
      if (held.origin >= origin) {
        return false;
      }
      kill(held);
    } else if (live == config.capacity()) {
      Slot oldest = oldest();
      if (oldest.origin >= origin) {
        return false;
      }
      byNode.remove(oldest.entry.node());
      kill(oldest);
    }
    Slot slot = new Slot(entry, origin);
    add(slot);
    byNode.put(node, slot);
    return true;
  }

  /**
   * The message to send this step: the node's own entry, then the {@code window - 1} freshest
   * entries it knows, with their current ages.
   */
  public List<LoadEntry> window() {
    return window(config.window());
  }

  public List<LoadEntry> window(int w) {
    List<LoadEntry> out = new ArrayList<>(Math.min(w, live + 1));
    out.add(own);
    collectFreshest(w - 1, out);
    return out;
  }

  /** At most {@code limit} entries about other nodes, freshest first, aged to now. */
  public List<LoadEntry> freshest(int limit) {
    List<LoadEntry> out = new ArrayList<>(Math.min(limit, live));
    collectFreshest(limit, out);
    return out;
  }

  /** Every entry about another node, freshest first, aged to now. */
  public List<LoadEntry> others() {
    return freshest(live);
  }

  /** What the view knows about a node, aged to now. */
  public Optional<LoadEntry> get(NodeId node) {
    if (node.equals(self)) {
      return Optional.of(own);
    }
    Slot slot = byNode.get(node);
    return slot == null ? Optional.empty() : Optional.of(aged(slot));
  }

  /** How many other nodes the view knows. */
  public int size() {
    return live;
  }

  /** Sum of the ages of the entries about other nodes. */
  public long totalAge() {
    return live * now - originSum;
  }

  /** Age of the oldest entry about another node (0 when there is none). */
  public int oldestAge() {
    Slot oldest = oldest();
    return oldest == null ? 0 : (int) (now - oldest.origin);
  }

  private Bucket bucket(long origin) {
    return ring[(int) (origin & (ring.length - 1))];
  }

  private void collectFreshest(int limit, List<LoadEntry> out) {
    int n = 0;
    for (long o = hi - 1; o >= lo && n < limit; o--) {
      Bucket b = bucket(o);
      for (int i = b.used - 1; i >= 0 && n < limit; i--) {
        Slot s = b.slots[i];
        if (!s.dead) {
          out.add(s.entry.withAge((int) (now - o)));
          n++;
        }
      }
    }
  }

  private Slot oldest() {
    for (long o = lo; o < hi; o++) {
      Bucket b = bucket(o);
      if (b.live > 0) {
        for (int i = 0; i < b.used; i++) {
          if (!b.slots[i].dead) {
            return b.slots[i];
          }
        }
      }
    }
    return null;
  }

  private LoadEntry aged(Slot slot) {
    return slot.entry.withAge((int) (now - slot.origin));
  }

  private void kill(Slot s) {
    s.dead = true;
    Bucket b = bucket(s.origin);
    b.live--;
    live--;
    originSum -= s.origin;
    if (b.used - b.live > b.live + 8) {
      b.compact();
    }
  }

  private void dropOldestBucket() {
    Bucket b = bucket(lo);
    for (int i = 0; i < b.used; i++) {
      Slot s = b.slots[i];
      if (!s.dead) {
        byNode.remove(s.entry.node());
        live--;
        originSum -= s.origin;
      }
    }
    b.clear();
    lo++;
  }

  private void add(Slot s) {
    long o = s.origin;
    if (lo == hi) {
      lo = o;
      hi = o;
    }
    long newLo = Math.min(lo, o);
    long newHi = Math.max(hi, o + 1);
    if (newHi - newLo > ring.length) {
      grow(newHi - newLo);
    }
    // Buckets entering the range are empty: they were cleared when they left it.
    lo = newLo;
    hi = newHi;
    bucket(o).add(s);
    live++;
    originSum += o;
  }

  private void grow(long span) {
    int length = ring.length;
    while (length < span) {
      length *= 2;
    }
    Bucket[] bigger = new Bucket[length];
    for (long o = lo; o < hi; o++) {
      bigger[(int) (o & (length - 1))] = bucket(o);
    }
    for (int i = 0; i < length; i++) {
      if (bigger[i] == null) {
        bigger[i] = new Bucket();
      }
    }
    ring = bigger;
  }
}
