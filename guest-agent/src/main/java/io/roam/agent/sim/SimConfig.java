package io.roam.agent.sim;

import io.roam.agent.gossip.GossipConfig;
import io.roam.agent.placement.ForwardConfig;
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
 * @param forward under the Roam policies, a node passes a job that arrives, not started yet, on to
 *     a clearly better node of its view ({@link io.roam.agent.placement.Forwarding}), as an agent
 *     does with a job whose node was not pinned
 * @param forwardSeconds virtual seconds a forwarded job takes to reach its new node (the job
 *     record's compare-and-set and the call to the other agent), during which it does not run
 */
public record SimConfig(
    GossipConfig gossip,
    PlacementConfig placement,
    double stepSeconds,
    int balancePeriod,
    int candidates,
    long maxSteps,
    boolean balanceOnArrival,
    ForwardConfig forward,
    double forwardSeconds) {

  public SimConfig {
    java.util.Objects.requireNonNull(forward, "forward");
    if (!(stepSeconds > 0)
        || balancePeriod < 1
        || candidates < 0
        || maxSteps < 0
        || !(forwardSeconds >= 0)) {
      throw new IllegalArgumentException("invalid simulation config");
    }
  }

  /** Without forwarding, as before it existed. */
  public SimConfig(
      GossipConfig gossip,
      PlacementConfig placement,
      double stepSeconds,
      int balancePeriod,
      int candidates,
      long maxSteps,
      boolean balanceOnArrival) {
    this(
        gossip,
        placement,
        stepSeconds,
        balancePeriod,
        candidates,
        maxSteps,
        balanceOnArrival,
        ForwardConfig.off(),
        0);
  }

  /** Forwarding as the agent ships it, 0.1 s per hop. */
  public static SimConfig defaults() {
    return new SimConfig(
        GossipConfig.defaults(),
        PlacementConfig.defaults(),
        1.0,
        1,
        0,
        0,
        true,
        ForwardConfig.defaults(),
        0.1);
  }

  public SimConfig withGossip(GossipConfig g) {
    return new SimConfig(
        g,
        placement,
        stepSeconds,
        balancePeriod,
        candidates,
        maxSteps,
        balanceOnArrival,
        forward,
        forwardSeconds);
  }

  public SimConfig withPlacement(PlacementConfig p) {
    return new SimConfig(
        gossip,
        p,
        stepSeconds,
        balancePeriod,
        candidates,
        maxSteps,
        balanceOnArrival,
        forward,
        forwardSeconds);
  }

  public SimConfig withBalancing(int period, int newCandidates) {
    return new SimConfig(
        gossip,
        placement,
        stepSeconds,
        period,
        newCandidates,
        maxSteps,
        balanceOnArrival,
        forward,
        forwardSeconds);
  }

  public SimConfig withMaxSteps(long steps) {
    return new SimConfig(
        gossip,
        placement,
        stepSeconds,
        balancePeriod,
        candidates,
        steps,
        balanceOnArrival,
        forward,
        forwardSeconds);
  }

  public SimConfig withBalanceOnArrival(boolean on) {
    return new SimConfig(
        gossip,
        placement,
        stepSeconds,
        balancePeriod,
        candidates,
        maxSteps,
        on,
        forward,
        forwardSeconds);
  }

  public SimConfig withForward(ForwardConfig f, double seconds) {
    return new SimConfig(
        gossip,
        placement,
        stepSeconds,
        balancePeriod,
        candidates,
        maxSteps,
        balanceOnArrival,
        f,
        seconds);
  }
}
