package io.roam.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.roam.agent.TestStores;
import io.roam.agent.launch.LaunchException;
import io.roam.agent.launch.NamespaceLauncher;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.store.CuratorGridStore;
import java.nio.file.Files;
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
    store = TestStores.connect(zk);
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
    // The end is recorded first, then the job leaves the running set (the logs API relies on it).
    await().atMost(Duration.ofSeconds(5)).until(() -> !jobs.isRunning(job.id()));
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

  /** The agent dies (nothing of it runs any more) and a new one starts on the same state. */
  private void restartAgent() {
    jobs.abandon();
    jobs =
        new JobSupervisor(
            NODE, state, NamespaceLauncher.forThisProcess(), store, Clock.systemUTC());
  }

  @Test
  void aRestartedAgentSupervisesTheJobsThatOutlivedTheOldOneAndRecordsTheirExit() throws Exception {
    JobRecord job =
        register(NODE, "sh", "-c", "while [ ! -e go ]; do sleep 0.05; done; echo out; exit 5");
    jobs.start(new AgentLaunchRequest(job.id(), job.command()));
    long root = jobs.rootPid(job.id()).orElseThrow();

    restartAgent();
    assertThat(jobs.adoptSurvivors()).containsExactly(job.id());
    jobs.forgetVanished();

    assertThat(stored(job.id()).state()).isEqualTo(JobState.RUNNING);
    assertThat(jobs.isRunning(job.id())).isTrue();
    assertThat(jobs.rootPid(job.id())).contains(root);
    Files.writeString(state.resolve("jobs").resolve(job.id().value()).resolve("work/go"), "");
    await().atMost(Duration.ofSeconds(20)).until(() -> stored(job.id()).state().terminal());
    assertThat(stored(job.id()).state()).isEqualTo(JobState.EXITED);
    assertThat(stored(job.id()).exitCode()).isEqualTo(5);
    await().atMost(Duration.ofSeconds(5)).until(() -> !jobs.isRunning(job.id()));
  }

  @Test
  void aJobThatEndedWhileNoAgentRanGetsItsExitCodeAndAGoneOneIsLost() throws Exception {
    JobRecord ends = register(NODE, "sh", "-c", "while [ ! -e go ]; do sleep 0.05; done; exit 3");
    JobRecord dies = register(NODE, "sleep", "1000");
    jobs.start(new AgentLaunchRequest(ends.id(), ends.command()));
    jobs.start(new AgentLaunchRequest(dies.id(), dies.command()));
    long killed = jobs.rootPid(dies.id()).orElseThrow();
    jobs.abandon();
    Path endsDir = state.resolve("jobs").resolve(ends.id().value());
    Files.writeString(endsDir.resolve("work/go"), "");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Files.exists(endsDir.resolve("exit-status")));
    ProcessHandle.of(killed)
        .flatMap(ProcessHandle::parent)
        .ifPresent(
            p -> {
              p.descendants().forEach(ProcessHandle::destroyForcibly);
              p.destroyForcibly();
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(killed).map(p -> !p.isAlive()).orElse(true));

    restartAgent();
    assertThat(jobs.adoptSurvivors()).isEmpty();
    jobs.forgetVanished();

    await().atMost(Duration.ofSeconds(10)).until(() -> stored(ends.id()).state().terminal());
    assertThat(stored(ends.id()).state()).isEqualTo(JobState.EXITED);
    assertThat(stored(ends.id()).exitCode()).isEqualTo(3);
    assertThat(stored(dies.id()).state()).isEqualTo(JobState.LOST);
    assertThat(stored(dies.id()).reason()).contains("did not survive");
  }

  @Test
  void aSurvivorTheGridGaveUpOnMeanwhileIsStoppedNotRunOnUntracked() throws Exception {
    JobRecord job = register(NODE, "sleep", "1000");
    jobs.start(new AgentLaunchRequest(job.id(), job.command()));
    long root = jobs.rootPid(job.id()).orElseThrow();
    jobs.abandon();
    // The manager saw the node gone for too long.
    store.updateJob(
        job.id(),
        j -> j.ended(JobState.LOST, "node c1-n1 left the grid", Clock.systemUTC().instant()));

    restartAgent();
    assertThat(jobs.adoptSurvivors()).isEmpty();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(root).map(p -> !p.isAlive()).orElse(true));
    assertThat(stored(job.id()).state()).isEqualTo(JobState.LOST);
    assertThat(jobs.isRunning(job.id())).isFalse();
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
