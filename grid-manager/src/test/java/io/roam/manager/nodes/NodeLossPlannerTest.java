package io.roam.manager.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobCheckpoint;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.manager.nodes.NodeLossPlanner.AskRestore;
import io.roam.manager.nodes.NodeLossPlanner.Decision;
import io.roam.manager.nodes.NodeLossPlanner.Lost;
import io.roam.manager.nodes.NodeLossPlanner.Restart;
import io.roam.manager.nodes.NodeLossPlanner.Snapshot;
import io.roam.manager.nodes.NodeLossPlanner.Wait;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeLossPlannerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant NOW = T0.plusSeconds(600);
  private static final Duration GRACE = Duration.ofSeconds(30);
  private static final Duration ASK_AGAIN = Duration.ofSeconds(20);
  private static final NodeId HOME = NodeId.of("c1-n1");
  private static final NodeId AWAY = NodeId.of("c2-n1");
  private static final NodeId OTHER = NodeId.of("c2-n2");

  private static JobRecord running(int n, NodeId at) {
    JobRecord j =
        JobRecord.pending(JobId.of("j" + n), List.of("x"), HOME, ClusterId.of("c1"), T0)
            .started(T0);
    return at.equals(HOME) ? j : j.movedTo(at, null);
  }

  private static JobCheckpoint keptOn(NodeId node) {
    return new JobCheckpoint(node, T0.plusSeconds(100), 4096);
  }

  private static List<Decision> decide(
      List<JobRecord> jobs, Set<NodeId> live, Map<JobId, Instant> missingSince) {
    return NodeLossPlanner.decide(
        new Snapshot(jobs, live, missingSince, Map.of(), NOW), GRACE, ASK_AGAIN);
  }

  @Test
  void jobsOfLiveNodesNeedNoDecision() {
    assertThat(decide(List.of(running(1, AWAY), running(2, HOME)), Set.of(HOME, AWAY), Map.of()))
        .isEmpty();
  }

  @Test
  void aNodeJustGoneIsWaitedForSinceFirstSeenMissing() {
    JobRecord j = running(1, AWAY).withCheckpoint(keptOn(HOME));

    assertThat(decide(List.of(j), Set.of(HOME), Map.of()))
        .containsExactly(new Wait(j.id(), AWAY, NOW));
    assertThat(decide(List.of(j), Set.of(HOME), Map.of(j.id(), NOW.minusSeconds(29))))
        .containsExactly(new Wait(j.id(), AWAY, NOW.minusSeconds(29)));
  }

  @Test
  void afterTheGraceAJobWithACheckpointOnALiveNodeRestartsThere() {
    JobRecord j = running(1, AWAY).withCheckpoint(keptOn(HOME));

    List<Decision> d = decide(List.of(j), Set.of(HOME), Map.of(j.id(), NOW.minusSeconds(30)));

    assertThat(d).hasSize(1).first().isInstanceOf(Restart.class);
    Restart r = (Restart) d.get(0);
    assertThat(r.keeper()).isEqualTo(HOME);
    assertThat(r.gone()).isEqualTo(AWAY);
    assertThat(r.reason())
        .isEqualTo(
            "restarting from the checkpoint of 2026-01-01T00:01:40Z after node c2-n1 was lost");
    assertThat(j.restartingOn(HOME, r.reason()).state()).isEqualTo(JobState.RESTARTING);
  }

  @Test
  void withoutAUsableCheckpointAJobIsLostWithTheReason() {
    Map<JobId, Instant> longAgo =
        Map.of(
            JobId.of("j1"), T0,
            JobId.of("j2"), T0,
            JobId.of("j3"), T0,
            JobId.of("j4"), T0);
    JobRecord none = running(1, AWAY);
    JobRecord onTheLostNode = running(2, HOME).withCheckpoint(keptOn(HOME));
    JobRecord keeperGoneToo = running(3, AWAY).withCheckpoint(keptOn(HOME));
    JobRecord pending =
        JobRecord.pending(JobId.of("j4"), List.of("x"), AWAY, ClusterId.of("c2"), T0);

    List<Decision> d =
        decide(List.of(none, onTheLostNode, keeperGoneToo, pending), Set.of(OTHER), longAgo);

    assertThat(d).allMatch(x -> x instanceof Lost).hasSize(4);
    assertThat(((Lost) d.get(0)).reason())
        .isEqualTo(
            "node c2-n1 left the grid while the job ran there, and no checkpoint of it exists");
    assertThat(((Lost) d.get(1)).reason()).contains("was kept on that node");
    assertThat(((Lost) d.get(2)).reason()).contains("node c1-n1, which keeps", "is gone too");
    assertThat(((Lost) d.get(3)).reason()).contains("before the job started");
  }

  @Test
  void endedJobsAreLeftAlone() {
    JobRecord ended = running(1, AWAY).exited(0, NOW);
    assertThat(decide(List.of(ended), Set.of(), Map.of(ended.id(), T0))).isEmpty();
  }

  @Test
  void aRestartingJobOnALiveKeeperIsAskedAgainOnlyAfterAWhile() {
    JobRecord j =
        running(1, AWAY).withCheckpoint(keptOn(HOME)).restartingOn(HOME, "restarting from ...");

    assertThat(
            NodeLossPlanner.decide(
                new Snapshot(List.of(j), Set.of(HOME), Map.of(), Map.of(), NOW), GRACE, ASK_AGAIN))
        .containsExactly(new AskRestore(j.id(), HOME));
    assertThat(
            NodeLossPlanner.decide(
                new Snapshot(
                    List.of(j), Set.of(HOME), Map.of(), Map.of(j.id(), NOW.minusSeconds(5)), NOW),
                GRACE,
                ASK_AGAIN))
        .isEmpty();
    assertThat(
            NodeLossPlanner.decide(
                new Snapshot(
                    List.of(j), Set.of(HOME), Map.of(), Map.of(j.id(), NOW.minusSeconds(20)), NOW),
                GRACE,
                ASK_AGAIN))
        .containsExactly(new AskRestore(j.id(), HOME));
  }

  @Test
  void aRestartingJobWhoseKeeperIsLostIsLost() {
    JobRecord j =
        running(1, AWAY).withCheckpoint(keptOn(HOME)).restartingOn(HOME, "restarting from ...");

    List<Decision> d = decide(List.of(j), Set.of(AWAY), Map.of(j.id(), T0));

    assertThat(d).hasSize(1).first().isInstanceOf(Lost.class);
    assertThat(((Lost) d.get(0)).gone()).isEqualTo(HOME);
  }
}
