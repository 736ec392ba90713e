package io.roam.agent.placement;

import io.roam.common.id.JobId;
import java.time.Instant;
import java.util.Objects;

/**
 * A job on the deciding node.
 *
 * @param memoryBytes its resident memory: what a migration has to move
 * @param cpuSeconds CPU it has used so far, in reference seconds (seconds on a speed-1 core); with
 *     heavy-tailed run times, the best predictor of how long it will still run
 * @param arrivedAt when it started, or last arrived, on this node
 * @param locked its owner pinned it: no automatic migration
 * @param migrated it came here by migration (or it is not known that it did not): only such a job
 *     must stay {@code minResidence} before it moves again; a job that started here may move at
 *     once
 */
public record JobLoad(
    JobId job,
    long memoryBytes,
    double cpuSeconds,
    Instant arrivedAt,
    boolean locked,
    boolean migrated) {
  /** A job not known to have started here: minimum residence applies (no ping-pong). */
  public JobLoad(
      JobId job, long memoryBytes, double cpuSeconds, Instant arrivedAt, boolean locked) {
    this(job, memoryBytes, cpuSeconds, arrivedAt, locked, true);
  }

  public JobLoad {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(arrivedAt, "arrivedAt");
    if (memoryBytes < 0) {
      throw new IllegalArgumentException("memoryBytes must be >= 0, not " + memoryBytes);
    }
    if (!(cpuSeconds >= 0)) {
      throw new IllegalArgumentException("cpuSeconds must be >= 0, not " + cpuSeconds);
    }
  }
}
