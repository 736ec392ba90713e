package io.roam.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** One test per rule of forwarding a job that has not started, on hand-made snapshots. */
class ForwardingTest {
  static final long GIB = 1L << 30;
  static final JobId JOB = JobId.ofNumber(7);
  static final PlacementConfig PLACEMENT = PlacementConfig.defaults().withSpread(0);
  static final ForwardConfig CONFIG = new ForwardConfig(0.25, 1, 2);

  static Forwarding forwarding(ForwardConfig config, MigrationPolicy policy, long seed) {
    return new Forwarding(PLACEMENT, config, policy, new SplittableRandom(seed));
  }

  static Forwarding forwarding() {
    return forwarding(CONFIG, MigrationPolicy.ALLOW_ALL, 1);
  }

  static NodeState node(String id, double speed, double load) {
    return NodeState.of(NodeId.of(id), speed, load, 3 * GIB, 4 * GIB);
  }

  static FlatSnapshot snapshot(NodeState self, NodeState... others) {
    return FlatSnapshot.of(new Snapshot(self, false, List.of(), List.of(others)));
  }

  @Test
  void passesAJobFromABusySlowNodeToAnIdleFastOne() {
    // Here: (2 + 1) / 1 = 3; b: (0 + 1) / 4 = 0.25.
    FlatSnapshot s = snapshot(node("a", 1, 2), node("b", 4, 0));
    assertThat(forwarding().target(s, JOB, 0)).isEqualTo(NodeId.of("b"));
  }

  @Test
  void startsHereWhenNoNodeIsClearlyBetter() {
    // Here: (1 + 1) / 2 = 1; b: (1 + 1) / 2.4 = 0.83, a gain of 20% < 25%.
    FlatSnapshot s = snapshot(node("a", 2, 1), node("b", 2.4, 1));
    assertThat(forwarding().target(s, JOB, 0)).isNull();
    // At 2.6: 0.77, a gain of 30%.
    assertThat(forwarding().target(snapshot(node("a", 2, 1), node("b", 2.6, 1)), JOB, 0))
        .isEqualTo(NodeId.of("b"));
  }

  @Test
  void aJobIsPassedOnAtMostMaxHopsTimes() {
    FlatSnapshot s = snapshot(node("a", 1, 5), node("b", 4, 0));
    assertThat(forwarding().target(s, JOB, 1)).isNull();
    assertThat(forwarding().toProbe(s, JOB, 1)).isEmpty();
    Forwarding twoHops = forwarding(new ForwardConfig(0.25, 2, 2), MigrationPolicy.ALLOW_ALL, 1);
    assertThat(twoHops.target(s, JOB, 1)).isEqualTo(NodeId.of("b"));
    assertThat(forwarding(ForwardConfig.off(), MigrationPolicy.ALLOW_ALL, 1).target(s, JOB, 0))
        .isNull();
  }

  @Test
  void neverToABlockedNodeOrOneThePolicyRefusesNorFromANodeThatStays() {
    NodeState self = node("a", 1, 5);
    assertThat(forwarding().target(snapshot(self, node("b", 4, 0).withBlocked(true)), JOB, 0))
        .isNull();
    MigrationPolicy notToB = (job, target) -> !target.equals(NodeId.of("b"));
    FlatSnapshot s = snapshot(self, node("b", 4, 0), node("c", 2, 0));
    assertThat(forwarding(CONFIG, notToB, 1).target(s, JOB, 0)).isEqualTo(NodeId.of("c"));
    assertThat(forwarding(CONFIG, notToB, 1).toProbe(s, JOB, 0)).containsExactly(NodeId.of("c"));
    FlatSnapshot staying =
        FlatSnapshot.of(new Snapshot(self, true, List.of(), List.of(node("b", 4, 0))));
    assertThat(forwarding().target(staying, JOB, 0)).isNull();
    assertThat(forwarding().toProbe(staying, JOB, 0)).isEmpty();
  }

  @Test
  void neverToANodeBelowItsMemoryLowWater() {
    NodeState full = NodeState.of(NodeId.of("b"), 4, 0, GIB / 100, 4 * GIB);
    assertThat(forwarding().target(snapshot(node("a", 1, 5), full), JOB, 0)).isNull();
  }

  @Test
  void jobsAlreadySentToANodeCountAsItsLoad() {
    // b idle and fast, but this node already sent it 3 jobs: (0 + 3 + 1) / 4 = 1 against c's
    // (0 + 1) / 2 = 0.5.
    FlatSnapshot s = snapshot(node("a", 1, 3), node("b", 4, 0).withIncoming(3), node("c", 2, 0));
    assertThat(forwarding().target(s, JOB, 0)).isEqualTo(NodeId.of("c"));
  }

  @Test
  void oldFiguresCountAsLoad() {
    // b's entry is 10 steps old: 0.2 x 10 = 2 more: (0 + 2 + 1) / 4 = 0.75 against c's 0.5.
    FlatSnapshot s = snapshot(node("a", 1, 3), node("b", 4, 0).withAge(10), node("c", 2, 0));
    assertThat(forwarding().target(s, JOB, 0)).isEqualTo(NodeId.of("c"));
  }

  @Test
  void probesTheBestNodesThatCouldGainEnoughIfIdle() {
    // Here (1 + 1) / 2 = 1, limit 0.8: a node of speed 1.2 could never gain enough; the others
    // are ranked by their figures, busy ones too (they may have finished since).
    FlatSnapshot s =
        snapshot(
            node("a", 2, 1),
            node("slow", 1.2, 0),
            node("busy", 4, 9),
            node("idle", 4, 0),
            node("half", 4, 2));
    assertThat(forwarding().toProbe(s, JOB, 0))
        .containsExactly(NodeId.of("idle"), NodeId.of("half"));
    Forwarding all = forwarding(new ForwardConfig(0.25, 1, 10), MigrationPolicy.ALLOW_ALL, 1);
    assertThat(all.toProbe(s, JOB, 0))
        .containsExactly(NodeId.of("idle"), NodeId.of("half"), NodeId.of("busy"));
  }

  @Test
  void equalNodesAreProbedAndChosenAtRandom() {
    FlatSnapshot s = snapshot(node("a", 1, 3), node("b", 4, 0), node("c", 4, 0), node("d", 4, 0));
    Set<NodeId> probedFirst = new HashSet<>();
    Set<NodeId> chosen = new HashSet<>();
    Forwarding one = forwarding(new ForwardConfig(0.25, 1, 1), MigrationPolicy.ALLOW_ALL, 1);
    for (int i = 0; i < 50; i++) {
      probedFirst.add(one.toProbe(s, JOB, 0).get(0));
      chosen.add(one.target(s, JOB, 0));
    }
    assertThat(probedFirst).hasSize(3);
    assertThat(chosen).hasSize(3);
  }
}
