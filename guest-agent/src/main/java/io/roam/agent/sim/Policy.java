package io.roam.agent.sim;

/** Where jobs run, in a simulated grid. */
public enum Policy {
  /** Jobs run where they arrive, to the end. */
  NONE,
  /** Each job starts on a node drawn uniformly at random, and stays there. */
  RANDOM,
  /** Each job starts on a node drawn with probability proportional to its speed, and stays. */
  RANDOM_BY_SPEED,
  /** Roam: the real gossip and balancer, each node deciding alone on its aged view. */
  ROAM,
  /**
   * Roam as a user who names no node gets it: the manager starts each job on the node with the
   * fewest unfinished jobs per unit of capacity, by the job records ({@code InitialPlacement}, the
   * same {@link io.roam.common.placement.LeastLoaded} rule), then the same gossip and balancer.
   */
  ROAM_PLACED,
  /**
   * A central greedy that knows every load exactly and migrates for free and at once: jobs start on
   * the node that gives them the most CPU, and on every event jobs move from the node where they
   * get the least CPU to the one where they would get the most, while that is better.
   */
  OMNISCIENT
}
