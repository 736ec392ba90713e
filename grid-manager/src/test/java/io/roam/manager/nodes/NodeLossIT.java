package io.roam.manager.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roam.common.api.AgentMigrateRequest;
import io.roam.common.api.DetachRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobCheckpoint;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.MigrationOutcome;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.common.zk.ZkLayout;
import io.roam.manager.agents.AgentUnreachableException;
import io.roam.manager.operations.OperationService;
import io.roam.store.CuratorGridStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Node loss during a detach, on a real three-server ZooKeeper ensemble. The lost node is registered
 * through its own ZooKeeper session, which ends as the node dies. Agents are scripted (a migration
 * or a restore updates the job's record as a real agent does); real restores from CRIU images are
 * covered by the system tests.
 */
class NodeLossIT {
  private static final Duration SESSION = Duration.ofSeconds(4);
  private static final Duration GRACE = Duration.ofSeconds(3);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final NodeId VICTIM = NodeId.of("c2-n1");

  private TestingCluster ensemble;
  private CuratorGridStore agentsStore;
  private CuratorGridStore victimStore;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ScheduledExecutorService agents = Executors.newScheduledThreadPool(4);
  private final Map<JobId, AtomicInteger> restores = new ConcurrentHashMap<>();
  private volatile boolean victimDead;

  @BeforeEach
  void start() throws Exception {
    ensemble = new TestingCluster(3);
    ensemble.start();
    agentsStore = connect();
    victimStore = connect();
    for (String c : List.of("c1", "c2", "c3")) {
      agentsStore.ensureCluster(
          new ClusterRecord(ClusterId.of(c), "owner-" + c, ClusterState.ATTACHED, T0));
      for (int n = 1; n <= 2; n++) {
        NodeId id = NodeId.of(c + "-n" + n);
        (id.equals(VICTIM) ? victimStore : agentsStore).registerNode(node(id));
      }
    }
  }

  private static NodeRecord node(NodeId id) {
    return new NodeRecord(
        id,
        ClusterId.of(id.value().substring(0, 2)),
        "127.0.0.1",
        1,
        2,
        1L << 30,
        1.0,
        false,
        "t",
        T0,
        1);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        // already closed by the test
      }
    }
    agents.shutdownNow();
    victimStore.close();
    agentsStore.close();
    ensemble.close();
  }

  private CuratorGridStore connect() {
    return CuratorGridStore.connect(
        ensemble.getConnectString(), new ZkLayout("t"), SESSION, Duration.ofSeconds(20));
  }

  /**
   * A scripted agent: migrations off the victim never finish (it dies first); others land after a
   * moment.
   */
  private void scriptedMigrate(NodeRecord source, JobId job, AgentMigrateRequest request) {
    if (source.id().equals(VICTIM)) {
      if (victimDead) {
        throw new AgentUnreachableException("node " + VICTIM + " did not answer", null);
      }
      return;
    }
    agents.schedule(
        () ->
            agentsStore.updateJob(
                job,
                j ->
                    j.node().equals(source.id())
                        ? j.movedTo(
                            request.target(),
                            new MigrationOutcome(
                                request.attempt(),
                                j.node(),
                                request.target(),
                                true,
                                Instant.now(),
                                Instant.now(),
                                10,
                                20,
                                1000,
                                null))
                        : j),
        300,
        TimeUnit.MILLISECONDS);
  }

  /** A scripted keeper: restores the job, as the real agent records it. */
  private void scriptedRestore(NodeRecord keeper, JobId job) {
    restores.computeIfAbsent(job, j -> new AtomicInteger()).incrementAndGet();
    agentsStore.updateJob(
        job,
        j ->
            j.state() == JobState.RESTARTING && j.node().equals(keeper.id())
                ? j.restarted(j.reason().replaceFirst("^restarting", "restarted"))
                : j);
  }

  /** A job started on {@code home}, running now on {@code at}, with its checkpoint on keeper. */
  private JobRecord job(String home, String at, String keeper) {
    JobId id = agentsStore.nextJobId();
    JobRecord j =
        JobRecord.pending(id, List.of("x"), NodeId.of(home), ClusterId.of(home.substring(0, 2)), T0)
            .started(T0);
    if (!home.equals(at)) {
      j = j.movedTo(NodeId.of(at), null);
    }
    if (keeper != null) {
      j = j.withCheckpoint(new JobCheckpoint(NodeId.of(keeper), T0.plusSeconds(60), 1 << 20));
    }
    agentsStore.createJob(j);
    return j;
  }

  private JobRecord stored(JobId id) {
    return agentsStore.job(id).orElseThrow().value();
  }

  @Test
  void aNodeLostDuringADetachLeavesEveryJobRestartedOrLostWithAReasonAndTheDetachFinishes()
      throws Exception {
    // Guests on the node that will be lost: two with a checkpoint at home, one without.
    JobRecord checkpointed1 = job("c1-n1", "c2-n1", "c1-n1");
    JobRecord checkpointed2 = job("c3-n2", "c2-n1", "c3-n2");
    JobRecord noCheckpoint = job("c1-n2", "c2-n1", null);
    // A job of c2 running at home on the lost node: its checkpoint is lost with it.
    JobRecord atHome = job("c2-n1", "c2-n1", "c2-n1");
    // Jobs that the detach moves as usual.
    JobRecord guestElsewhere = job("c3-n1", "c2-n2", "c3-n1");
    JobRecord ofC2Away = job("c2-n2", "c1-n1", null);

    CuratorGridStore managerStore = connect();
    closeables.add(managerStore);
    OperationService ops =
        new OperationService(managerStore, this::scriptedMigrate, Clock.systemUTC(), "a", 2)
            .start(Duration.ofMillis(100));
    closeables.add(ops);
    NodeLossMonitor monitor =
        new NodeLossMonitor(
                managerStore,
                this::scriptedRestore,
                Clock.systemUTC(),
                GRACE,
                Duration.ofSeconds(2))
            .start(Duration.ofMillis(200));
    closeables.add(monitor);
    await().atMost(Duration.ofSeconds(20)).until(ops::leading);

    OperationRecord op = ops.detach(ClusterId.of("c2"), new DetachRequest(null, null));
    // The detach has asked the victim to move its guests; then the node dies with its session.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                agentsStore.operation(op.id()).orElseThrow().value().items().stream()
                        .filter(i -> i.from().equals(VICTIM))
                        .count()
                    >= 2);
    Instant lostAt = Instant.now();
    victimDead = true;
    victimStore.close();

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                agentsStore.operation(op.id()).orElseThrow().value().state()
                    != OperationRecord.State.RUNNING);
    OperationRecord done = agentsStore.operation(op.id()).orElseThrow().value();

    assertThat(done.state()).isEqualTo(OperationRecord.State.DONE);
    assertThat(agentsStore.cluster(ClusterId.of("c2")).orElseThrow().state())
        .isEqualTo(ClusterState.DETACHED);
    for (JobRecord j : List.of(checkpointed1, checkpointed2)) {
      JobRecord now = stored(j.id());
      assertThat(now.state()).as("%s", now).isEqualTo(JobState.RUNNING);
      assertThat(now.node()).isEqualTo(j.home());
      assertThat(now.reason())
          .isEqualTo(
              "restarted from the checkpoint of 2026-01-01T00:01:00Z after node c2-n1 was lost");
      assertThat(restores.get(j.id()).get()).isEqualTo(1);
    }
    assertThat(stored(noCheckpoint.id()).state()).isEqualTo(JobState.LOST);
    assertThat(stored(noCheckpoint.id()).reason())
        .isEqualTo(
            "node c2-n1 left the grid while the job ran there, and no checkpoint of it exists");
    assertThat(stored(noCheckpoint.id()).endedAt()).isAfterOrEqualTo(lostAt.plus(GRACE));
    assertThat(stored(atHome.id()).state()).isEqualTo(JobState.LOST);
    assertThat(stored(atHome.id()).reason()).contains("was kept on that node");
    assertThat(stored(guestElsewhere.id()).node()).isEqualTo(NodeId.of("c3-n1"));
    assertThat(stored(ofC2Away.id()).node()).isEqualTo(NodeId.of("c2-n2"));
    // Every job is accounted for: running where the detach wants it, or ended with a reason.
    for (JobRecord j : agentsStore.jobs()) {
      if (j.state() == JobState.RUNNING) {
        assertThat(j.node()).as("%s", j).isNotEqualTo(VICTIM);
      } else {
        assertThat(j.state()).as("%s", j).isEqualTo(JobState.LOST);
        assertThat(j.reason()).isNotBlank();
      }
    }
    // The detach waited for the decision rather than calling the lost jobs moved.
    assertThat(done.updatedAt()).isAfterOrEqualTo(lostAt.plus(GRACE));
  }
}
