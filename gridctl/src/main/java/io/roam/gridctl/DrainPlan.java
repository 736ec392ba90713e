package io.roam.gridctl;

import io.roam.common.api.NodeSummary;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where the jobs of a node that is going away should go, as a pure function of the live nodes: a
 * job goes to its home node when that is another live node; else to the least busy other node of
 * the leaving node's cluster; else to the least busy node of the job's home cluster. Jobs planned
 * onto a node count towards how busy it is, so a drain spreads its jobs.
 */
final class DrainPlan {
  private final NodeId leaving;
  private final ClusterId cluster;
  private final List<NodeSummary> others;
  private final Map<NodeId, Integer> load = new HashMap<>();

  /**
   * @param leaving the node whose VM goes
   * @param cluster its cluster
   * @param live the live nodes (the leaving one among them or not)
   */
  DrainPlan(NodeId leaving, ClusterId cluster, List<NodeSummary> live) {
    this.leaving = leaving;
    this.cluster = cluster;
    this.others = live.stream().filter(n -> !n.id().equals(leaving)).toList();
    others.forEach(n -> load.put(n.id(), n.runningJobs()));
  }

  /** Where {@code job} goes; empty when no other node can take it. */
  Optional<NodeId> target(JobRecord job) {
    Optional<NodeId> chosen =
        others.stream()
            .map(NodeSummary::id)
            .filter(id -> id.equals(job.home()))
            .findFirst()
            .or(() -> least(n -> n.cluster().equals(cluster)))
            .or(() -> least(n -> n.cluster().equals(job.homeCluster())));
    chosen.ifPresent(id -> load.merge(id, 1, Integer::sum));
    return chosen;
  }

  private Optional<NodeId> least(Predicate<NodeSummary> allowed) {
    return others.stream()
        .filter(allowed)
        .map(NodeSummary::id)
        .min(Comparator.comparing((NodeId id) -> load.get(id)).thenComparing(NodeId::value));
  }

  NodeId leaving() {
    return leaving;
  }
}
