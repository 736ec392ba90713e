package io.roam.manager.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InitialPlacementTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static NodeRecord node(String id, int cores, double speed) {
    return new NodeRecord(
        NodeId.of(id),
        ClusterId.of("c1"),
        "127.0.0.1",
        1000,
        cores,
        1L << 30,
        speed,
        false,
        "t",
        T0,
        0);
  }

  private static JobRecord running(long n, String node) {
    return JobRecord.pending(
            JobId.ofNumber(n), List.of("x"), NodeId.of(node), ClusterId.of("c1"), T0)
        .started(T0);
  }

  @Test
  void picksTheNodeWithTheFewestJobsPerUnitOfCapacity() {
    List<NodeRecord> nodes = List.of(node("a", 1, 1.0), node("b", 4, 1.0), node("c", 1, 2.0));
    // a: 1 job / 1 = 1; b: 2 jobs / 4 = 0.5; c: 2 jobs / 2 = 1
    List<JobRecord> jobs =
        List.of(
            running(1, "a"), running(2, "b"), running(3, "b"), running(4, "c"), running(5, "c"));

    assertThat(InitialPlacement.choose(nodes, jobs, new Random(1)))
        .map(NodeRecord::id)
        .contains(NodeId.of("b"));
  }

  @Test
  void endedJobsDoNotCount() {
    List<NodeRecord> nodes = List.of(node("a", 1, 1.0), node("b", 1, 1.0));
    List<JobRecord> jobs = List.of(running(1, "a").exited(0, T0), running(2, "b"));

    assertThat(InitialPlacement.choose(nodes, jobs, new Random(1)))
        .map(NodeRecord::id)
        .contains(NodeId.of("a"));
  }

  @Test
  void tiesAreSpreadAtRandom() {
    List<NodeRecord> nodes = List.of(node("a", 1, 1.0), node("b", 1, 1.0), node("c", 1, 1.0));
    Random random = new Random(7);
    Set<NodeId> chosen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      chosen.add(InitialPlacement.choose(nodes, List.of(), random).orElseThrow().id());
    }
    assertThat(chosen).hasSize(3);
  }

  @Test
  void noNodesNoChoice() {
    assertThat(InitialPlacement.choose(List.of(), List.of(), new Random(1))).isEmpty();
  }
}
