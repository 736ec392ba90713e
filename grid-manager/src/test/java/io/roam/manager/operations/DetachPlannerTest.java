package io.roam.manager.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterPolicy.PartnerRule;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DetachPlannerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final ClusterId C1 = ClusterId.of("c1");
  private static final ClusterId C2 = ClusterId.of("c2");
  private static final ClusterId C3 = ClusterId.of("c3");

  private final List<NodeRecord> nodes = new ArrayList<>();
  private final List<ClusterRecord> clusters =
      new ArrayList<>(
          List.of(
              new ClusterRecord(C1, "a", ClusterState.ATTACHED, T0),
              new ClusterRecord(C2, "b", ClusterState.ATTACHED, T0),
              new ClusterRecord(C3, "c", ClusterState.ATTACHED, T0)));
  private final List<JobRecord> jobs = new ArrayList<>();
  private long next = 1;

  private void node(String id) {
    nodes.add(
        new NodeRecord(
            NodeId.of(id),
            ClusterId.of(id.substring(0, 2)),
            "127.0.0.1",
            1,
            1,
            1L << 30,
            1.0,
            false,
            "t",
            T0,
            1));
  }

  /** A running job started on {@code home} and now on {@code at}. */
  private JobRecord job(String home, String at) {
    JobRecord j =
        JobRecord.pending(
                JobId.ofNumber(next++),
                List.of("x"),
                NodeId.of(home),
                ClusterId.of(home.substring(0, 2)),
                T0)
            .started(T0);
    if (!home.equals(at)) {
      j = j.movedTo(NodeId.of(at), null);
    }
    jobs.add(j);
    return j;
  }

  private DetachPlanner.Snapshot grid() {
    return new DetachPlanner.Snapshot(nodes, clusters, jobs);
  }

  @Test
  void guestsOnTheClusterAndItsOwnJobsElsewhereMustMoveNothingElse() {
    List.of("c1-n1", "c1-n2", "c2-n1", "c2-n2").forEach(this::node);
    JobRecord guest = job("c1-n1", "c2-n1");
    JobRecord ownAway = job("c2-n2", "c1-n2");
    job("c2-n1", "c2-n1"); // local work stays
    job("c1-n1", "c1-n2"); // another cluster's business
    JobRecord ended = job("c1-n2", "c2-n2").exited(0, T0);
    jobs.set(jobs.size() - 1, ended);

    assertThat(DetachPlanner.mustMove(C2, grid())).containsExactlyInAnyOrder(guest, ownAway);
  }

  @Test
  void aGuestGoesHomeAndAnOwnJobComesHome() {
    List.of("c1-n1", "c1-n2", "c2-n1", "c2-n2").forEach(this::node);
    JobRecord guest = job("c1-n2", "c2-n1");
    JobRecord own = job("c2-n2", "c1-n1");

    assertThat(DetachPlanner.target(guest, C2, grid(), new Random(1)).orElseThrow().id())
        .isEqualTo(NodeId.of("c1-n2"));
    assertThat(DetachPlanner.target(own, C2, grid(), new Random(1)).orElseThrow().id())
        .isEqualTo(NodeId.of("c2-n2"));
  }

  @Test
  void withItsHomeNodeGoneAGuestGoesElsewhereInItsHomeClusterThenAnyAttachedCluster() {
    List.of("c1-n2", "c2-n1", "c3-n1").forEach(this::node);
    JobRecord guest = job("c1-n1", "c2-n1");

    assertThat(DetachPlanner.target(guest, C2, grid(), new Random(1)).orElseThrow().id())
        .isEqualTo(NodeId.of("c1-n2"));

    nodes.removeIf(n -> n.id().equals(NodeId.of("c1-n2")));
    assertThat(DetachPlanner.target(guest, C2, grid(), new Random(1)).orElseThrow().id())
        .isEqualTo(NodeId.of("c3-n1"));

    clusters.set(2, clusters.get(2).withState(ClusterState.DETACHED));
    assertThat(DetachPlanner.target(guest, C2, grid(), new Random(1))).isEmpty();
  }

  @Test
  void anOwnJobWhoseHomeNodeIsGoneComesBackToAnotherNodeOfItsCluster() {
    List.of("c1-n1", "c2-n2").forEach(this::node);
    JobRecord own = job("c2-n1", "c1-n1");

    assertThat(DetachPlanner.target(own, C2, grid(), new Random(1)).orElseThrow().id())
        .isEqualTo(NodeId.of("c2-n2"));
  }

  @Test
  void withNoNodeOfItsHomeClusterAGuestGoesToTheClusterThatRanksItsHomeHighestNeverABlockingOne() {
    ClusterId c4 = ClusterId.of("c4");
    clusters.add(new ClusterRecord(c4, "d", ClusterState.ATTACHED, T0));
    List.of("c2-n1", "c3-n1", "c3-n2", "c4-n1").forEach(this::node);
    JobRecord guest = job("c1-n1", "c2-n1");
    job("c3-n1", "c3-n1"); // c3-n2 is the less loaded of c3
    Map<ClusterId, ClusterPolicy> policies =
        Map.of(
            C3, new ClusterPolicy(true, 4, List.of(new PartnerRule("c1", 80, null))),
            c4, new ClusterPolicy(true, 4, List.of(new PartnerRule("c1", 20, null))));

    for (int seed = 0; seed < 10; seed++) {
      assertThat(
              DetachPlanner.target(
                      guest,
                      C2,
                      new DetachPlanner.Snapshot(nodes, clusters, jobs, policies),
                      new Random(seed))
                  .orElseThrow()
                  .id())
          .isEqualTo(NodeId.of("c3-n2"));
    }

    Map<ClusterId, ClusterPolicy> blocking =
        Map.of(
            C3, new ClusterPolicy(true, 4, List.of(new PartnerRule("c1", null, true))),
            c4, new ClusterPolicy(false, 0, List.of()));
    assertThat(
            DetachPlanner.target(
                guest,
                C2,
                new DetachPlanner.Snapshot(nodes, clusters, jobs, blocking),
                new Random(1)))
        .isEmpty();
  }
}
