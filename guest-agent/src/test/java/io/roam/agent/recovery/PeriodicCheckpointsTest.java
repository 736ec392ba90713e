package io.roam.agent.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobCheckpoint;
import io.roam.common.model.JobRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeriodicCheckpointsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final NodeId SELF = NodeId.of("c1-n1");

  private static JobRecord job(int n, Long every) {
    return JobRecord.pending(JobId.of("j" + n), List.of("x"), SELF, ClusterId.of("c1"), T0)
        .started(T0)
        .withCheckpointEvery(every);
  }

  @Test
  void aJobIsDueOncePeriodHasPassedSinceItsStartOrItsLatestCheckpoint() {
    JobRecord fresh = job(1, 60L);
    JobRecord checkpointed =
        job(2, 60L).withCheckpoint(new JobCheckpoint(SELF, T0.plusSeconds(50), 1));
    JobRecord never = job(3, null);
    Set<JobId> here = Set.of(fresh.id(), checkpointed.id(), never.id());

    assertThat(
            PeriodicCheckpoints.due(
                List.of(fresh, checkpointed, never), SELF, here, Map.of(), T0.plusSeconds(59)))
        .isEmpty();
    assertThat(
            PeriodicCheckpoints.due(
                List.of(fresh, checkpointed, never), SELF, here, Map.of(), T0.plusSeconds(60)))
        .containsExactly(fresh.id());
    assertThat(
            PeriodicCheckpoints.due(
                List.of(fresh, checkpointed, never), SELF, here, Map.of(), T0.plusSeconds(110)))
        .containsExactly(fresh.id(), checkpointed.id());
  }

  @Test
  void aJobThatCouldNotBeCheckpointedIsTriedAgainOnlyAPeriodLater() {
    JobRecord refused = job(1, 60L);
    Set<JobId> here = Set.of(refused.id());
    Map<JobId, Instant> tried = Map.of(refused.id(), T0.plusSeconds(60));

    assertThat(PeriodicCheckpoints.due(List.of(refused), SELF, here, tried, T0.plusSeconds(61)))
        .isEmpty();
    assertThat(PeriodicCheckpoints.due(List.of(refused), SELF, here, tried, T0.plusSeconds(120)))
        .containsExactly(refused.id());
  }

  @Test
  void onlyJobsRunningOnThisNodeAreChosen() {
    JobRecord away = job(1, 10L).movedTo(NodeId.of("c2-n1"), null);
    JobRecord notRunningHere = job(2, 10L);
    JobRecord ended = job(3, 10L).exited(0, T0);

    assertThat(
            PeriodicCheckpoints.due(
                List.of(away, notRunningHere, ended),
                SELF,
                Set.of(away.id(), ended.id()),
                Map.of(),
                T0.plusSeconds(3600)))
        .isEmpty();
  }

  @Test
  void aRecordReadOnceSparesLaterReadsUntilItSaysTheJobIsDue() {
    JobRecord none = job(1, null);
    JobRecord every60 = job(2, 60L);

    // Nothing read yet, or nothing kept (the record did not say the job runs here): read.
    assertThat(PeriodicCheckpoints.needsReading(null, SELF, Map.of(), T0)).isTrue();
    // No period: it never gets one, so its record is not read again.
    assertThat(PeriodicCheckpoints.needsReading(none, SELF, Map.of(), T0.plusSeconds(86_400)))
        .isFalse();
    // A period: not before it is due by the record read (a checkpoint taken since only makes it
    // due later), and again once it is, to see whether one was taken meanwhile.
    assertThat(PeriodicCheckpoints.needsReading(every60, SELF, Map.of(), T0.plusSeconds(59)))
        .isFalse();
    assertThat(PeriodicCheckpoints.needsReading(every60, SELF, Map.of(), T0.plusSeconds(60)))
        .isTrue();
    // Tried and refused at 60 s: not read again before 120 s.
    Map<JobId, Instant> tried = Map.of(every60.id(), T0.plusSeconds(60));
    assertThat(PeriodicCheckpoints.needsReading(every60, SELF, tried, T0.plusSeconds(119)))
        .isFalse();
    assertThat(PeriodicCheckpoints.needsReading(every60, SELF, tried, T0.plusSeconds(120)))
        .isTrue();
  }
}
