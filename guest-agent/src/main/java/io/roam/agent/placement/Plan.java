package io.roam.agent.placement;

import java.util.List;

/** What the balancer decided: the moves to start now, possibly none. */
public record Plan(List<Move> moves) {
  public static final Plan NONE = new Plan(List.of());

  public Plan {
    moves = List.copyOf(moves);
  }

  public boolean isEmpty() {
    return moves.isEmpty();
  }
}
