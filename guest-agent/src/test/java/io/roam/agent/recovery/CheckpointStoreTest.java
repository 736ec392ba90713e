package io.roam.agent.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobCheckpoint;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
  private static final JobId JOB = JobId.of("j7");
  @TempDir Path state;

  private Path staged(CheckpointStore store, String out) throws Exception {
    Path dir = store.staging(JOB);
    Files.createDirectories(dir.resolve("job/work"));
    Files.writeString(dir.resolve("job/stdout"), out);
    Files.createDirectories(dir.resolve("images"));
    Files.write(dir.resolve("images/pages-1.img"), new byte[100]);
    return dir;
  }

  @Test
  void theLatestReplacesTheOneBeforeAndOnlyItStays() throws Exception {
    CheckpointStore store = new CheckpointStore(state);
    Instant t1 = Instant.parse("2026-01-01T00:00:00Z");
    Path first = staged(store, "1\n");
    store.install(JOB, first, t1);
    Path second = staged(store, "1\n2\n");

    CheckpointStore.Kept kept = store.install(JOB, second, t1.plusSeconds(30));

    assertThat(kept.takenAt()).isEqualTo(t1.plusSeconds(30));
    assertThat(store.latest(JOB)).contains(kept);
    assertThat(Files.readString(kept.job().resolve("stdout"))).isEqualTo("1\n2\n");
    assertThat(kept.bytes()).isEqualTo(104 + "2026-01-01T00:00:30Z".length());
    assertThat(first).doesNotExist();
    assertThat(Files.isSymbolicLink(state.resolve("checkpoints/j7/current"))).isTrue();
  }

  @Test
  void anOlderCheckpointArrivingLateDoesNotReplaceALaterOne() throws Exception {
    CheckpointStore store = new CheckpointStore(state);
    Instant t1 = Instant.parse("2026-01-01T00:00:00Z");
    store.install(JOB, staged(store, "1\n2\n"), t1.plusSeconds(30));

    assertThatThrownBy(() -> store.install(JOB, staged(store, "1\n"), t1))
        .hasMessageContaining("is kept already");
    assertThat(store.latest(JOB).orElseThrow().takenAt()).isEqualTo(t1.plusSeconds(30));
  }

  @Test
  void nothingIsKeptUntilInstalledAndAnIncompleteCheckpointIsRefused() throws Exception {
    CheckpointStore store = new CheckpointStore(state);
    Path dir = store.staging(JOB);
    Files.createDirectories(dir.resolve("job"));

    assertThat(store.latest(JOB)).isEmpty();
    assertThatThrownBy(() -> store.install(JOB, dir, Instant.EPOCH))
        .hasMessageContaining("needs the job's files and its images");
    assertThat(store.latest(JOB)).isEmpty();
  }

  @Test
  void aCopyKeepsContentsAndModes() throws Exception {
    Path from = state.resolve("from");
    Files.createDirectories(from.resolve("work"));
    Path script = Files.writeString(from.resolve("work/run.sh"), "echo hi");
    script.toFile().setExecutable(true);

    CheckpointStore.copyTree(from, state.resolve("to"));

    assertThat(state.resolve("to/work/run.sh")).hasContent("echo hi").isExecutable();
  }

  @Test
  void dropForgetsEverything() throws Exception {
    CheckpointStore store = new CheckpointStore(state);
    store.install(JOB, staged(store, "x"), Instant.EPOCH);
    store.drop(JOB);
    assertThat(store.latest(JOB)).isEmpty();
    assertThat(state.resolve("checkpoints/j7")).doesNotExist();
  }

  @Test
  void checkpointsOfEndedOrForgottenJobsAreStaleAndThoseOfLiveOrRestartingJobsAreNot()
      throws Exception {
    CheckpointStore store = new CheckpointStore(state);
    Instant t1 = Instant.parse("2026-01-01T00:00:00Z");
    store.install(JOB, staged(store, "1\n"), t1);
    JobRecord running = job("j1").started(t1);
    JobRecord restarting =
        job("j2")
            .started(t1)
            .withCheckpoint(new JobCheckpoint(NodeId.of("c1-n1"), t1, 1, 0))
            .restartingOn(NodeId.of("c1-n1"), "node c2-n1 was lost");
    JobRecord ended = job("j3").started(t1).exited(0, t1.plusSeconds(1));
    JobRecord lost = job("j4").started(t1).ended(JobState.LOST, "gone", t1.plusSeconds(1));
    Set<JobId> kept = Set.of(JobId.of("j1"), JobId.of("j2"), JobId.of("j3"), JobId.of("j4"));
    Map<JobId, JobRecord> records =
        Map.of(
            running.id(), running, restarting.id(), restarting, ended.id(), ended, lost.id(), lost);

    assertThat(store.jobs()).containsExactly(JOB);
    assertThat(CheckpointStore.stale(kept, records))
        .containsExactlyInAnyOrder(JobId.of("j3"), JobId.of("j4"));
    assertThat(CheckpointStore.stale(Set.of(JOB), records)).containsExactly(JOB);
    store.drop(JOB);
    assertThat(store.jobs()).isEmpty();
  }

  private static JobRecord job(String id) {
    return JobRecord.pending(
        JobId.of(id),
        List.of("sleep", "9"),
        NodeId.of("c1-n1"),
        ClusterId.of("c1"),
        Instant.parse("2026-01-01T00:00:00Z"));
  }
}
