package io.roam.agent.placement;

/**
 * When a node passes a job that has not started on to another node ({@link Forwarding}).
 *
 * @param minGainRatio forward only to a node where the job would get at least this fraction more
 *     CPU than here (hysteresis: gossip figures are old, and a near tie is not worth a hop)
 * @param maxHops a job is passed on at most this many times; the last node starts it
 * @param probes before passing a job on, the node asks this many of the best targets of its view
 *     for their figures now, and decides on those (0 = decide on the view alone): gossip figures
 *     are seconds old, and every node that sees the same idle node would send it work
 */
public record ForwardConfig(double minGainRatio, int maxHops, int probes) {

  public ForwardConfig {
    if (!(minGainRatio >= 0)) {
      throw new IllegalArgumentException("minGainRatio must be >= 0, not " + minGainRatio);
    }
    if (probes < 0) {
      throw new IllegalArgumentException("probes must be >= 0, not " + probes);
    }
    if (maxHops < 0) {
      throw new IllegalArgumentException("maxHops must be >= 0, not " + maxHops);
    }
  }

  /** What the agent ships and the simulator measures (docs/performance.md, "Load balancing"). */
  public static ForwardConfig defaults() {
    return new ForwardConfig(0.25, 1, 32);
  }

  /** Never forwards. */
  public static ForwardConfig off() {
    return new ForwardConfig(0, 0, 0);
  }
}
