package io.roam.agent.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BalancingRecordReadsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final NodeId SELF = NodeId.of("c1-n1");

  private static JobRecord job(int n, boolean locked) {
    return JobRecord.pending(JobId.of("j" + n), List.of("x"), SELF, ClusterId.of("c1"), T0)
        .started(T0)
        .withLocked(locked);
  }

  @Test
  void aRefreshReadsOnlyJobsNotReadYetAndThoseReadLocked() {
    JobRecord unlocked = job(1, false);
    JobRecord locked = job(2, true);
    JobId arrived = JobId.of("j3");
    Set<JobId> here = Set.of(unlocked.id(), locked.id(), arrived);

    assertThat(BalancingService.toRead(here, Map.of(unlocked.id(), unlocked, locked.id(), locked)))
        .containsExactlyInAnyOrder(locked.id(), arrived);
  }

  @Test
  void aQuietNodeReadsNothing() {
    JobRecord a = job(1, false);
    JobRecord b = job(2, false);

    assertThat(BalancingService.toRead(Set.of(a.id(), b.id()), Map.of(a.id(), a, b.id(), b)))
        .isEmpty();
  }
}
