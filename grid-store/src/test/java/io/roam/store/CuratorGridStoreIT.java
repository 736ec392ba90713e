package io.roam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.common.zk.ZkLayout;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real in-process ZooKeeper server. */
class CuratorGridStoreIT {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration SESSION = Duration.ofSeconds(4);
  private static final Duration CONNECT = Duration.ofSeconds(10);

  private TestingServer zk;
  private CuratorGridStore store;

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer();
    store = open();
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    zk.close();
  }

  private CuratorGridStore open() {
    return CuratorGridStore.connect(zk.getConnectString(), new ZkLayout("t"), SESSION, CONNECT);
  }

  private static NodeRecord node(String id) {
    return new NodeRecord(
        NodeId.of(id), ClusterId.of("c1"), "127.0.1.1", 7000, 2, 1L << 30, 1.0, false, "t", T0, 0);
  }

  private JobRecord newJob() {
    return JobRecord.pending(
        store.nextJobId(), List.of("true"), NodeId.of("c1-n1"), ClusterId.of("c1"), T0);
  }

  @Test
  void jobIdsAreUniqueAcrossClientsAndConcurrentCallers() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (CuratorGridStore other = open()) {
      List<Future<JobId>> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 40; i++) {
        GridStore s = i % 2 == 0 ? store : other;
        ids.add(pool.submit(s::nextJobId));
      }
      Set<JobId> seen = new HashSet<>();
      for (Future<JobId> id : ids) {
        seen.add(id.get());
      }
      assertThat(seen).hasSize(40);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void compareAndSetRefusesAStaleVersion() {
    JobRecord job = newJob();
    store.createJob(job);
    Versioned<JobRecord> read = store.job(job.id()).orElseThrow();

    assertThat(store.compareAndSet(job.started(T0), read.version())).isTrue();
    assertThat(store.compareAndSet(job.exited(0, T0), read.version())).isFalse();

    assertThat(store.job(job.id()).orElseThrow().value().state()).isEqualTo(JobState.RUNNING);
  }

  @Test
  void anOperationsCompareAndSetGivesTheVersionItWroteAndRefusesAStaleOne() {
    OperationRecord op =
        new OperationRecord(
            "detach-c2",
            OperationRecord.Kind.DETACH,
            ClusterId.of("c2"),
            OperationRecord.State.RUNNING,
            T0,
            T0,
            null,
            null,
            List.of(),
            "planning");
    store.createOperation(op);
    int created = store.operation(op.id()).orElseThrow().version();
    var next = op.with(op.state(), op.items(), "moving", T0);

    OptionalInt written = store.compareAndSetOperation(next, created);

    assertThat(written).isPresent();
    assertThat(store.operation(op.id()).orElseThrow().version()).isEqualTo(written.getAsInt());
    assertThat(store.compareAndSetOperation(op, created)).isEmpty();
    assertThat(store.compareAndSetOperation(op, written.getAsInt())).isPresent();
    assertThat(store.operation(op.id()).orElseThrow().value().message()).isEqualTo("planning");
  }

  @Test
  void updateJobRetriesUntilItsChangeLands() throws Exception {
    JobRecord job = newJob().started(T0);
    store.createJob(job);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<JobRecord>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(
            pool.submit(
                () ->
                    store.updateJob(
                        job.id(),
                        j ->
                            new JobRecord(
                                j.id(),
                                j.command(),
                                j.home(),
                                j.homeCluster(),
                                j.node(),
                                j.state(),
                                null,
                                null,
                                j.createdAt(),
                                j.startedAt(),
                                null,
                                j.migrations() + 1,
                                null,
                                null))));
      }
      for (Future<JobRecord> f : all) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.job(job.id()).orElseThrow().value().migrations()).isEqualTo(20);
  }

  @Test
  void updateJobFromAKnownVersionWritesOnceOrReadsAgainWhenItIsStale() {
    JobRecord job = newJob().started(T0);
    store.createJob(job);
    Versioned<JobRecord> known = store.job(job.id()).orElseThrow();

    // Unchanged since: written at that version.
    JobRecord locked = store.updateJob(job.id(), Optional.of(known), j -> j.withLocked(true));
    assertThat(store.job(job.id()).orElseThrow().value()).isEqualTo(locked);

    // Stale now: read again, and the change lands on the current record, keeping the lock.
    JobRecord noted = store.updateJob(job.id(), Optional.of(known), j -> j.withNote("n"));
    assertThat(noted.locked()).isTrue();
    assertThat(store.job(job.id()).orElseThrow().value()).isEqualTo(noted);

    // A change that leaves the stale record as it is does not decide on it: the fresh one does.
    JobRecord unlocked =
        store.updateJob(job.id(), Optional.of(known), j -> j.locked() ? j.withLocked(false) : j);
    assertThat(unlocked.locked()).isFalse();
    assertThat(store.job(job.id()).orElseThrow().value().locked()).isFalse();
  }

  @Test
  void aSecondJobWithTheSameIdIsRefused() {
    JobRecord job = newJob();
    store.createJob(job);
    assertThatThrownBy(() -> store.createJob(job)).hasMessageContaining("exists already");
    assertThatThrownBy(() -> store.updateJob(JobId.of("j999999"), j -> j))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void aNodeVanishesWhenItsAgentsSessionEnds() {
    CuratorGridStore agent = open();
    agent.registerNode(node("c1-n1"));
    assertThat(store.nodes()).extracting(NodeRecord::id).containsExactly(NodeId.of("c1-n1"));

    agent.close();

    await().atMost(SESSION.multipliedBy(3)).until(() -> store.nodes().isEmpty());
  }

  @Test
  void closingAStoreWithItsNodeStillRegisteredLeavesNoWatcherFailing() {
    // Curator's PersistentNode, still open when its client closes, recreated its node on the
    // closed client over and over on one stack: ZooKeeper's event thread logged a
    // StackOverflowError "while calling watcher". The store now ends its registrations first.
    ch.qos.logback.classic.Logger zkClient =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.apache.zookeeper.ClientCnxn.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
        new ch.qos.logback.core.read.ListAppender<>();
    log.start();
    zkClient.addAppender(log);
    try {
      CuratorGridStore agent = open();
      agent.registerNode(node("c1-n1"));

      agent.close();

      await().atMost(SESSION.multipliedBy(3)).until(() -> store.nodes().isEmpty());
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(3))
          .until(
              () ->
                  log.list.stream()
                      .noneMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR));
    } finally {
      zkClient.detachAppender(log);
    }
  }

  @Test
  void aNodeIdHeldByAnotherLiveAgentIsRefused() {
    try (CuratorGridStore agent = open()) {
      agent.registerNode(node("c1-n1"));
      assertThatThrownBy(() -> store.registerNode(node("c1-n1")))
          .hasMessageContaining("already registered by another live agent");
    }
  }

  @Test
  void registrationSurvivesAZooKeeperRestartWithinTheSession() throws Exception {
    NodeRegistration reg = store.registerNode(node("c1-n2"));
    zk.restart();
    await().atMost(Duration.ofSeconds(20)).until(() -> store.node(NodeId.of("c1-n2")).isPresent());
    reg.update(node("c1-n2"));
    reg.close();
    assertThat(store.node(NodeId.of("c1-n2"))).isEmpty();
  }

  @Test
  void clustersAreCreatedOnce() {
    ClusterRecord c1 = new ClusterRecord(ClusterId.of("c1"), "alice", ClusterState.ATTACHED, T0);
    store.ensureCluster(c1);
    ClusterRecord again =
        store.ensureCluster(
            new ClusterRecord(ClusterId.of("c1"), "mallory", ClusterState.DETACHED, T0));
    assertThat(again).isEqualTo(c1);
    assertThat(store.clusters()).containsExactly(c1);
  }
}
