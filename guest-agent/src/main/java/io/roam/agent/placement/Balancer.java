package io.roam.agent.placement;

import java.time.Duration;
import java.time.Instant;
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
    List<JobLoad> jobs = snapshot.jobs();
    List<NodeState> others = snapshot.others();
    if (snapshot.stay() || jobs.isEmpty() || others.isEmpty()) {
      return Plan.NONE;
    }
    NodeState self = snapshot.self();
    int targets = others.size();
    double[] load = new double[targets];
    long[] free = new long[targets];
    for (int t = 0; t < targets; t++) {
      NodeState n = others.get(t);
      load[t] =
          n.runnable()
              + n.incoming() * config.assumedLoadPerIncoming()
              + n.age() * config.loadPerAgeStep();
      free[t] = n.freeMemoryBytes();
    }
    boolean[] moved = new boolean[jobs.size()];
    double selfLoad = Math.max(self.runnable(), 1.0);
    long selfFree = self.freeMemoryBytes();
    List<Move> moves = new ArrayList<>();

    // Memory ushering: get back above the low water before the node swaps.
    long lowWater = (long) (config.memoryLowWater() * self.totalMemoryBytes());
    while (selfFree < lowWater) {
      long deficit = lowWater - selfFree;
      int pick = -1;
      int target = -1;
      for (int j : byMemoryToFree(jobs, moved, deficit)) {
        target = bestTarget(jobs.get(j), others, load, free, null);
        if (target >= 0) {
          pick = j;
          break;
        }
      }
      if (pick < 0) {
        break;
      }
      JobLoad job = jobs.get(pick);
      double rem = config.expectedRemaining(job.cpuSeconds());
      double here = rem * selfLoad / self.speed();
      double there = completionThere(job, rem, others.get(target), load[target]);
      moves.add(
          new Move(
              job.job(),
              others.get(target).node(),
              Move.Reason.MEMORY,
              here - there,
              job.memoryBytes(),
              rem,
              here));
      moved[pick] = true;
      selfFree += job.memoryBytes();
      selfLoad = Math.max(selfLoad - 1, 1.0);
      load[target] += config.assumedLoadPerIncoming();
      free[target] -= job.memoryBytes();
    }

    // Load: move the job that gains most, if it gains enough, one decision at a time.
    Instant now = clock.instant();
    Duration minResidence = config.minResidence();
    int[] order = new int[targets];
    for (int loadMoves = 0; loadMoves < config.maxMovesPerPlan(); loadMoves++) {
      double[] score = new double[targets];
      for (int t = 0; t < targets; t++) {
        score[t] = (load[t] + 1.0) / others.get(t).speed();
      }
      sortByScore(order, score);
      int bestJob = -1;
      int bestTarget = -1;
      double bestGain = 0;
      for (int j = 0; j < jobs.size(); j++) {
        JobLoad job = jobs.get(j);
        if (moved[j] || job.locked()) {
          continue;
        }
        // Hysteresis binds a job that has already moved; one that started here has cost nothing
        // yet, and the sooner it goes where it runs best the more it gains.
        if (job.migrated() && Duration.between(job.arrivedAt(), now).compareTo(minResidence) < 0) {
          continue;
        }
        double rem = config.expectedRemaining(job.cpuSeconds());
        double here = rem * selfLoad / self.speed();
        double threshold = Math.max(config.minGainSeconds(), config.minGainRatio() * here);
        int t = preferredGaining(job, rem, here - threshold, others, load, free, order);
        if (t < 0) {
          continue;
        }
        double gain = here - completionThere(job, rem, others.get(t), load[t]);
        if (gain > threshold && gain > bestGain) {
          bestGain = gain;
          bestJob = j;
          bestTarget = t;
        }
      }
      if (bestJob < 0) {
        break;
      }
      JobLoad job = jobs.get(bestJob);
      int t = spreadTarget(job, others, free, order, score, bestTarget);
      double rem = config.expectedRemaining(job.cpuSeconds());
      double here = rem * selfLoad / self.speed();
      double gain = here - completionThere(job, rem, others.get(t), load[t]);
      moves.add(
          new Move(
              job.job(),
              others.get(t).node(),
              Move.Reason.LOAD,
              gain,
              job.memoryBytes(),
              rem,
              here));
      moved[bestJob] = true;
      selfLoad = Math.max(selfLoad - 1, 1.0);
      load[t] += config.assumedLoadPerIncoming();
      free[t] -= job.memoryBytes();
    }
    return moves.isEmpty() ? Plan.NONE : new Plan(moves);
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
    double there =
        config.costSeconds(move.memoryBytes())
            + move.expectedRemaining() * (self.runnable() + 1.0) / self.speed();
    double gain = move.completionHere() - there;
    return gain > Math.max(config.minGainSeconds(), config.minGainRatio() * move.completionHere());
  }

  private double completionThere(JobLoad job, double rem, NodeState target, double targetLoad) {
    return config.costSeconds(job.memoryBytes()) + rem * (targetLoad + 1.0) / target.speed();
  }

  private boolean fits(JobLoad job, NodeState target, long targetFree) {
    long keep = (long) (config.memoryLowWater() * target.totalMemoryBytes());
    return !target.blocked()
        && targetFree - job.memoryBytes() >= keep
        && policy.allows(job.job(), target.node());
  }

  /** The fitting target where the job would run fastest, or -1. */
  private int bestTarget(
      JobLoad job, List<NodeState> others, double[] load, long[] free, int[] unused) {
    int best = -1;
    int bestPriority = Integer.MIN_VALUE;
    double bestScore = Double.POSITIVE_INFINITY;
    for (int t = 0; t < others.size(); t++) {
      NodeState n = others.get(t);
      if (!fits(job, n, free[t])) {
        continue;
      }
      int p = policy.priority(job.job(), n.node());
      double score = (load[t] + 1.0) / n.speed();
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
  private int preferredGaining(
      JobLoad job,
      double rem,
      double before,
      List<NodeState> others,
      double[] load,
      long[] free,
      int[] order) {
    int best = -1;
    int bestPriority = Integer.MIN_VALUE;
    for (int t : order) {
      NodeState n = others.get(t);
      if (!fits(job, n, free[t]) || completionThere(job, rem, n, load[t]) >= before) {
        continue;
      }
      int p = policy.priority(job.job(), n.node());
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
  private int spreadTarget(
      JobLoad job, List<NodeState> others, long[] free, int[] order, double[] score, int chosenAt) {
    double best = score[chosenAt];
    int priority = policy.priority(job.job(), others.get(chosenAt).node());
    double limit = best * (1.0 + config.spread());
    int chosen = -1;
    int seen = 0;
    for (int t : order) {
      if (score[t] > limit) {
        break;
      }
      if (fits(job, others.get(t), free[t])
          && policy.priority(job.job(), others.get(t).node()) == priority) {
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
  private static int[] byMemoryToFree(List<JobLoad> jobs, boolean[] moved, long deficit) {
    Integer[] idx = new Integer[jobs.size()];
    int n = 0;
    for (int j = 0; j < jobs.size(); j++) {
      if (!moved[j] && !jobs.get(j).locked()) {
        idx[n++] = j;
      }
    }
    Integer[] live = Arrays.copyOf(idx, n);
    Arrays.sort(live, (a, b) -> Long.compare(jobs.get(b).memoryBytes(), jobs.get(a).memoryBytes()));
    int smallestCovering = -1;
    for (int k = 0; k < n; k++) {
      if (jobs.get(live[k]).memoryBytes() >= deficit) {
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
   * Orders targets by score, best first, without boxing: a score (finite, >= 0, so its bits order
   * as it does) keeps its top 44 bits and the target's index fills the rest, which also breaks ties
   * by index.
   */
  private static void sortByScore(int[] order, double[] score) {
    int n = score.length;
    if (n > INDEX_MASK + 1) {
      throw new IllegalArgumentException("too many targets: " + n);
    }
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      keys[i] = (Double.doubleToRawLongBits(score[i]) & ~INDEX_MASK) | i;
    }
    Arrays.sort(keys);
    for (int i = 0; i < n; i++) {
      order[i] = (int) (keys[i] & INDEX_MASK);
    }
  }

  private static final long INDEX_MASK = (1L << 20) - 1;
}
