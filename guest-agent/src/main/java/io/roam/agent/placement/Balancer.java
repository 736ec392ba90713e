package io.roam.agent.placement;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Decides which jobs to move, and where, from a snapshot: a pure function of the snapshot, the
 * clock and the random generator. No I/O.
 *
 * <p>The model: each node shares its CPU equally among its runnable processes (processor sharing),
 * so a job needing {@code r} more reference seconds on a node of speed {@code s} running {@code L}
 * processes (itself included) completes in about {@code r * L / s}. Moving it costs {@code fixed +
 * memory / rate} seconds, during which it does not run. The rules, in order:
 *
 * <ol>
 *   <li><b>stay</b>: a node whose owner said stay moves nothing away; <b>lock</b>: a locked job
 *       never moves; <b>block</b>: a blocked node is never a target; the {@link MigrationPolicy}
 *       must allow the job on the target.
 *   <li><b>partner priority</b>: among the targets that would serve the job well enough, only those
 *       whose cluster gives the job's home cluster the highest priority ({@link
 *       MigrationPolicy#priority}) are considered; load decides among them.
 *   <li><b>memory ushering</b>: a node with less than the low-water fraction of its memory free
 *       moves jobs to nodes with room for them (keeping their own low water), before it swaps.
 *   <li><b>load</b>: a job moves when its expected completion elsewhere, cost included, beats its
 *       expected completion here by more than {@code max(minGain, minGainRatio x here)}, and it has
 *       resided here at least {@code minResidence} (hysteresis: no ping-pong).
 *   <li><b>flood prevention</b>: a target's load counts the moves already under way to it and those
 *       planned in this decision, each as {@code assumedLoadPerIncoming}; targets about as good as
 *       the best are drawn at random, so that senders with the same view spread out.
 *   <li><b>consent</b>: the target re-checks the move with its own current figures ({@link
 *       #accepts}); a refused job stays where it is.
 * </ol>
 */
public final class Balancer {
  private final PlacementConfig config;
  private final MigrationPolicy policy;
  private final InstantSource clock;
  private final RandomGenerator random;

  public Balancer(
      PlacementConfig config, MigrationPolicy policy, InstantSource clock, RandomGenerator random) {
    this.config = Objects.requireNonNull(config, "config");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  public PlacementConfig config() {
    return config;
  }

  public Plan plan(Snapshot snapshot) {
    return plan(FlatSnapshot.of(snapshot));
  }

  /** The same decision, on a snapshot laid out as arrays (which it uses as scratch space too). */
  public Plan plan(FlatSnapshot s) {
    int jobs = s.jobCount;
    int targets = s.targetCount;
    if (s.stay || jobs == 0 || targets == 0) {
      return Plan.NONE;
    }
    double[] load = s.load;
    long[] free = s.freeLeft;
    for (int t = 0; t < targets; t++) {
      load[t] =
          s.runnable[t]
              + s.incoming[t] * config.assumedLoadPerIncoming()
              + s.age[t] * config.loadPerAgeStep();
      free[t] = s.free[t];
    }
    boolean[] moved = s.moved;
    Arrays.fill(moved, 0, jobs, false);
    double selfLoad = Math.max(s.selfRunnable, 1.0);
    long selfFree = s.selfFree;
    List<Move> moves = null;

    // Memory ushering: get back above the low water before the node swaps.
    long lowWater = (long) (config.memoryLowWater() * s.selfTotal);
    while (selfFree < lowWater) {
      long deficit = lowWater - selfFree;
      int pick = -1;
      int target = -1;
      for (int j : byMemoryToFree(s, deficit)) {
        target = bestTarget(s, j);
        if (target >= 0) {
          pick = j;
          break;
        }
      }
      if (pick < 0) {
        break;
      }
      double rem = config.expectedRemaining(s.jobCpu[pick]);
      double here = rem * selfLoad / s.selfSpeed;
      double there = completionThere(s, pick, rem, target, load[target]);
      if (moves == null) {
        moves = new ArrayList<>();
      }
      moves.add(
          new Move(
              s.jobId[pick],
              s.node[target],
              Move.Reason.MEMORY,
              here - there,
              s.jobMemory[pick],
              rem,
              here));
      moved[pick] = true;
      selfFree += s.jobMemory[pick];
      selfLoad = Math.max(selfLoad - 1, 1.0);
      load[target] += config.assumedLoadPerIncoming();
      free[target] -= s.jobMemory[pick];
    }

    // Load: move the job that gains most, if it gains enough, one decision at a time.
    long now = FlatSnapshot.epochNanos(clock.instant());
    long minResidence = saturatedNanos(config.minResidence());
    int[] order = s.order;
    double[] score = s.score;
    for (int loadMoves = 0; loadMoves < config.maxMovesPerPlan(); loadMoves++) {
      for (int t = 0; t < targets; t++) {
        score[t] = (load[t] + 1.0) / s.speed[t];
      }
      sortByScore(order, score, s.keys, targets);
      int bestJob = -1;
      int bestTarget = -1;
      double bestGain = 0;
      for (int j = 0; j < jobs; j++) {
        if (moved[j] || s.jobLocked[j]) {
          continue;
        }
        // Hysteresis binds a job that has already moved; one that started here has cost nothing
        // yet, and the sooner it goes where it runs best the more it gains.
        if (s.jobMigrated[j] && elapsed(s.jobArrivedNanos[j], now) < minResidence) {
          continue;
        }
        double rem = config.expectedRemaining(s.jobCpu[j]);
        double here = rem * selfLoad / s.selfSpeed;
        double threshold = Math.max(config.minGainSeconds(), config.minGainRatio() * here);
        int t = preferredGaining(s, j, rem, here - threshold);
        if (t < 0) {
          continue;
        }
        double gain = here - completionThere(s, j, rem, t, load[t]);
        if (gain > threshold && gain > bestGain) {
          bestGain = gain;
          bestJob = j;
          bestTarget = t;
        }
      }
      if (bestJob < 0) {
        break;
      }
      int t = spreadTarget(s, bestJob, bestTarget);
      double rem = config.expectedRemaining(s.jobCpu[bestJob]);
      double here = rem * selfLoad / s.selfSpeed;
      double gain = here - completionThere(s, bestJob, rem, t, load[t]);
      if (moves == null) {
        moves = new ArrayList<>();
      }
      moves.add(
          new Move(
              s.jobId[bestJob],
              s.node[t],
              Move.Reason.LOAD,
              gain,
              s.jobMemory[bestJob],
              rem,
              here));
      moved[bestJob] = true;
      selfLoad = Math.max(selfLoad - 1, 1.0);
      load[t] += config.assumedLoadPerIncoming();
      free[t] -= s.jobMemory[bestJob];
    }
    return moves == null ? Plan.NONE : new Plan(moves);
  }

  /** {@code now - since} in nanoseconds, saturating. */
  private static long elapsed(long since, long now) {
    long d = now - since;
    if (((now ^ since) & (now ^ d)) < 0) {
      return now > since ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return d;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * The target's side of a migration: asked to take a job, a node accepts it if it still makes
   * sense with the node's own, exact, current figures (its gossiped ones may be old, and other
   * senders may have chosen it too). A job moving for memory is taken if it fits; a job moving for
   * load if it still gains enough. Blocked nodes and the policy refuse as in {@link #plan}.
   *
   * @param self the target's own figures now, counting jobs already on their way to it
   */
  public boolean accepts(Move move, NodeState self) {
    if (self.blocked() || !policy.allows(move.job(), self.node())) {
      return false;
    }
    long keep = (long) (config.memoryLowWater() * self.totalMemoryBytes());
    if (self.freeMemoryBytes() - move.memoryBytes() < keep) {
      return false;
    }
    if (move.reason() == Move.Reason.MEMORY) {
      return true;
    }
    double gain = move.completionHere() - completionThere(move, self);
    return gain > Math.max(config.minGainSeconds(), config.minGainRatio() * move.completionHere());
  }

  /** The move's expected completion on {@code self}, cost of moving included (s). */
  public double completionThere(Move move, NodeState self) {
    return config.costSeconds(move.memoryBytes())
        + move.expectedRemaining() * (self.runnable() + 1.0) / self.speed();
  }

  private double completionThere(
      FlatSnapshot s, int job, double rem, int target, double targetLoad) {
    return config.costSeconds(s.jobMemory[job]) + rem * (targetLoad + 1.0) / s.speed[target];
  }

  private boolean fits(FlatSnapshot s, int job, int target) {
    long keep = (long) (config.memoryLowWater() * s.total[target]);
    return !s.blocked[target]
        && s.freeLeft[target] - s.jobMemory[job] >= keep
        && policy.allows(s.jobId[job], s.node[target]);
  }

  /** The fitting target where the job would run fastest, or -1. */
  private int bestTarget(FlatSnapshot s, int job) {
    int best = -1;
    int bestPriority = Integer.MIN_VALUE;
    double bestScore = Double.POSITIVE_INFINITY;
    for (int t = 0; t < s.targetCount; t++) {
      if (!fits(s, job, t)) {
        continue;
      }
      int p = policy.priority(s.jobId[job], s.node[t]);
      double score = (s.load[t] + 1.0) / s.speed[t];
      if (p > bestPriority || (p == bestPriority && score < bestScore)) {
        best = t;
        bestPriority = p;
        bestScore = score;
      }
    }
    return best;
  }

  /**
   * Among the fitting targets where the job would complete before {@code before} (so that it gains
   * enough), the best-scoring of those whose cluster ranks the job highest; -1 if none.
   */
  private int preferredGaining(FlatSnapshot s, int job, double rem, double before) {
    int best = -1;
    int bestPriority = Integer.MIN_VALUE;
    for (int k = 0; k < s.targetCount; k++) {
      int t = s.order[k];
      if (!fits(s, job, t) || completionThere(s, job, rem, t, s.load[t]) >= before) {
        continue;
      }
      int p = policy.priority(s.jobId[job], s.node[t]);
      if (p > bestPriority) {
        best = t;
        bestPriority = p;
      }
    }
    return best;
  }

  /**
   * Among the fitting targets of the same priority as the chosen one scoring within {@code spread}
   * of it, one at random.
   */
  private int spreadTarget(FlatSnapshot s, int job, int chosenAt) {
    double best = s.score[chosenAt];
    int priority = policy.priority(s.jobId[job], s.node[chosenAt]);
    double limit = best * (1.0 + config.spread());
    int chosen = -1;
    int seen = 0;
    for (int k = 0; k < s.targetCount; k++) {
      int t = s.order[k];
      if (s.score[t] > limit) {
        break;
      }
      if (fits(s, job, t) && policy.priority(s.jobId[job], s.node[t]) == priority) {
        seen++;
        if (random.nextInt(seen) == 0) {
          chosen = t;
        }
      }
    }
    return chosen;
  }

  /**
   * Unmoved, unlocked jobs in the order memory ushering tries them: first the smallest that alone
   * covers the deficit, then the rest from the largest down.
   */
  private static int[] byMemoryToFree(FlatSnapshot s, long deficit) {
    Integer[] idx = new Integer[s.jobCount];
    int n = 0;
    for (int j = 0; j < s.jobCount; j++) {
      if (!s.moved[j] && !s.jobLocked[j]) {
        idx[n++] = j;
      }
    }
    Integer[] live = Arrays.copyOf(idx, n);
    long[] memory = s.jobMemory;
    Arrays.sort(live, (a, b) -> Long.compare(memory[b], memory[a]));
    int smallestCovering = -1;
    for (int k = 0; k < n; k++) {
      if (memory[live[k]] >= deficit) {
        smallestCovering = k;
      }
    }
    int[] out = new int[n];
    int o = 0;
    if (smallestCovering >= 0) {
      out[o++] = live[smallestCovering];
    }
    for (int k = 0; k < n; k++) {
      if (k != smallestCovering) {
        out[o++] = live[k];
      }
    }
    return out;
  }

  /**
   * Orders the first {@code n} targets by score, best first, without boxing: a score (finite, >= 0,
   * so its bits order as it does) keeps its top 44 bits and the target's index fills the rest,
   * which also breaks ties by index.
   */
  private static void sortByScore(int[] order, double[] score, long[] keys, int n) {
    if (n > INDEX_MASK + 1) {
      throw new IllegalArgumentException("too many targets: " + n);
    }
    for (int i = 0; i < n; i++) {
      keys[i] = (Double.doubleToRawLongBits(score[i]) & ~INDEX_MASK) | i;
    }
    Arrays.sort(keys, 0, n);
    for (int i = 0; i < n; i++) {
      order[i] = (int) (keys[i] & INDEX_MASK);
    }
  }

  private static final long INDEX_MASK = (1L << 20) - 1;
}
