package io.roam.manager.operations;

import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeFlags;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord.Kind;
import io.roam.manager.jobs.InitialPlacement;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * What expelling or bringing a node means, as a pure function of a snapshot: which running jobs
 * must move, and where each should go now. Locked jobs move too (nothing is stranded); blocked
 * nodes take no guests, but a job always goes home.
 */
public final class NodePlanner {
  private NodePlanner() {}

  /** A read-only view of the grid, with the node flags. */
  public record Snapshot(
      Collection<NodeRecord> nodes,
      Collection<ClusterRecord> clusters,
      Collection<JobRecord> jobs,
      Collection<NodeFlags> flags) {
    Map<NodeId, NodeRecord> nodesById() {
      return nodes.stream().collect(Collectors.toMap(NodeRecord::id, Function.identity()));
    }

    boolean blocked(NodeId node) {
      return flags.stream().anyMatch(f -> f.node().equals(node) && f.block());
    }
  }

  /**
   * Running jobs that must move: for EXPEL, the guests on {@code node} (jobs whose home is another
   * node); for BRING, the jobs whose home is {@code node} running elsewhere.
   */
  public static List<JobRecord> mustMove(Kind kind, NodeId node, Snapshot grid) {
    return grid.jobs().stream()
        .filter(j -> j.state() == JobState.RUNNING)
        .filter(
            j ->
                switch (kind) {
                  case EXPEL -> j.node().equals(node) && !j.home().equals(node);
                  case BRING -> j.home().equals(node) && !j.node().equals(node);
                  default -> throw new IllegalArgumentException(kind + " is not a node operation");
                })
        .toList();
  }

  /**
   * Where {@code job} should go. BRING: to {@code node}, if it is up. EXPEL: to its home node if
   * that is up, else to the least loaded other node of its home cluster that is not blocked (a
   * guest goes nowhere its own cluster does not own). Empty when no such node is up now (the
   * operation waits).
   */
  public static Optional<NodeRecord> target(
      Kind kind, NodeId node, JobRecord job, Snapshot grid, RandomGenerator random) {
    Map<NodeId, NodeRecord> nodes = grid.nodesById();
    if (kind == Kind.BRING) {
      return Optional.ofNullable(nodes.get(node));
    }
    NodeRecord home = nodes.get(job.home());
    if (home != null && !home.id().equals(node)) {
      return Optional.of(home);
    }
    return least(
        grid,
        n -> !n.id().equals(node) && n.cluster().equals(job.homeCluster()) && !grid.blocked(n.id()),
        random);
  }

  private static Optional<NodeRecord> least(
      Snapshot grid, java.util.function.Predicate<NodeRecord> allowed, RandomGenerator random) {
    return InitialPlacement.choose(
        grid.nodes().stream().filter(allowed).toList(), grid.jobs(), random);
  }
}
