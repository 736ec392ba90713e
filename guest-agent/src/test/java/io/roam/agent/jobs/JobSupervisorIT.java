package io.roam.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.roam.agent.launch.LaunchException;
import io.roam.agent.launch.NamespaceLauncher;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.zk.ZkLayout;
import io.roam.store.CuratorGridStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes, their records in a real in-process ZooKeeper. */
class JobSupervisorIT {
  private static final NodeId NODE = NodeId.of("c1-n1");

  @TempDir Path state;
  private TestingServer zk;
  private CuratorGridStore store;
  private JobSupervisor jobs;

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer();
    store =
        CuratorGridStore.connect(
            zk.getConnectString(),
            new ZkLayout("t"),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10));
    jobs =
        new JobSupervisor(
            NODE, state, NamespaceLauncher.forThisProcess(), store, Clock.systemUTC());
  }

  @AfterEach
  void stop() throws Exception {
    jobs.close();
    store.close();
    zk.close();
  }

  private JobRecord register(NodeId node, String... command) {
    JobRecord job =
        JobRecord.pending(
            store.nextJobId(),
            List.of(command),
            node,
            ClusterId.of("c1"),
            Clock.systemUTC().instant());
    store.createJob(job);
    return job;
  }

  private JobRecord stored(JobId id) {
    return store.job(id).orElseThrow().value();
  }

  @Test
  void aJobRunsAndItsExitCodeIsRecorded() {
    JobRecord job = register(NODE, "sh", "-c", "sleep 0.2; exit 7");

    JobRecord started = jobs.start(new AgentLaunchRequest(job.id(), job.command()));

    assertThat(started.state()).isEqualTo(JobState.RUNNING);
    await().atMost(Duration.ofSeconds(20)).until(() -> stored(job.id()).state().terminal());
    JobRecord done = stored(job.id());
    assertThat(done.state()).isEqualTo(JobState.EXITED);
    assertThat(done.exitCode()).isEqualTo(7);
    assertThat(done.endedAt()).isAfterOrEqualTo(done.startedAt());
    assertThat(jobs.isRunning(job.id())).isFalse();
  }

  @Test
  void aKilledJobIsRecordedAsKilled() {
    JobRecord job = register(NODE, "sleep", "1000");
    jobs.start(new AgentLaunchRequest(job.id(), job.command()));

    jobs.kill(job.id());

    await().atMost(Duration.ofSeconds(20)).until(() -> stored(job.id()).state().terminal());
    assertThat(stored(job.id()).state()).isEqualTo(JobState.KILLED);
    assertThat(stored(job.id()).reason()).isEqualTo("killed on request");
  }

  @Test
  void aJobThatCannotStartIsRecordedAsFailedWithTheReason() {
    JobRecord job = register(NODE, "no-such-program-x");

    assertThatThrownBy(() -> jobs.start(new AgentLaunchRequest(job.id(), job.command())))
        .isInstanceOf(LaunchException.class);

    assertThat(stored(job.id()).state()).isEqualTo(JobState.FAILED);
    assertThat(stored(job.id()).reason()).contains("not found");
  }

  @Test
  void aJobOfAnotherNodeOrAlreadyStartedIsRefused() {
    JobRecord other = register(NodeId.of("c1-n2"), "true");
    assertThatThrownBy(() -> jobs.start(new AgentLaunchRequest(other.id(), other.command())))
        .isInstanceOf(JobConflictException.class)
        .hasMessageContaining("not pending on c1-n1");

    JobRecord job = register(NODE, "sleep", "1000");
    jobs.start(new AgentLaunchRequest(job.id(), job.command()));
    assertThatThrownBy(() -> jobs.start(new AgentLaunchRequest(job.id(), job.command())))
        .isInstanceOf(JobConflictException.class);
    assertThat(stored(other.id()).state()).isEqualTo(JobState.PENDING);
  }

  @Test
  void closingTheNodeStopsAndRecordsEveryJob() {
    JobRecord a = register(NODE, "sleep", "1000");
    JobRecord b = register(NODE, "sleep", "1000");
    jobs.start(new AgentLaunchRequest(a.id(), a.command()));
    jobs.start(new AgentLaunchRequest(b.id(), b.command()));

    jobs.close();

    assertThat(List.of(stored(a.id()), stored(b.id())))
        .allSatisfy(
            j -> {
              assertThat(j.state()).isEqualTo(JobState.KILLED);
              assertThat(j.reason()).isEqualTo("node c1-n1 shut down");
            });
  }
}
