package io.roam.agent.placement;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A {@link Snapshot} laid out as parallel arrays, refilled in place for each decision: what {@link
 * Balancer#plan(FlatSnapshot)} decides on. An agent decides once a second and builds it from a
 * {@code Snapshot} ({@link #of}); the simulator, where ten thousand nodes decide, fills one from
 * its own arrays without a record per job or per node. Either way the same decision code runs.
 *
 * <p>Mutable and not thread-safe, unlike the records it stands for: its point is to allocate
 * nothing per decision. The same validation as the records applies.
 */
public final class FlatSnapshot {
  NodeId self;
  double selfSpeed;
  double selfRunnable;
  long selfFree;
  long selfTotal;
  boolean stay;

  int jobCount;
  JobId[] jobId;
  long[] jobMemory;
  double[] jobCpu;
  long[] jobArrivedNanos;
  boolean[] jobLocked;
  boolean[] jobMigrated;

  int targetCount;
  NodeId[] node;
  double[] speed;
  double[] runnable;
  long[] free;
  long[] total;
  int[] age;
  boolean[] blocked;
  int[] incoming;

  // Scratch of the decision, kept between decisions.
  double[] load;
  long[] freeLeft;
  boolean[] moved;
  int[] order;
  double[] score;
  long[] keys;

  public FlatSnapshot() {
    this(8, 8);
  }

  public FlatSnapshot(int jobs, int targets) {
    growJobs(Math.max(1, jobs));
    growTargets(Math.max(1, targets));
  }

  /** The snapshot's content, as arrays. */
  public static FlatSnapshot of(Snapshot s) {
    FlatSnapshot f = new FlatSnapshot(s.jobs().size(), s.others().size());
    NodeState me = s.self();
    f.self(me.node(), me.speed(), me.runnable(), me.freeMemoryBytes(), me.totalMemoryBytes());
    f.stay(s.stay());
    for (JobLoad j : s.jobs()) {
      f.addJob(j.job(), j.memoryBytes(), j.cpuSeconds(), j.arrivedAt(), j.locked(), j.migrated());
    }
    for (NodeState n : s.others()) {
      f.addTarget(
          n.node(),
          n.speed(),
          n.runnable(),
          n.freeMemoryBytes(),
          n.totalMemoryBytes(),
          n.age(),
          n.blocked(),
          n.incoming());
    }
    return f;
  }

  /** Empties it for the next decision (no jobs, no targets, not stay). */
  public FlatSnapshot clear() {
    jobCount = 0;
    targetCount = 0;
    stay = false;
    return this;
  }

  /** The deciding node, as {@link NodeState#of}. */
  public FlatSnapshot self(NodeId node, double speed, double runnable, long free, long total) {
    checkNode(speed, runnable, free, total);
    this.self = Objects.requireNonNull(node, "node");
    this.selfSpeed = speed;
    this.selfRunnable = runnable;
    this.selfFree = free;
    this.selfTotal = total;
    return this;
  }

  public FlatSnapshot stay(boolean newStay) {
    this.stay = newStay;
    return this;
  }

  /** A job, as {@link JobLoad}. */
  public FlatSnapshot addJob(
      JobId job,
      long memoryBytes,
      double cpuSeconds,
      Instant arrivedAt,
      boolean locked,
      boolean migrated) {
    return addJob(job, memoryBytes, cpuSeconds, epochNanos(arrivedAt), locked, migrated);
  }

  /**
   * A job, as {@link JobLoad}, its arrival in nanoseconds since the epoch (the clock's {@code
   * Instant}s converted the same way, saturating).
   */
  public FlatSnapshot addJob(
      JobId job,
      long memoryBytes,
      double cpuSeconds,
      long arrivedAtNanos,
      boolean locked,
      boolean migrated) {
    Objects.requireNonNull(job, "job");
    if (memoryBytes < 0) {
      throw new IllegalArgumentException("memoryBytes must be >= 0, not " + memoryBytes);
    }
    if (!(cpuSeconds >= 0)) {
      throw new IllegalArgumentException("cpuSeconds must be >= 0, not " + cpuSeconds);
    }
    if (jobCount == jobId.length) {
      growJobs(2 * jobCount);
    }
    int j = jobCount++;
    jobId[j] = job;
    jobMemory[j] = memoryBytes;
    jobCpu[j] = cpuSeconds;
    jobArrivedNanos[j] = arrivedAtNanos;
    jobLocked[j] = locked;
    jobMigrated[j] = migrated;
    return this;
  }

  /** A node that may take jobs, as {@link NodeState}. */
  public FlatSnapshot addTarget(
      NodeId target,
      double targetSpeed,
      double targetRunnable,
      long freeBytes,
      long totalBytes,
      int ageSteps,
      boolean isBlocked,
      int incomingMoves) {
    Objects.requireNonNull(target, "node");
    checkNode(targetSpeed, targetRunnable, freeBytes, totalBytes);
    if (ageSteps < 0 || incomingMoves < 0) {
      throw new IllegalArgumentException("age and incoming must be >= 0");
    }
    if (targetCount == node.length) {
      growTargets(2 * targetCount);
    }
    int t = targetCount++;
    node[t] = target;
    speed[t] = targetSpeed;
    runnable[t] = targetRunnable;
    free[t] = freeBytes;
    total[t] = totalBytes;
    age[t] = ageSteps;
    blocked[t] = isBlocked;
    incoming[t] = incomingMoves;
    return this;
  }

  public int jobs() {
    return jobCount;
  }

  public int targets() {
    return targetCount;
  }

  private static void checkNode(double speed, double runnable, long free, long total) {
    if (!(speed > 0)) {
      throw new IllegalArgumentException("speed must be positive, not " + speed);
    }
    if (!(runnable >= 0)) {
      throw new IllegalArgumentException("runnable must be >= 0, not " + runnable);
    }
    if (free < 0 || total < free) {
      throw new IllegalArgumentException("memory must be 0 <= free <= total");
    }
  }

  private void growJobs(int size) {
    jobId = jobId == null ? new JobId[size] : Arrays.copyOf(jobId, size);
    jobMemory = jobMemory == null ? new long[size] : Arrays.copyOf(jobMemory, size);
    jobCpu = jobCpu == null ? new double[size] : Arrays.copyOf(jobCpu, size);
    jobArrivedNanos =
        jobArrivedNanos == null ? new long[size] : Arrays.copyOf(jobArrivedNanos, size);
    jobLocked = jobLocked == null ? new boolean[size] : Arrays.copyOf(jobLocked, size);
    jobMigrated = jobMigrated == null ? new boolean[size] : Arrays.copyOf(jobMigrated, size);
    moved = new boolean[size];
  }

  private void growTargets(int size) {
    node = node == null ? new NodeId[size] : Arrays.copyOf(node, size);
    speed = speed == null ? new double[size] : Arrays.copyOf(speed, size);
    runnable = runnable == null ? new double[size] : Arrays.copyOf(runnable, size);
    free = free == null ? new long[size] : Arrays.copyOf(free, size);
    total = total == null ? new long[size] : Arrays.copyOf(total, size);
    age = age == null ? new int[size] : Arrays.copyOf(age, size);
    blocked = blocked == null ? new boolean[size] : Arrays.copyOf(blocked, size);
    incoming = incoming == null ? new int[size] : Arrays.copyOf(incoming, size);
    load = new double[size];
    freeLeft = new long[size];
    order = new int[size];
    score = new double[size];
    keys = new long[size];
  }

  /** Nanoseconds since the epoch, saturating far from it (no instant a clock gives). */
  public static long epochNanos(Instant t) {
    long s = t.getEpochSecond();
    if (s > MAX_SECONDS) {
      return Long.MAX_VALUE;
    }
    if (s < -MAX_SECONDS) {
      return Long.MIN_VALUE;
    }
    return s * 1_000_000_000L + t.getNano();
  }

  private static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000_000L - 1;
}
