package io.roam.agent.sim;

/**
 * What a simulation measured.
 *
 * @param meanSlowdown mean over completed jobs of response time / (work / fastest speed): 1 is a
 *     job that ran alone on the fastest node
 * @param makespan time from the first submission to the last completion (s)
 * @param meanAge mean age, in steps, of the entries in the gossip views (ROAM only, else 0)
 */
public record SimResult(
    Policy policy,
    int completed,
    double meanSlowdown,
    double makespan,
    long migrations,
    long steps,
    double meanAge) {}
