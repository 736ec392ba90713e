package io.roam.agent.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.NamespaceLauncher;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobCheckpoint;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.zk.ZkLayout;
import io.roam.store.CuratorGridStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fencing against a real in-process ZooKeeper that goes away, with real processes. */
class FencingIT {
  private static final NodeId NODE = NodeId.of("c1-n1");
  private static final NodeId KEEPER = NodeId.of("c2-n1");
  private static final Duration SESSION = Duration.ofSeconds(4);

  @TempDir Path state;
  private TestingServer zk;
  private CuratorGridStore store;
  private JobSupervisor jobs;
  private Fencing fencing;

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer();
    store =
        CuratorGridStore.connect(
            zk.getConnectString(), new ZkLayout("t"), SESSION, Duration.ofSeconds(10));
    jobs =
        new JobSupervisor(
            NODE, state, NamespaceLauncher.forThisProcess(), store, Clock.systemUTC());
    fencing = new Fencing(jobs, store, SESSION).start(store.client(), Duration.ofMillis(200));
  }

  @AfterEach
  void stop() throws Exception {
    fencing.close();
    jobs.close();
    store.close();
    zk.close();
  }

  private JobRecord running(JobCheckpoint checkpoint) {
    JobRecord job =
        JobRecord.pending(
            store.nextJobId(),
            List.of("sleep", "1000"),
            NodeId.of("c2-n1"),
            ClusterId.of("c2"),
            Instant.now());
    // Runs here, away from home.
    store.createJob(job.movedTo(NODE, null));
    jobs.start(new AgentLaunchRequest(job.id(), job.command()));
    if (checkpoint != null) {
      store.updateJob(job.id(), j -> j.withCheckpoint(checkpoint));
    }
    return job;
  }

  private JobRecord stored(JobId id) {
    return store.job(id).orElseThrow().value();
  }

  @Test
  void cutOffForASessionTimeoutTheNodeKillsItsJobsCheckpointedElsewhereAndHandsThemOverAfter()
      throws Exception {
    JobCheckpoint cp = new JobCheckpoint(KEEPER, Instant.parse("2026-01-01T00:00:00Z"), 10);
    JobRecord checkpointed = running(cp);
    JobRecord plain = running(null);
    long pid = jobs.rootPid(checkpointed.id()).orElseThrow();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fencing.wouldFence().contains(checkpointed.id()));
    assertThat(fencing.wouldFence()).doesNotContain(plain.id());

    long cutOff = System.nanoTime();
    zk.stop();
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !jobs.isRunning(checkpointed.id()));
    double fencedAfter = (System.nanoTime() - cutOff) / 1e9;

    // Never before the server could have expired the session, and by 5/3 of a session timeout
    // (docs/design/checkpoint.md), with slack for a busy machine.
    assertThat(fencedAfter).isGreaterThan(SESSION.toMillis() / 1000.0);
    assertThat(fencedAfter).isLessThan(SESSION.toMillis() / 1000.0 * 5 / 3 + 2);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(pid).isEmpty() || !ProcessHandle.of(pid).get().isAlive());
    assertThat(jobs.isRunning(plain.id())).isTrue();
    System.out.printf(
        "fenced %.2f s after the cut-off (session timeout %d s)%n",
        fencedAfter, SESSION.toSeconds());

    zk.restart();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stored(checkpointed.id()).state() == JobState.RESTARTING);
    JobRecord handed = stored(checkpointed.id());
    assertThat(handed.node()).isEqualTo(KEEPER);
    assertThat(handed.reason())
        .isEqualTo(
            "restarting from the checkpoint of 2026-01-01T00:00:00Z after node c1-n1 lost its"
                + " ZooKeeper session");
    assertThat(stored(plain.id()).state()).isEqualTo(JobState.RUNNING);
  }
}
