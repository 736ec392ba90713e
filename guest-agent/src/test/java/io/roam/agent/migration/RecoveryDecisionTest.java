package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.agent.migration.MigrationIntent.Phase;
import io.roam.agent.migration.MigrationIntent.Side;
import io.roam.agent.migration.RecoveryDecision.Action;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.MigrationOutcome;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecoveryDecisionTest {
  private static final NodeId A = NodeId.of("c1-n1");
  private static final NodeId B = NodeId.of("c2-n1");
  private static final NodeId C = NodeId.of("c3-n1");
  private static final JobId J = JobId.of("j7");
  private static final Instant T = Instant.parse("2026-12-06T08:00:00Z");

  private static MigrationIntent intent(Side side, Phase phase) {
    return new MigrationIntent(side, J, A, B, "a1", phase, Path.of("/s/img"), 10, 20, 11, T);
  }

  private static Optional<JobRecord> on(NodeId node, String attempt) {
    JobRecord job =
        JobRecord.pending(J, List.of("sleep", "9"), A, ClusterId.of("c1"), T).started(T);
    if (!node.equals(A)) {
      job = job.movedTo(node, new MigrationOutcome(attempt, A, node, true, T, null, 1, 1, 1, null));
    }
    return Optional.of(job);
  }

  private static Action decide(
      MigrationIntent intent, Optional<JobRecord> record, boolean alive, Integer exit) {
    return RecoveryDecision.decide(intent, record, alive, Optional.ofNullable(exit)).action();
  }

  @Test
  void aSourceWhoseCommitDidNotLandRunsTheJobAgain() {
    assertThat(decide(intent(Side.SOURCE, Phase.DUMPED), on(A, null), true, null))
        .isEqualTo(Action.RESUME);
    assertThat(decide(intent(Side.SOURCE, Phase.FREEZING), on(A, null), true, null))
        .isEqualTo(Action.RESUME);
    assertThat(decide(intent(Side.SOURCE, Phase.DUMPED), on(A, null), false, null))
        .isEqualTo(Action.RESTORE);
  }

  @Test
  void aSourceWithNeitherProcessNorCompleteDumpRecordsTheJobLostWithTheReason() {
    RecoveryDecision d =
        RecoveryDecision.decide(
            intent(Side.SOURCE, Phase.FREEZING), on(A, null), false, Optional.empty());
    assertThat(d.action()).isEqualTo(Action.RECORD_LOST);
    assertThat(d.reason()).contains("c1-n1", "a1", "neither");
    assertThat(decide(intent(Side.SOURCE, Phase.FREEZING), on(A, null), false, 3))
        .isEqualTo(Action.RECORD_EXIT);
  }

  @Test
  void aSourceWhoseCommitLandedDropsItsCopy() {
    RecoveryDecision d =
        RecoveryDecision.decide(
            intent(Side.SOURCE, Phase.DUMPED), on(B, "a1"), true, Optional.empty());
    assertThat(d.action()).isEqualTo(Action.DISCARD);
    assertThat(d.reason()).contains("committed", "c2-n1");
    assertThat(decide(intent(Side.SOURCE, Phase.DUMPED), on(C, "a9"), true, null))
        .isEqualTo(Action.DISCARD);
  }

  @Test
  void aTargetRunsTheJobOnlyIfTheRecordNamesIt() {
    assertThat(decide(intent(Side.TARGET, Phase.RESTORED), on(B, "a1"), true, null))
        .isEqualTo(Action.RESUME);
    assertThat(decide(intent(Side.TARGET, Phase.RESTORED), on(B, "a1"), false, null))
        .isEqualTo(Action.RESTORE);
    assertThat(decide(intent(Side.TARGET, Phase.RESTORED), on(A, null), true, null))
        .isEqualTo(Action.DISCARD);
    assertThat(decide(intent(Side.TARGET, Phase.RESTORING), on(A, null), false, null))
        .isEqualTo(Action.DISCARD);
  }

  @Test
  void anEndedOrDeletedJobIsDiscardedEverywhere() {
    JobRecord killed = on(A, null).get().ended(JobState.KILLED, "killed on request", T);
    assertThat(decide(intent(Side.SOURCE, Phase.DUMPED), Optional.of(killed), true, null))
        .isEqualTo(Action.DISCARD);
    assertThat(decide(intent(Side.TARGET, Phase.RESTORED), Optional.empty(), true, null))
        .isEqualTo(Action.DISCARD);
  }

  @Test
  void theSourceSettlesTheInterruptedAttemptSoThatItsWaitersSeeItEnd() {
    Instant later = T.plusSeconds(30);
    MigrationIntent dumped = intent(Side.SOURCE, Phase.DUMPED);
    RecoveryDecision resume = RecoveryDecision.decide(dumped, on(A, null), true, Optional.empty());

    JobRecord failed = RecoveryDecision.settled(dumped, resume, on(A, null).get(), later);
    assertThat(failed.lastMigration().attempt()).isEqualTo("a1");
    assertThat(failed.lastMigration().succeeded()).isFalse();
    assertThat(failed.lastMigration().endedAt()).isEqualTo(later);
    assertThat(failed.lastMigration().reason()).contains("died", "resuming");
    assertThat(failed.node()).isEqualTo(A);

    JobRecord committed = on(B, "a1").get();
    RecoveryDecision drop = RecoveryDecision.decide(dumped, Optional.of(committed), true, null);
    JobRecord done = RecoveryDecision.settled(dumped, drop, committed, later);
    assertThat(done.lastMigration().succeeded()).isTrue();
    assertThat(done.lastMigration().endedAt()).isEqualTo(later);
    assertThat(done.node()).isEqualTo(B);
    // Already ended, or the target's side: nothing to change.
    assertThat(RecoveryDecision.settled(dumped, drop, done, later.plusSeconds(1))).isEqualTo(done);
    assertThat(
            RecoveryDecision.settled(intent(Side.TARGET, Phase.RESTORED), drop, committed, later))
        .isEqualTo(committed);
  }

  @Test
  void withoutZooKeeperNothingIsDecidedAndTheCopyStaysStopped() {
    RecoveryDecision d =
        RecoveryDecision.decide(intent(Side.TARGET, Phase.RESTORED), null, true, Optional.empty());
    assertThat(d.action()).isEqualTo(Action.WAIT);
    assertThat(d.reason()).contains("stays stopped");
  }
}
