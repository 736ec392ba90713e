package io.roam.gridctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.api.NodeSummary;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DrainPlanTest {
  private static final NodeId LEAVING = NodeId.of("c1-v1");

  private static NodeSummary node(String id, int running) {
    return new NodeSummary(
        NodeId.of(id),
        ClusterId.of(id.substring(0, 2)),
        "127.0.0.1",
        1,
        1,
        1L << 30,
        1.0,
        true,
        Instant.EPOCH,
        running);
  }

  private static JobRecord job(String id, String home) {
    return new JobRecord(
        JobId.of(id),
        List.of("sleep", "100"),
        NodeId.of(home),
        ClusterId.of(home.substring(0, 2)),
        LEAVING,
        JobState.RUNNING,
        null,
        null,
        Instant.EPOCH,
        Instant.EPOCH,
        null,
        0,
        null,
        null);
  }

  @Test
  void aGuestGoesHomeWhenItsHomeIsUp() {
    DrainPlan plan =
        new DrainPlan(
            LEAVING,
            ClusterId.of("c1"),
            List.of(node("c1-v1", 1), node("c1-v2", 0), node("c2-n1", 5)));
    assertThat(plan.target(job("j101", "c2-n1"))).contains(NodeId.of("c2-n1"));
  }

  @Test
  void aJobBornOnTheLeavingNodeGoesToTheLeastBusyNodeOfItsClusterAndTheyAreSpread() {
    DrainPlan plan =
        new DrainPlan(
            LEAVING,
            ClusterId.of("c1"),
            List.of(node("c1-v1", 3), node("c1-v2", 1), node("c1-v3", 0), node("c2-n1", 0)));
    assertThat(plan.target(job("j101", "c1-v1"))).contains(NodeId.of("c1-v3"));
    assertThat(plan.target(job("j102", "c1-v1"))).contains(NodeId.of("c1-v2"));
    assertThat(plan.target(job("j103", "c1-v1"))).contains(NodeId.of("c1-v3"));
  }

  @Test
  void aGuestWhoseHomeIsDownGoesToTheLeavingNodesClusterThenToItsOwn() {
    DrainPlan sameCluster =
        new DrainPlan(LEAVING, ClusterId.of("c1"), List.of(node("c1-v2", 4), node("c2-n2", 0)));
    assertThat(sameCluster.target(job("j101", "c2-n1"))).contains(NodeId.of("c1-v2"));
    DrainPlan homeCluster = new DrainPlan(LEAVING, ClusterId.of("c1"), List.of(node("c2-n2", 0)));
    assertThat(homeCluster.target(job("j101", "c2-n1"))).contains(NodeId.of("c2-n2"));
  }

  @Test
  void nowhereToGoIsEmpty() {
    DrainPlan plan =
        new DrainPlan(LEAVING, ClusterId.of("c1"), List.of(node("c1-v1", 1), node("c3-n1", 0)));
    assertThat(plan.target(job("j101", "c1-v1"))).isEqualTo(Optional.empty());
  }
}
