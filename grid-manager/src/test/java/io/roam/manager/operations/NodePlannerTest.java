package io.roam.manager.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeFlags;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NodePlannerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final NodeId N1 = NodeId.of("c1-n1");

  private final List<NodeRecord> nodes = new ArrayList<>();
  private final List<ClusterRecord> clusters =
      List.of(
          new ClusterRecord(ClusterId.of("c1"), "a", ClusterState.ATTACHED, T0),
          new ClusterRecord(ClusterId.of("c2"), "b", ClusterState.ATTACHED, T0));
  private final List<JobRecord> jobs = new ArrayList<>();
  private final List<NodeFlags> flags = new ArrayList<>();
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

  private NodePlanner.Snapshot grid() {
    return new NodePlanner.Snapshot(nodes, clusters, jobs, flags);
  }

  private Optional<NodeId> target(Kind kind, JobRecord job) {
    return NodePlanner.target(kind, N1, job, grid(), new Random(1)).map(NodeRecord::id);
  }

  @Test
  void expelMovesTheGuestsOnTheNodeLockedOrNotAndNothingElse() {
    node("c1-n1");
    node("c1-n2");
    node("c2-n1");
    JobRecord guest = job("c2-n1", "c1-n1");
    JobRecord lockedGuest = job("c1-n2", "c1-n1");
    jobs.set(jobs.size() - 1, lockedGuest.withLocked(true));
    job("c1-n1", "c1-n1");
    job("c2-n1", "c1-n2");
    jobs.add(job("c2-n1", "c1-n1").ended(JobState.KILLED, "k", T0));
    jobs.remove(jobs.size() - 2);

    assertThat(NodePlanner.mustMove(Kind.EXPEL, N1, grid()))
        .extracting(JobRecord::id)
        .containsExactly(guest.id(), lockedGuest.id());
  }

  @Test
  void anExpelledGuestGoesHomeElseToAnOpenNodeOfItsClusterElseWaits() {
    node("c1-n1");
    node("c2-n2");
    node("c2-n3");
    JobRecord guest = job("c2-n1", "c1-n1");
    flags.add(NodeFlags.none(NodeId.of("c2-n2"), ClusterId.of("c2")).with(null, true, T0, "b"));

    assertThat(target(Kind.EXPEL, guest)).contains(NodeId.of("c2-n3"));

    flags.add(NodeFlags.none(NodeId.of("c2-n3"), ClusterId.of("c2")).with(null, true, T0, "b"));
    assertThat(target(Kind.EXPEL, guest)).isEmpty();

    node("c2-n1");
    flags.add(NodeFlags.none(NodeId.of("c2-n1"), ClusterId.of("c2")).with(null, true, T0, "b"));
    assertThat(target(Kind.EXPEL, guest))
        .as("home takes its own, blocked or not")
        .contains(NodeId.of("c2-n1"));
  }

  @Test
  void bringCallsTheNodesJobsBackFromWhereverTheyRun() {
    node("c1-n1");
    node("c2-n1");
    JobRecord away = job("c1-n1", "c2-n1");
    JobRecord lockedAway = job("c1-n1", "c1-n2").withLocked(true);
    jobs.set(jobs.size() - 1, lockedAway);
    job("c1-n1", "c1-n1");
    job("c2-n1", "c1-n1");

    assertThat(NodePlanner.mustMove(Kind.BRING, N1, grid()))
        .extracting(JobRecord::id)
        .containsExactly(away.id(), lockedAway.id());
    assertThat(target(Kind.BRING, away)).contains(N1);
    nodes.remove(0);
    assertThat(target(Kind.BRING, away)).as("waits while the node is down").isEmpty();
  }
}
