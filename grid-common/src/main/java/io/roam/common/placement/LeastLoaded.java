package io.roam.common.placement;

import java.util.function.IntToDoubleFunction;
import java.util.function.IntUnaryOperator;
import java.util.random.RandomGenerator;

/**
 * Where the manager starts a new job when the user does not say: the node with the fewest
 * unfinished jobs, the new one included, per unit of capacity (cores x speed), ties broken at
 * random. Pure; shared by the manager ({@code InitialPlacement}) and the simulator, which places
 * jobs by the same rule.
 */
public final class LeastLoaded {
  private LeastLoaded() {}

  /**
   * @param nodes how many nodes, numbered 0..nodes-1
   * @param jobs a node's unfinished jobs
   * @param capacity a node's cores x speed, positive
   * @return the chosen node's number, -1 if there is none
   */
  public static int choose(
      int nodes, IntUnaryOperator jobs, IntToDoubleFunction capacity, RandomGenerator random) {
    int[] best = new int[Math.max(nodes, 1)];
    int ties = 0;
    double bestScore = Double.MAX_VALUE;
    for (int i = 0; i < nodes; i++) {
      // Counting the new job itself: where it would get the largest share. (Without it, an idle
      // slow node ties with an idle fast one, and beats a fast one running a single job.)
      double score = (jobs.applyAsInt(i) + 1) / capacity.applyAsDouble(i);
      if (score < bestScore - 1e-9) {
        ties = 0;
        bestScore = score;
      }
      if (Math.abs(score - bestScore) <= 1e-9) {
        best[ties++] = i;
      }
    }
    return ties == 0 ? -1 : best[random.nextInt(ties)];
  }
}
