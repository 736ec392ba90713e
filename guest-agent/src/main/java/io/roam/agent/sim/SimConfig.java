package io.roam.agent.sim;

import io.roam.agent.gossip.GossipConfig;
import io.roam.agent.placement.PlacementConfig;

/**
 * How a simulation runs.
 *
 * @param stepSeconds virtual seconds per gossip step
 * @param balancePeriod each node runs the balancer every this many steps (nodes staggered)
 * @param candidates the balancer sees at most this many of a node's freshest view entries (0 = all)
 * @param maxSteps stop after this many steps even if jobs remain (0 = run until all complete)
 * @param balanceOnArrival a node also runs the balancer when a job is submitted to it, as an agent
 *     does when its load changes (otherwise only on its steps)
 */
public record SimConfig(
    GossipConfig gossip,
    PlacementConfig placement,
    double stepSeconds,
    int balancePeriod,
    int candidates,
    long maxSteps,
    boolean balanceOnArrival) {

  public SimConfig {
    if (!(stepSeconds > 0) || balancePeriod < 1 || candidates < 0 || maxSteps < 0) {
      throw new IllegalArgumentException("invalid simulation config");
    }
  }

  public static SimConfig defaults() {
    return new SimConfig(GossipConfig.defaults(), PlacementConfig.defaults(), 1.0, 1, 0, 0, true);
  }

  public SimConfig withGossip(GossipConfig g) {
    return new SimConfig(
        g, placement, stepSeconds, balancePeriod, candidates, maxSteps, balanceOnArrival);
  }

  public SimConfig withPlacement(PlacementConfig p) {
    return new SimConfig(
        gossip, p, stepSeconds, balancePeriod, candidates, maxSteps, balanceOnArrival);
  }

  public SimConfig withBalancing(int period, int newCandidates) {
    return new SimConfig(
        gossip, placement, stepSeconds, period, newCandidates, maxSteps, balanceOnArrival);
  }

  public SimConfig withMaxSteps(long steps) {
    return new SimConfig(
        gossip, placement, stepSeconds, balancePeriod, candidates, steps, balanceOnArrival);
  }

  public SimConfig withBalanceOnArrival(boolean on) {
    return new SimConfig(gossip, placement, stepSeconds, balancePeriod, candidates, maxSteps, on);
  }
}
