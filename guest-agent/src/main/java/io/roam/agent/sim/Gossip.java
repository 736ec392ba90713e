package io.roam.agent.sim;

import io.roam.agent.gossip.AgeTable;
import io.roam.agent.gossip.Peers;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The gossip of a whole simulated grid, nodes numbered 0..n-1: one {@link AgeTable} per node, and
 * in each step every node sends its own payload and its {@code window - 1} freshest entries to one
 * peer drawn uniformly at random. Synchronous: every view takes what it is sent only after its own
 * window of the step has been taken. Preallocated: a step allocates nothing.
 */
final class Gossip {
  private final int n;
  private final int window;
  private final AgeTable<Object>[] tables;
  private final int[] peers;
  private final int[] counts;
  // Windows side by side, node i's at [i * window, (i + 1) * window): written and read in order,
  // so the step's misses are only the tables themselves.
  private final int[] nodes;
  private final int[] ages;
  private final Object[] payloads;
  private final int[] firstOf;
  private final int[] senders;
  private final int[] taken;
  private int stamp;
  private long ageSum;
  private long entryCount;
  private long totalAge;
  private long entries;

  @SuppressWarnings("unchecked")
  Gossip(int n, int window, int capacity, int maxAge) {
    this.n = n;
    this.window = window;
    this.tables = new AgeTable[n];
    for (int i = 0; i < n; i++) {
      tables[i] = new AgeTable<>(i, capacity, maxAge);
    }
    this.peers = new int[n];
    this.counts = new int[n];
    this.firstOf = new int[n + 1];
    this.senders = new int[n];
    this.taken = new int[n];
    this.nodes = new int[n * window];
    this.ages = new int[n * window];
    this.payloads = new Object[n * window];
  }

  AgeTable<Object> table(int node) {
    return tables[node];
  }

  /** Sum of the ages of all entries in all views, as they were before the last step's aging. */
  long totalAge() {
    return totalAge;
  }

  /** Entries in all views, counted with {@link #totalAge()}. */
  long entries() {
    return entries;
  }

  /**
   * One step.
   *
   * @param own each node's own payload, measured now
   */
  void step(Object[] own, RandomGenerator random) {
    for (int i = 0; i < n; i++) {
      peers[i] = Peers.pick(n, i, random);
    }
    // Delivered by receiver (a counting sort, stable: each view gets its messages in sender order),
    // so the views are swept through memory in order rather than hit at random.
    Arrays.fill(firstOf, 0);
    for (int i = 0; i < n; i++) {
      firstOf[peers[i] + 1]++;
    }
    for (int p = 0; p < n; p++) {
      firstOf[p + 1] += firstOf[p];
    }
    for (int i = 0; i < n; i++) {
      senders[firstOf[peers[i]]++] = i;
    }
    // firstOf[p] is now where the messages to p + 1 start. A node's window is taken when its turn
    // as a receiver comes, just before its view takes what it is sent (the view is in cache for
    // both), or earlier if it sends to a view whose turn comes first; either way before its own
    // view
    // has taken anything this step, so every window is what the view held when the step began.
    stamp++;
    ageSum = 0;
    entryCount = 0;
    for (int p = 0, k = 0; p < n; p++) {
      if (taken[p] != stamp) {
        take(p, own);
      }
      AgeTable<Object> t = tables[p];
      for (int end = firstOf[p]; k < end; k++) {
        int i = senders[k];
        if (taken[i] != stamp) {
          take(i, own);
        }
        t.offerAll(nodes, ages, payloads, i * window, i * window + counts[i]);
      }
    }
    totalAge = ageSum;
    entries = entryCount;
  }

  /** Ages a node's view a step and takes its window: its own payload and its freshest entries. */
  private void take(int i, Object[] own) {
    AgeTable<Object> t = tables[i];
    // Measured here, where the table is touched anyway: the views as the last step left them.
    ageSum += t.totalAge();
    entryCount += t.size();
    t.tick();
    int at = i * window;
    nodes[at] = i;
    ages[at] = 0;
    payloads[at] = own[i];
    counts[i] = 1 + t.freshest(window - 1, nodes, ages, payloads, at + 1);
    taken[i] = stamp;
  }
}
