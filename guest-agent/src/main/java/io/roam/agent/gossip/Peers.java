package io.roam.agent.gossip;

import io.roam.common.id.NodeId;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/** Chooses the one peer a node gossips to in a step: uniformly at random among the others. */
public final class Peers {
  private Peers() {}

  /**
   * A random index in {@code [0, count)} other than {@code self}, or -1 when there is no other.
   *
   * @param self the caller's own index, or -1 when it is not among them
   */
  public static int pick(int count, int self, RandomGenerator random) {
    boolean selfIn = self >= 0 && self < count;
    int others = selfIn ? count - 1 : count;
    if (others <= 0) {
      return -1;
    }
    int i = random.nextInt(others);
    return selfIn && i >= self ? i + 1 : i;
  }

  /** A random member other than {@code self}, if there is one. */
  public static Optional<NodeId> pick(List<NodeId> members, NodeId self, RandomGenerator random) {
    int i = pick(members.size(), members.indexOf(self), random);
    return i < 0 ? Optional.empty() : Optional.of(members.get(i));
  }
}
