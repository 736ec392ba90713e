package io.roam.manager.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.roam.common.api.AgentMigrateRequest;
import io.roam.common.api.DetachRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.MigrationOutcome;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.common.zk.ZkLayout;
import io.roam.store.CuratorGridStore;
import io.roam.web.HttpProblem;
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
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Detach on a real three-server ZooKeeper ensemble, with two managers competing for leadership.
 * Agents are scripted (a migration "completes" by updating the job's record as a real target
 * would), so that leaders and servers can be killed at chosen moments; the real migrations are
 * covered by the system tests.
 */
class OperationServiceIT {
  private static final Duration SESSION = Duration.ofSeconds(4);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private TestingCluster ensemble;
  private CuratorGridStore agentsStore;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Map<JobId, AtomicInteger> migrateCalls = new ConcurrentHashMap<>();
  private final ScheduledExecutorService agents = Executors.newScheduledThreadPool(4);
  private volatile long migrationMillis = 200;
  // False: the scripted agent commits its moves (the record names the target) and never records
  // their end, as a source does between its commit and the target's resume.
  private volatile boolean endsRecorded = true;
  private final AtomicInteger moving = new AtomicInteger();
  private final AtomicInteger maxMoving = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    ensemble = new TestingCluster(3);
    ensemble.start();
    agentsStore = connect();
    for (String c : List.of("c1", "c2", "c3")) {
      agentsStore.ensureCluster(
          new ClusterRecord(ClusterId.of(c), "owner-" + c, ClusterState.ATTACHED, T0));
      for (int n = 1; n <= 2; n++) {
        agentsStore.registerNode(
            new NodeRecord(
                NodeId.of(c + "-n" + n),
                ClusterId.of(c),
                "127.0.0.1",
                1,
                2,
                1L << 30,
                1.0,
                false,
                "t",
                T0,
                1));
      }
    }
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
    agentsStore.close();
    ensemble.close();
  }

  private CuratorGridStore connect() {
    return CuratorGridStore.connect(
        ensemble.getConnectString(), new ZkLayout("t"), SESSION, Duration.ofSeconds(20));
  }

  /** A scripted agent: after a while, the job runs on the target, as a real migration records. */
  private void scriptedMigrate(NodeRecord source, JobId job, AgentMigrateRequest request) {
    migrateCalls.computeIfAbsent(job, j -> new AtomicInteger()).incrementAndGet();
    maxMoving.accumulateAndGet(moving.incrementAndGet(), Math::max);
    agents.schedule(
        () -> {
          moving.decrementAndGet();
          agentsStore.updateJob(
              job,
              j ->
                  j.movedTo(
                      request.target(),
                      new MigrationOutcome(
                          request.attempt(),
                          j.node(),
                          request.target(),
                          true,
                          Instant.now(),
                          endsRecorded ? Instant.now() : null,
                          10,
                          20,
                          1000,
                          null)));
          return null;
        },
        migrationMillis,
        TimeUnit.MILLISECONDS);
  }

  private record Manager(CuratorGridStore store, OperationService service) {}

  private Manager manager(String id) throws Exception {
    return manager(id, Duration.ofMillis(100));
  }

  private Manager manager(String id, Duration period) throws Exception {
    CuratorGridStore store = connect();
    OperationService service =
        new OperationService(store, this::scriptedMigrate, Clock.systemUTC(), id, 2).start(period);
    closeables.add(service);
    closeables.add(store);
    return new Manager(store, service);
  }

  /** A job started on {@code home} and running now on {@code at}. */
  private JobRecord job(String home, String at) {
    JobId id = agentsStore.nextJobId();
    JobRecord j =
        JobRecord.pending(id, List.of("x"), NodeId.of(home), ClusterId.of(home.substring(0, 2)), T0)
            .started(T0);
    if (!home.equals(at)) {
      j = j.movedTo(NodeId.of(at), null);
    }
    agentsStore.createJob(j);
    return j;
  }

  private JobRecord stored(JobId id) {
    return agentsStore.job(id).orElseThrow().value();
  }

  private OperationRecord finished(String opId) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                agentsStore.operation(opId).orElseThrow().value().state()
                    != OperationRecord.State.RUNNING);
    return agentsStore.operation(opId).orElseThrow().value();
  }

  private ClusterState clusterState(String c) {
    return agentsStore.cluster(ClusterId.of(c)).orElseThrow().state();
  }

  @Test
  void aNewLeaderFinishesADetachTheOldOneStartedAndNoJobMovesTwice() throws Exception {
    List<JobRecord> guests = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      guests.add(job("c1-n" + (1 + i % 2), "c2-n" + (1 + i % 2)));
    }
    migrationMillis = 600;
    Manager a = manager("a");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.service().leading());
    Manager b = manager("b");

    OperationRecord op = a.service().detach(ClusterId.of("c2"), new DetachRequest(null, null));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                agentsStore
                        .operation(op.id())
                        .orElseThrow()
                        .value()
                        .count(OperationRecord.ItemState.DONE)
                    >= 2);
    // The leader dies mid-detach: its session ends with it.
    a.service().close();
    a.store().close();

    OperationRecord done = finished(op.id());

    assertThat(b.service().leading()).isTrue();
    assertThat(done.state()).isEqualTo(OperationRecord.State.DONE);
    assertThat(clusterState("c2")).isEqualTo(ClusterState.DETACHED);
    for (JobRecord g : guests) {
      JobRecord now = stored(g.id());
      assertThat(now.node()).isEqualTo(g.home());
      assertThat(now.state()).isEqualTo(JobState.RUNNING);
      assertThat(migrateCalls.get(g.id()).get()).as("migrations of %s", g.id()).isEqualTo(1);
    }
  }

  @Test
  void eachEndedMoveStartsTheNextWithoutWaitingForThePeriodicStep() throws Exception {
    detachWithoutPeriodicSteps();
  }

  @Test
  void eachCommittedMoveStartsTheNextBeforeItsEndIsRecorded() throws Exception {
    endsRecorded = false;
    detachWithoutPeriodicSteps();
  }

  /** Four guests of c2 go home one at a time, driven only by the nudges. */
  private void detachWithoutPeriodicSteps() throws Exception {
    List<JobRecord> guests = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      guests.add(job("c1-n" + (1 + i % 2), "c2-n" + (1 + i % 2)));
    }
    // No periodic step within the test: only the nudges (an operation created, a move ended)
    // can drive it.
    Manager a = manager("a", Duration.ofHours(1));
    // Wired as the manager wires it: job changes seen through its own client's view.
    io.roam.manager.view.GridView view =
        new io.roam.manager.view.GridView(a.store().client(), new ZkLayout("t"));
    closeables.add(0, view);
    view.listen(
        e -> {
          if (e.value() instanceof JobRecord j) {
            a.service().jobChanged(j);
          }
        });
    view.start(Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(20)).until(() -> a.service().leading());

    OperationRecord op = a.service().detach(ClusterId.of("c2"), new DetachRequest(null, null, 1));

    OperationRecord done = finished(op.id());
    assertThat(done.state()).as(done.message()).isEqualTo(OperationRecord.State.DONE);
    assertThat(done.parallel()).isEqualTo(1);
    assertThat(maxMoving.get()).as("migrations at once").isEqualTo(1);
    assertThat(clusterState("c2")).isEqualTo(ClusterState.DETACHED);
    for (JobRecord g : guests) {
      assertThat(stored(g.id()).node()).isEqualTo(g.home());
      assertThat(migrateCalls.get(g.id()).get()).as("migrations of %s", g.id()).isEqualTo(1);
    }
  }

  @Test
  void aZooKeeperServerStoppedMidOperationDoesNotStopIt() throws Exception {
    for (int i = 0; i < 4; i++) {
      job("c2-n1", "c1-n" + (1 + i % 2));
    }
    migrationMillis = 500;
    Manager a = manager("a");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.service().leading());
    OperationRecord op = a.service().detach(ClusterId.of("c2"), new DetachRequest(null, null));
    InstanceSpec victim = ensemble.getInstances().iterator().next();

    ensemble.killServer(victim);

    assertThat(finished(op.id()).state()).isEqualTo(OperationRecord.State.DONE);
    assertThat(agentsStore.jobs()).allMatch(j -> j.node().value().startsWith("c2-"));
  }

  @Test
  void twoOwnersDetachAtOnceAndGuestsGoToClustersStillAttached() throws Exception {
    JobRecord ofC1onC2 = job("c1-n1", "c2-n1");
    JobRecord ofC3onC2 = job("c3-n1", "c2-n2");
    JobRecord ofC2onC3 = job("c2-n1", "c3-n1");
    Manager a = manager("a");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.service().leading());

    OperationRecord d2 = a.service().detach(ClusterId.of("c2"), new DetachRequest(null, null));
    OperationRecord d3 = a.service().detach(ClusterId.of("c3"), new DetachRequest(null, null));

    assertThat(finished(d2.id()).state()).isEqualTo(OperationRecord.State.DONE);
    assertThat(finished(d3.id()).state()).isEqualTo(OperationRecord.State.DONE);
    assertThat(stored(ofC1onC2.id()).node()).isEqualTo(NodeId.of("c1-n1"));
    assertThat(stored(ofC3onC2.id()).node()).isEqualTo(NodeId.of("c3-n1"));
    assertThat(stored(ofC2onC3.id()).node()).isEqualTo(NodeId.of("c2-n1"));
    assertThat(clusterState("c2")).isEqualTo(ClusterState.DETACHED);
    assertThat(clusterState("c3")).isEqualTo(ClusterState.DETACHED);
  }

  @Test
  void aJobThatCannotMoveMakesTheDetachWaitThenFailAtItsDeadlineWithoutKillingIt()
      throws Exception {
    JobRecord stuck = job("c1-n1", "c2-n1");
    Manager a = manager("a");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.service().leading());
    // No node to go to: c1's nodes leave the grid.
    agentsStore.close();
    agentsStore = connect();
    for (String n : List.of("c2-n1", "c2-n2", "c3-n1")) {
      agentsStore.registerNode(
          new NodeRecord(
              NodeId.of(n),
              ClusterId.of(n.substring(0, 2)),
              "127.0.0.1",
              1,
              2,
              1L << 30,
              1.0,
              false,
              "t",
              T0,
              1));
    }
    agentsStore.updateCluster(ClusterId.of("c3"), ClusterState.DETACHED);

    OperationRecord op =
        a.service()
            .detach(ClusterId.of("c2"), new DetachRequest(2L, OperationRecord.OnDeadline.FAIL));
    OperationRecord failed = finished(op.id());

    assertThat(failed.state()).isEqualTo(OperationRecord.State.FAILED);
    assertThat(failed.message()).contains("deadline passed", stuck.id().value(), "no node up");
    assertThat(clusterState("c2")).isEqualTo(ClusterState.ATTACHED);
    assertThat(stored(stuck.id()).state()).isEqualTo(JobState.RUNNING);
    assertThat(stored(stuck.id()).node()).isEqualTo(NodeId.of("c2-n1"));
  }

  @Test
  void badRequestsAreRefusedWithTheReasonAndChangeNothing() throws Exception {
    Manager a = manager("a");
    OperationService ops = a.service();

    assertThatThrownBy(() -> ops.detach(ClusterId.of("c9"), new DetachRequest(null, null)))
        .isInstanceOf(HttpProblem.class)
        .hasMessageContaining("unknown cluster 'c9'");
    assertThatThrownBy(() -> ops.attach(ClusterId.of("c1")))
        .hasMessageContaining("attached already");
    assertThatThrownBy(() -> new DetachRequest(-1L, null)).hasMessageContaining("deadlineSeconds");
    assertThatThrownBy(() -> new DetachRequest(null, OperationRecord.OnDeadline.FAIL))
        .hasMessageContaining("only with a deadline");
    job("c1-n1", "c2-n1");
    migrationMillis = 60_000;
    ops.detach(ClusterId.of("c2"), new DetachRequest(null, null));
    assertThatThrownBy(() -> ops.detach(ClusterId.of("c2"), new DetachRequest(null, null)))
        .hasMessageMatching(".*(under way|DETACHING).*")
        .satisfies(e -> assertThat(((HttpProblem) e).status()).isEqualTo(409));
    assertThat(agentsStore.operations()).hasSize(1);
  }
}
