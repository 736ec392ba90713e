package io.roam.manager.operations;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.PartnerPriority;
import io.roam.manager.jobs.InitialPlacement;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * What detaching a cluster means, as a pure function of a snapshot: which running jobs must move
 * (guests on the cluster go home; the cluster's own jobs elsewhere come back), and where each
 * should go now.
 */
public final class DetachPlanner {
  private DetachPlanner() {}

  /**
   * A read-only view of the grid.
   *
   * @param policies the owners' policies; a cluster not in it has the default policy
   */
  public record Snapshot(
      Collection<NodeRecord> nodes,
      Collection<ClusterRecord> clusters,
      Collection<JobRecord> jobs,
      Map<ClusterId, ClusterPolicy> policies) {
    public Snapshot {
      policies = Map.copyOf(policies);
    }

    /** A grid where every cluster has the default policy. */
    public Snapshot(
        Collection<NodeRecord> nodes,
        Collection<ClusterRecord> clusters,
        Collection<JobRecord> jobs) {
      this(nodes, clusters, jobs, Map.of());
    }

    OptionalInt priority(ClusterId host, ClusterId guestHome) {
      return PartnerPriority.of(
          host, policies.getOrDefault(host, ClusterPolicy.defaults()), guestHome);
    }

    Map<NodeId, NodeRecord> nodesById() {
      return nodes.stream().collect(Collectors.toMap(NodeRecord::id, Function.identity()));
    }

    boolean attached(ClusterId id) {
      return clusters.stream()
          .anyMatch(c -> c.id().equals(id) && c.state() == ClusterState.ATTACHED);
    }
  }

  /** Running jobs that must move for {@code cluster} to detach. */
  public static List<JobRecord> mustMove(ClusterId cluster, Snapshot grid) {
    Map<NodeId, NodeRecord> nodes = grid.nodesById();
    return grid.jobs().stream()
        .filter(j -> j.state() == JobState.RUNNING)
        .filter(
            j -> {
              NodeRecord at = nodes.get(j.node());
              boolean onCluster = at != null && at.cluster().equals(cluster);
              boolean ofCluster = j.homeCluster().equals(cluster);
              return onCluster != ofCluster && at != null;
            })
        .toList();
  }

  /**
   * Where {@code job} should go so that {@code detaching} can leave: a guest goes to its home node,
   * else another node of its home cluster, else a node of the attached clusters whose owners give
   * its home cluster the highest priority (never one that blocks it); a job of the detaching
   * cluster comes back to its home node, else another node of its cluster. Empty when no such node
   * is up now (the operation waits).
   */
  public static Optional<NodeRecord> target(
      JobRecord job, ClusterId detaching, Snapshot grid, RandomGenerator random) {
    Map<NodeId, NodeRecord> nodes = grid.nodesById();
    NodeRecord home = nodes.get(job.home());
    if (job.homeCluster().equals(detaching)) {
      if (home != null) {
        return Optional.of(home);
      }
      return least(grid, n -> n.cluster().equals(detaching), random);
    }
    if (home != null && !home.cluster().equals(detaching)) {
      return Optional.of(home);
    }
    Optional<NodeRecord> sameCluster =
        least(
            grid,
            n -> n.cluster().equals(job.homeCluster()) && !n.cluster().equals(detaching),
            random);
    if (sameCluster.isPresent()) {
      return sameCluster;
    }
    List<NodeRecord> open =
        grid.nodes().stream()
            .filter(n -> !n.cluster().equals(detaching) && grid.attached(n.cluster()))
            .toList();
    return InitialPlacement.choose(
        PartnerPriority.preferred(open, n -> grid.priority(n.cluster(), job.homeCluster())),
        grid.jobs(),
        random);
  }

  private static Optional<NodeRecord> least(
      Snapshot grid, java.util.function.Predicate<NodeRecord> allowed, RandomGenerator random) {
    return InitialPlacement.choose(
        grid.nodes().stream().filter(allowed).toList(), grid.jobs(), random);
  }
}
