package io.roam.agent.sim;

/**
 * A job of a workload.
 *
 * @param arrival when it is submitted (s)
 * @param origin the node it is submitted to
 * @param work its run time alone on a speed-1 node (reference seconds)
 * @param memoryBytes what a migration has to move
 */
public record SimJob(int id, double arrival, int origin, double work, long memoryBytes) {}
