package io.roam.manager.jobs;

import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.common.placement.LeastLoaded;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Where a new job starts when the user does not say: the node with the fewest unfinished jobs per
 * unit of capacity (cores x speed), ties broken at random ({@link LeastLoaded}, the rule the
 * simulator places jobs by too). Pure; the balancer moves jobs later.
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
    List<NodeRecord> list = List.copyOf(nodes);
    int chosen =
        LeastLoaded.choose(
            list.size(),
            i -> load.getOrDefault(list.get(i).id(), 0),
            i -> list.get(i).cores() * list.get(i).speed(),
            random);
    return chosen < 0 ? Optional.empty() : Optional.of(list.get(chosen));
  }
}
