package io.roam.agent.sim;

import io.roam.agent.gossip.AgeTable;
import io.roam.agent.gossip.Peers;
import java.util.random.RandomGenerator;

/**
 * The gossip of a whole simulated grid, nodes numbered 0..n-1: one {@link AgeTable} per node, and
 * in each step every node sends its own payload and its {@code window - 1} freshest entries to one
 * peer drawn uniformly at random. Synchronous: every window of a step is taken before any is
 * delivered. Preallocated: a step allocates nothing.
 */
final class Gossip {
  private final int n;
  private final int window;
  private final AgeTable<Object>[] tables;
  private final int[] peers;
  private final int[] counts;
  private final int[][] nodes;
  private final int[][] ages;
  private final Object[][] payloads;

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
    this.nodes = new int[n][window];
    this.ages = new int[n][window];
    this.payloads = new Object[n][window];
  }

  AgeTable<Object> table(int node) {
    return tables[node];
  }

  /**
   * One step.
   *
   * @param own each node's own payload, measured now
   */
  void step(Object[] own, RandomGenerator random) {
    for (int i = 0; i < n; i++) {
      AgeTable<Object> t = tables[i];
      t.tick();
      nodes[i][0] = i;
      ages[i][0] = 0;
      payloads[i][0] = own[i];
      counts[i] = 1 + t.freshest(window - 1, nodes[i], ages[i], payloads[i], 1);
      peers[i] = Peers.pick(n, i, random);
    }
    for (int i = 0; i < n; i++) {
      AgeTable<Object> t = tables[peers[i]];
      int[] ns = nodes[i];
      int[] as = ages[i];
      Object[] ps = payloads[i];
      for (int k = 0, c = counts[i]; k < c; k++) {
        t.offer(ns[k], as[k], ps[k]);
      }
    }
  }
}
