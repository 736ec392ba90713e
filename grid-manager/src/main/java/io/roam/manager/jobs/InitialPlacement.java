package io.roam.manager.jobs;

import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Where a new job starts when the user does not say: the node with the fewest unfinished jobs per
 * unit of capacity (cores x speed), ties broken at random. Pure; the balancer moves jobs later.
 */
public final class InitialPlacement {
  private InitialPlacement() {}

  public static Optional<NodeRecord> choose(
      Collection<NodeRecord> nodes, Collection<JobRecord> jobs, RandomGenerator random) {
    Map<NodeId, Integer> load = new HashMap<>();
    for (JobRecord job : jobs) {
      if (!job.state().terminal()) {
        load.merge(job.node(), 1, Integer::sum);
      }
    }
    List<NodeRecord> best = new ArrayList<>();
    double bestScore = Double.MAX_VALUE;
    for (NodeRecord node : nodes) {
      double score = load.getOrDefault(node.id(), 0) / (node.cores() * node.speed());
      if (score < bestScore - 1e-9) {
        best.clear();
        bestScore = score;
      }
      if (Math.abs(score - bestScore) <= 1e-9) {
        best.add(node);
      }
    }
    return best.isEmpty() ? Optional.empty() : Optional.of(best.get(random.nextInt(best.size())));
  }
}
