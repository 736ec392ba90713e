package io.roam.agent.placement;

import java.util.Locale;
import java.util.Optional;

/**
 * The target's consent to a move (rule 5 of the balancer): a job the source's balancer sends here
 * is taken only if {@link Balancer#accepts} still holds with this node's own current figures. Moves
 * an owner or the grid asked for (an explicit migration, detach, expel, a job brought home, local
 * work first) are not balancing moves and need no consent. Pure.
 */
public final class Consent {
  private Consent() {}

  /**
   * Empty to take the job; otherwise why not.
   *
   * @param balancing the balancing move asking to come here, empty for any other migration
   * @param self this node now: its runnable counts the migrations it accepted that are not running
   *     here yet, its free memory leaves room for them
   */
  public static Optional<String> refusal(
      Balancer balancer, Optional<Move> balancing, NodeState self) {
    if (balancing.isEmpty() || balancer.accepts(balancing.get(), self)) {
      return Optional.empty();
    }
    Move move = balancing.get();
    long keep = (long) (balancer.config().memoryLowWater() * self.totalMemoryBytes());
    if (self.freeMemoryBytes() - move.memoryBytes() < keep) {
      return Optional.of(
          String.format(
              Locale.ROOT,
              "node %s declined: it has %d MiB free now, too little for the job's %d MiB and its"
                  + " own low water (%d MiB)",
              self.node(),
              self.freeMemoryBytes() >> 20,
              move.memoryBytes() >> 20,
              keep >> 20));
    }
    if (move.reason() == Move.Reason.LOAD) {
      return Optional.of(
          String.format(
              Locale.ROOT,
              "node %s declined: it is now busier than the move assumed (runnable %.1f, speed"
                  + " %.1f): the job would complete in about %.1f s there against %.1f s where it"
                  + " is, not enough gain",
              self.node(),
              self.runnable(),
              self.speed(),
              balancer.completionThere(move, self),
              move.completionHere()));
    }
    return Optional.of("node " + self.node() + " declined: its policy no longer allows the job");
  }
}
