package io.roam.agent.placement;

import java.time.Duration;
import java.util.Objects;

/**
 * The balancer's knobs.
 *
 * @param transferBytesPerSecond how fast a job's memory moves: cost = fixed + memory / rate
 * @param fixedCostSeconds freeze, dump and restore overhead of any migration
 * @param minResidence a job stays at least this long where it arrived (no ping-pong)
 * @param minGainSeconds a move must gain at least this much, cost included
 * @param minGainRatio and at least this fraction of the job's expected completion here
 * @param minRemainingSeconds the smallest remaining run time assumed for any job (reference s)
 * @param remainingFactor expected remaining CPU = factor x CPU used so far (heavy tails)
 * @param assumedLoadPerIncoming load a target is assumed to gain per job already sent its way
 * @param memoryLowWater a node with less than this fraction of its memory free ushers jobs away; a
 *     target must keep at least this fraction free after taking a job
 * @param maxMovesPerPlan load moves started per decision (memory moves are not limited)
 * @param spread targets within this fraction of the best are equally good; one is drawn at random,
 *     so that nodes deciding on the same view do not all pick the same target
 * @param loadPerAgeStep load a target is assumed to have gained per step of age of its entry (other
 *     nodes' moves to it that this node cannot see yet)
 */
public record PlacementConfig(
    double transferBytesPerSecond,
    double fixedCostSeconds,
    Duration minResidence,
    double minGainSeconds,
    double minGainRatio,
    double minRemainingSeconds,
    double remainingFactor,
    double assumedLoadPerIncoming,
    double memoryLowWater,
    int maxMovesPerPlan,
    double spread,
    double loadPerAgeStep) {

  public PlacementConfig {
    Objects.requireNonNull(minResidence, "minResidence");
    if (!(transferBytesPerSecond > 0)) {
      throw new IllegalArgumentException("transferBytesPerSecond must be positive");
    }
    if (!(fixedCostSeconds >= 0)
        || !(minGainSeconds >= 0)
        || !(minGainRatio >= 0)
        || !(minRemainingSeconds >= 0)
        || !(remainingFactor >= 0)
        || !(assumedLoadPerIncoming >= 0)
        || !(spread >= 0)
        || !(loadPerAgeStep >= 0)) {
      throw new IllegalArgumentException("costs, gains, factors and spread must be >= 0");
    }
    if (minResidence.isNegative()) {
      throw new IllegalArgumentException("minResidence must be >= 0");
    }
    if (!(memoryLowWater >= 0 && memoryLowWater < 1)) {
      throw new IllegalArgumentException("memoryLowWater must be in [0, 1)");
    }
    if (maxMovesPerPlan < 0) {
      throw new IllegalArgumentException("maxMovesPerPlan must be >= 0");
    }
  }

  public PlacementConfig withLoadPerAgeStep(double load) {
    return new PlacementConfig(
        transferBytesPerSecond,
        fixedCostSeconds,
        minResidence,
        minGainSeconds,
        minGainRatio,
        minRemainingSeconds,
        remainingFactor,
        assumedLoadPerIncoming,
        memoryLowWater,
        maxMovesPerPlan,
        spread,
        load);
  }

  /**
   * What the agent ships and what the simulator measures unless told otherwise (one source of
   * truth; docs/performance.md, "Load balancing (simulator)"): migration 0.5 s + memory at 100
   * MiB/s; residence 2 s; gain over max(1 s, 10%); a job expected to run at least 10 s more (the
   * grid is for long jobs: a shorter one may be moved for nothing, at the cost of one migration);
   * remaining = used; 1 load per move under way; memory low water 10%; one load move per decision;
   * spread 10%; 0.2 load per step of age.
   */
  public static PlacementConfig defaults() {
    return new PlacementConfig(
        100.0 * 1024 * 1024,
        0.5,
        Duration.ofSeconds(2),
        1.0,
        0.1,
        10.0,
        1.0,
        1.0,
        0.1,
        1,
        0.1,
        0.2);
  }

  /** Seconds to move a job of this many bytes. */
  public double costSeconds(long memoryBytes) {
    return fixedCostSeconds + memoryBytes / transferBytesPerSecond;
  }

  /** Expected remaining CPU, in reference seconds, of a job that has used this much. */
  public double expectedRemaining(double cpuSeconds) {
    return Math.max(minRemainingSeconds, remainingFactor * cpuSeconds);
  }

  public PlacementConfig withMinResidence(Duration d) {
    return new PlacementConfig(
        transferBytesPerSecond,
        fixedCostSeconds,
        d,
        minGainSeconds,
        minGainRatio,
        minRemainingSeconds,
        remainingFactor,
        assumedLoadPerIncoming,
        memoryLowWater,
        maxMovesPerPlan,
        spread,
        loadPerAgeStep);
  }

  public PlacementConfig withGain(double seconds, double ratio) {
    return new PlacementConfig(
        transferBytesPerSecond,
        fixedCostSeconds,
        minResidence,
        seconds,
        ratio,
        minRemainingSeconds,
        remainingFactor,
        assumedLoadPerIncoming,
        memoryLowWater,
        maxMovesPerPlan,
        spread,
        loadPerAgeStep);
  }

  public PlacementConfig withTransfer(double bytesPerSecond, double fixedSeconds) {
    return new PlacementConfig(
        bytesPerSecond,
        fixedSeconds,
        minResidence,
        minGainSeconds,
        minGainRatio,
        minRemainingSeconds,
        remainingFactor,
        assumedLoadPerIncoming,
        memoryLowWater,
        maxMovesPerPlan,
        spread,
        loadPerAgeStep);
  }

  public PlacementConfig withRemaining(double minSeconds, double factor) {
    return new PlacementConfig(
        transferBytesPerSecond,
        fixedCostSeconds,
        minResidence,
        minGainSeconds,
        minGainRatio,
        minSeconds,
        factor,
        assumedLoadPerIncoming,
        memoryLowWater,
        maxMovesPerPlan,
        spread,
        loadPerAgeStep);
  }

  public PlacementConfig withMaxMoves(int moves) {
    return new PlacementConfig(
        transferBytesPerSecond,
        fixedCostSeconds,
        minResidence,
        minGainSeconds,
        minGainRatio,
        minRemainingSeconds,
        remainingFactor,
        assumedLoadPerIncoming,
        memoryLowWater,
        moves,
        spread,
        loadPerAgeStep);
  }

  public PlacementConfig withSpread(double newSpread) {
    return new PlacementConfig(
        transferBytesPerSecond,
        fixedCostSeconds,
        minResidence,
        minGainSeconds,
        minGainRatio,
        minRemainingSeconds,
        remainingFactor,
        assumedLoadPerIncoming,
        memoryLowWater,
        maxMovesPerPlan,
        newSpread,
        loadPerAgeStep);
  }

  public PlacementConfig withAssumedLoad(double load) {
    return new PlacementConfig(
        transferBytesPerSecond,
        fixedCostSeconds,
        minResidence,
        minGainSeconds,
        minGainRatio,
        minRemainingSeconds,
        remainingFactor,
        load,
        memoryLowWater,
        maxMovesPerPlan,
        spread,
        loadPerAgeStep);
  }

  public PlacementConfig withMemoryLowWater(double fraction) {
    return new PlacementConfig(
        transferBytesPerSecond,
        fixedCostSeconds,
        minResidence,
        minGainSeconds,
        minGainRatio,
        minRemainingSeconds,
        remainingFactor,
        assumedLoadPerIncoming,
        fraction,
        maxMovesPerPlan,
        spread,
        loadPerAgeStep);
  }
}
