package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.roam.agent.TestStores;
import io.roam.agent.checkpoint.CriuCheckpointer;
import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.launch.NamespaceLauncher;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.store.CuratorGridStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent killed right after real CRIU dumped its job (left stopped) recovers it when it restarts:
 * by resuming the stopped process, or, if the job's processes died with the agent, by restoring the
 * dump. A counter's output shows no gap and no repeat, and its exit code is recorded. Needs root
 * and criu; with {@code -Droam.requireCriu=true} their absence fails instead of skipping.
 */
class RecoveryWithCriuIT {
  private static final NodeId A = NodeId.of("c1-n1");
  private static final Duration TIMEOUT =
      Duration.ofSeconds(30).multipliedBy(Long.getLong("roam.test.timeScale", 1));
  private static final int LINES = 80;

  @TempDir Path temp;
  private TestingServer zk;
  private CuratorGridStore store;
  private CheckpointPort criu;
  private final NamespaceLauncher launcher = NamespaceLauncher.forThisProcess();
  private final List<JobSupervisor> agents = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Optional<String> missing = whyNoCriu();
    if (missing.isPresent()) {
      String why = "recovery with CRIU cannot be tested: " + missing.get();
      if (Boolean.getBoolean("roam.requireCriu")) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
    criu =
        new CriuCheckpointPort(
            new CriuCheckpointer(CriuCheckpointer.locate(System.getenv()).orElseThrow()));
    zk = new TestingServer();
    store = TestStores.connect(zk);
  }

  private static Optional<String> whyNoCriu() throws IOException {
    if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
      return Optional.of("it needs root");
    }
    if (CriuCheckpointer.locate(System.getenv()).isEmpty()) {
      return Optional.of("criu not found (ROAM_CRIU, " + CriuCheckpointer.CACHED_CRIU + ", PATH)");
    }
    return Optional.empty();
  }

  @AfterEach
  void stop() throws Exception {
    for (JobSupervisor agent : agents) {
      agent.close();
    }
    if (store != null) {
      store.close();
      zk.close();
    }
  }

  private JobSupervisor agent() {
    JobSupervisor jobs =
        new JobSupervisor(A, temp.resolve("a"), launcher, store, Clock.systemUTC());
    agents.add(jobs);
    return jobs;
  }

  private List<String> lines(JobRecord job) throws IOException {
    Path out = JobDir.of(temp.resolve("a"), job.id()).stdout();
    return Files.exists(out) ? Files.readAllLines(out) : List.of();
  }

  private JobRecord stored(JobRecord job) {
    return store.job(job.id()).orElseThrow().value();
  }

  /** Starts a counter, lets it count a little, then kills the agent right after the dump. */
  private JobRecord counterDumpedByAnAgentThatDies(JobSupervisor first) throws Exception {
    JobRecord job =
        JobRecord.pending(
            store.nextJobId(),
            List.of(
                "sh",
                "-c",
                "i=0; while [ $i -lt "
                    + LINES
                    + " ]; do echo $i; i=$((i+1)); sleep 0.05; done; exit 7"),
            A,
            ClusterId.of("c1"),
            Instant.now());
    store.createJob(job);
    first.start(new AgentLaunchRequest(job.id(), job.command()));
    await().atMost(TIMEOUT).until(() -> lines(job).size() >= 10);
    NodeRecord target =
        new NodeRecord(
            NodeId.of("c2-n1"),
            ClusterId.of("c2"),
            "127.0.0.1",
            1,
            1,
            1L << 30,
            1.0,
            false,
            "t",
            Instant.now(),
            1);
    Migrator migrator =
        new Migrator(first, criu, store, "grid-agent-secret-0123456789", Clock.systemUTC(), TIMEOUT)
            .withFaults(FaultPoints.throwing(FaultPoints.Step.SOURCE_AFTER_DUMP));
    assertThatThrownBy(() -> migrator.migrate(job.id(), target, "c1"))
        .isInstanceOf(FaultPoints.AgentKilled.class);
    // Frozen: the counter does not move while no agent runs.
    int frozen = lines(job).size();
    Thread.sleep(300);
    assertThat(lines(job)).hasSize(frozen);
    assertThat(frozen).isLessThan(LINES);
    return job;
  }

  private void assertCountsOnceToTheEndAndItsExitIsRecorded(JobRecord job) {
    await().atMost(TIMEOUT).until(() -> stored(job).state().terminal());
    assertThat(stored(job).state()).isEqualTo(JobState.EXITED);
    assertThat(stored(job).exitCode()).isEqualTo(7);
    assertThat(stored(job).node()).isEqualTo(A);
    try {
      assertThat(lines(job))
          .containsExactlyElementsOf(
              IntStream.range(0, LINES).mapToObj(Integer::toString).toList());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private List<MigrationRecovery.Recovered> restart(JobSupervisor jobs) {
    List<MigrationRecovery.Recovered> done =
        new MigrationRecovery(jobs, criu, store, Clock.systemUTC(), Duration.ofSeconds(5)).run();
    jobs.adoptSurvivors();
    jobs.forgetVanished();
    return done;
  }

  @Test
  void anAgentKilledRightAfterTheDumpResumesItsStoppedJobWithoutGapOrRepeat() throws Exception {
    JobSupervisor first = agent();
    JobRecord job = counterDumpedByAnAgentThatDies(first);
    long root = first.rootPid(job.id()).orElseThrow();

    JobSupervisor restarted = agent();
    List<MigrationRecovery.Recovered> done = restart(restarted);

    assertThat(done).hasSize(1);
    assertThat(done.get(0).decision().action()).isEqualTo(RecoveryDecision.Action.RESUME);
    assertThat(restarted.isRunning(job.id())).isTrue();
    assertThat(restarted.rootPid(job.id())).as("the very same process").contains(root);
    assertCountsOnceToTheEndAndItsExitIsRecorded(job);
  }

  @Test
  void anAgentKilledAfterTheDumpWithItsJobRestoresTheJobFromTheDump() throws Exception {
    JobSupervisor first = agent();
    JobRecord job = counterDumpedByAnAgentThatDies(first);
    // The job's processes die with the agent (its process group was killed, say).
    long root = first.rootPid(job.id()).orElseThrow();
    ProcessHandle.of(root)
        .flatMap(ProcessHandle::parent)
        .ifPresent(
            p -> {
              p.descendants().forEach(ProcessHandle::destroyForcibly);
              p.destroyForcibly();
            });
    await().atMost(TIMEOUT).until(() -> ProcessHandle.of(root).map(p -> !p.isAlive()).orElse(true));

    JobSupervisor restarted = agent();
    List<MigrationRecovery.Recovered> done = restart(restarted);

    assertThat(done).hasSize(1);
    assertThat(done.get(0).decision().action()).isEqualTo(RecoveryDecision.Action.RESTORE);
    assertThat(restarted.isRunning(job.id())).as(stored(job).toString()).isTrue();
    assertCountsOnceToTheEndAndItsExitIsRecorded(job);
  }
}
