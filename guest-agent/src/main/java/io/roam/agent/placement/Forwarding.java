package io.roam.agent.placement;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Where a job that arrives at a node, and has not started, should start: here, or on a clearly
 * better node of the gossip view. A job that has not started has no memory image, so passing it on
 * costs next to nothing, where moving it once it runs costs a migration. A pure function of the
 * snapshot (the node's own fresh figures and its aged view, as the {@link Balancer} sees them) and
 * the random generator. No I/O.
 *
 * <p>The rule: the job would get {@code speed / (load + 1)} of a node, where a target's load is its
 * gossiped runnable count, plus {@code assumedLoadPerIncoming} per job this node already has on its
 * way there (moves and forwards: many arrivals do not flood one idle node), plus {@code
 * loadPerAgeStep} per step of age of its entry (what others may have sent it since). It goes to the
 * best target if it would get more than {@code 1 + minGainRatio} times its share here; targets
 * within {@code spread} of the best are drawn at random. Never to a blocked node, one the {@link
 * MigrationPolicy} refuses, or one below its memory low water; never from a node whose owner said
 * stay; never after {@code maxHops} hops (no bouncing). Among targets that gain enough, those whose
 * cluster ranks the job highest come first, as in the balancer.
 */
public final class Forwarding {
  private final PlacementConfig placement;
  private final ForwardConfig config;
  private final MigrationPolicy policy;
  private final RandomGenerator random;

  public Forwarding(
      PlacementConfig placement,
      ForwardConfig config,
      MigrationPolicy policy,
      RandomGenerator random) {
    this.placement = Objects.requireNonNull(placement, "placement");
    this.config = Objects.requireNonNull(config, "config");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.random = Objects.requireNonNull(random, "random");
  }

  public ForwardConfig config() {
    return config;
  }

  /**
   * The targets to ask for their figures now, before deciding ({@link ForwardConfig#probes}): of
   * the nodes of the view that would be enough better than here if idle, the best-scoring by the
   * same load estimate; none if the job may not be passed on.
   *
   * @param s the node's snapshot, its view as targets
   */
  public List<NodeId> toProbe(FlatSnapshot s, JobId job, int hops) {
    if (hops >= config.maxHops() || s.stay || s.targetCount == 0 || config.probes() == 0) {
      return List.of();
    }
    double limit = (s.selfRunnable + 1.0) / s.selfSpeed / (1.0 + config.minGainRatio());
    int n = 0;
    int[] order = s.order;
    double[] score = s.score;
    for (int t = 0; t < s.targetCount; t++) {
      // Any node that could gain enough if it were idle now: the view's figures only rank them
      // (a node that looks busy may have finished its jobs since).
      if (1.0 / s.speed[t] < limit && fits(s, job, t)) {
        score[t] = (load(s, t) + 1.0) / s.speed[t];
        order[n++] = t;
      }
    }
    // Ties (many idle nodes of one speed) broken at random, so that nodes do not all ask the same.
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int x = order[i];
      order[i] = order[j];
      order[j] = x;
    }
    int k = Math.min(n, config.probes());
    List<NodeId> out = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      // Selection of the i-th best among the rest (k is small); stable, so shuffled ties stay so.
      int best = i;
      for (int m = i + 1; m < n; m++) {
        if (score[order[m]] < score[order[best]]) {
          best = m;
        }
      }
      int x = order[best];
      System.arraycopy(order, i, order, i + 1, best - i);
      order[i] = x;
      out.add(s.node[x]);
    }
    return out;
  }

  /**
   * @param s the node's snapshot (its own jobs are not read; the new job is not in it): its view,
   *     or the fresh figures of the targets it probed
   * @param job the arriving job
   * @param hops how many times the job has been passed on already
   * @return the node to pass the job on to, or null to start it here
   */
  public NodeId target(FlatSnapshot s, JobId job, int hops) {
    if (hops >= config.maxHops() || s.stay || s.targetCount == 0) {
      return null;
    }
    double here = (s.selfRunnable + 1.0) / s.selfSpeed;
    double limit = here / (1.0 + config.minGainRatio());
    int best = -1;
    int bestPriority = Integer.MIN_VALUE;
    double bestScore = Double.POSITIVE_INFINITY;
    double[] score = s.score;
    for (int t = 0; t < s.targetCount; t++) {
      score[t] = Double.POSITIVE_INFINITY;
      if (!fits(s, job, t)) {
        continue;
      }
      score[t] = (load(s, t) + 1.0) / s.speed[t];
      if (score[t] >= limit) {
        continue;
      }
      int p = policy.priority(job, s.node[t]);
      if (p > bestPriority || (p == bestPriority && score[t] < bestScore)) {
        best = t;
        bestPriority = p;
        bestScore = score[t];
      }
    }
    if (best < 0) {
      return null;
    }
    // Nodes deciding on the same view would all pick the same best: draw among the near-best.
    double within = Math.min(limit, bestScore * (1.0 + placement.spread()));
    int chosen = best;
    int seen = 0;
    for (int t = 0; t < s.targetCount; t++) {
      if (score[t] <= within
          && policy.priority(job, s.node[t]) == bestPriority
          && random.nextInt(++seen) == 0) {
        chosen = t;
      }
    }
    return s.node[chosen];
  }

  /** The target's load as the balancer estimates it: reported, plus sent its way, plus aged. */
  private double load(FlatSnapshot s, int t) {
    return s.runnable[t]
        + s.incoming[t] * placement.assumedLoadPerIncoming()
        + s.age[t] * placement.loadPerAgeStep();
  }

  private boolean fits(FlatSnapshot s, JobId job, int t) {
    // A job that has not started has no known size: the target must only stay above its low water.
    long keep = (long) (placement.memoryLowWater() * s.total[t]);
    return !s.blocked[t] && s.free[t] >= keep && policy.allows(job, s.node[t]);
  }
}
