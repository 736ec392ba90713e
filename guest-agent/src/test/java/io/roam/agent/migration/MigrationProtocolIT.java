package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.roam.agent.TestStores;
import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.launch.NamespaceLauncher;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.MigrationOutcome;
import io.roam.common.model.NodeRecord;
import io.roam.store.CuratorGridStore;
import java.nio.file.Files;
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

/**
 * The migration protocol between two agents over real TCP, with real processes and a real
 * ZooKeeper; CRIU is replaced by {@link FakeCheckpointPort} so that every step can be made to fail.
 * Whatever happens, the job runs in exactly one place and its record says which.
 */
class MigrationProtocolIT {
  private static final String SECRET = "grid-agent-secret-0123456789";
  private static final NodeId A = NodeId.of("c1-n1");
  private static final NodeId B = NodeId.of("c2-n1");

  @TempDir Path temp;
  private TestingServer zk;
  private CuratorGridStore store;
  private JobSupervisor source;
  private JobSupervisor target;
  private final FakeCheckpointPort checkpoint = new FakeCheckpointPort(4096);
  private MigrationServer server;
  private volatile io.roam.common.model.ClusterPolicy targetPolicy =
      io.roam.common.model.ClusterPolicy.defaults();
  private NodeRecord targetNode;
  private Migrator migrator;
  private io.roam.store.NodeFlagStore flags;

  @BeforeEach
  void start() throws Exception {
    // An injected agent death unwinds the target's server thread on purpose, whenever it gets
    // there; Awaitility would otherwise fail whichever wait of the test is running at that moment.
    org.awaitility.Awaitility.doNotCatchUncaughtExceptionsByDefault();
    zk = new TestingServer();
    store = TestStores.connect(zk);
    NamespaceLauncher launcher = NamespaceLauncher.forThisProcess();
    source = new JobSupervisor(A, temp.resolve("a"), launcher, store, Clock.systemUTC());
    target = new JobSupervisor(B, temp.resolve("b"), launcher, store, Clock.systemUTC());
    flags = new io.roam.store.NodeFlagStore(store.client(), store.layout()).start();
    startServer(SECRET, 1 << 20);
    migrator =
        new Migrator(source, checkpoint, store, SECRET, Clock.systemUTC(), Duration.ofSeconds(10));
  }

  private void startServer(String secret, long maxBytes) throws Exception {
    if (server != null) {
      server.close();
    }
    server =
        new MigrationServer(
            ClusterId.of("c2"),
            target,
            checkpoint,
            store,
            secret,
            maxBytes,
            2,
            Duration.ofSeconds(10),
            c -> targetPolicy,
            flags::flags);
    int port = server.start("127.0.0.1", 0);
    targetNode =
        new NodeRecord(
            B,
            ClusterId.of("c2"),
            "127.0.0.1",
            1,
            1,
            1L << 30,
            1.0,
            false,
            "t",
            Instant.now(),
            port);
  }

  @AfterEach
  void stop() throws Exception {
    org.awaitility.Awaitility.reset();
    server.close();
    source.close();
    target.close();
    Long restored = checkpoint.restoredPid.get();
    if (restored != null) {
      ProcessHandle.of(restored).ifPresent(ProcessHandle::destroyForcibly);
    }
    flags.close();
    store.close();
    zk.close();
  }

  private JobRecord runOnSource() throws Exception {
    JobRecord job =
        JobRecord.pending(
            store.nextJobId(), List.of("sleep", "1000"), A, ClusterId.of("c1"), Instant.now());
    store.createJob(job);
    source.start(new AgentLaunchRequest(job.id(), job.command()));
    Files.writeString(JobDir.of(temp.resolve("a"), job.id()).work().resolve("data.txt"), "state");
    return job;
  }

  private JobRecord stored(JobId id) {
    return store.job(id).orElseThrow().value();
  }

  private static char state(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.charAt(stat.lastIndexOf(')') + 2);
  }

  private long sourceRoot(JobId id) {
    return source.rootPid(id).orElseThrow();
  }

  @Test
  void aCommittedMigrationMovesTheJobItsFilesAndItsRecord() throws Exception {
    JobRecord job = runOnSource();
    long oldRoot = sourceRoot(job.id());

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "a1");

    assertThat(outcome.succeeded()).as(String.valueOf(outcome.reason())).isTrue();
    assertThat(outcome.bytes()).isGreaterThanOrEqualTo(4096 + 5);
    JobRecord moved = stored(job.id());
    assertThat(moved.node()).isEqualTo(B);
    assertThat(moved.home()).isEqualTo(A);
    assertThat(moved.migrations()).isEqualTo(1);
    assertThat(moved.lastMigration().attempt()).isEqualTo("a1");
    assertThat(moved.state()).isEqualTo(JobState.RUNNING);
    // The source copy is gone, with its files; the target's copy runs, with them.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(oldRoot).map(p -> !p.isAlive()).orElse(true));
    assertThat(source.isRunning(job.id())).isFalse();
    assertThat(JobDir.of(temp.resolve("a"), job.id()).root()).doesNotExist();
    assertThat(target.isRunning(job.id())).isTrue();
    assertThat(JobDir.of(temp.resolve("b"), job.id()).work().resolve("data.txt"))
        .hasContent("state");
    long restored = checkpoint.restoredPid.get();
    await().atMost(Duration.ofSeconds(5)).until(() -> state(restored) != 'T');
  }

  @Test
  void aChangeToTheRecordWhileTheTargetRestoresIsKeptByTheCommit() throws Exception {
    JobRecord job = runOnSource();
    // The source reads the record as the target starts restoring, to commit with one
    // compare-and-set; the owner locks the job a little later, before the commit.
    checkpoint.duringRestore.set(
        () -> {
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          store.updateJob(job.id(), j -> j.withLocked(true));
        });

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "a1");

    assertThat(outcome.succeeded()).as(String.valueOf(outcome.reason())).isTrue();
    JobRecord moved = stored(job.id());
    assertThat(moved.node()).isEqualTo(B);
    assertThat(moved.lastMigration().attempt()).isEqualTo("a1");
    assertThat(moved.locked()).as("the lock set during the restore").isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> target.isRunning(job.id()));
  }

  @Test
  void aJobThatCannotBeCheckpointedRunsOnAndSaysWhy() throws Exception {
    JobRecord job = runOnSource();
    checkpoint.failDump.set("it holds a listening TCP socket");

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "a2");

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.reason()).contains("listening TCP socket");
    assertThat(migrator.underWay()).isEmpty();
    assertRunsOnSourceOnly(job, "a2");
  }

  @Test
  void aFailedRestoreOnTheTargetResumesTheJobOnTheSource() throws Exception {
    JobRecord job = runOnSource();
    checkpoint.failRestore.set("restore failed: missing file");

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "a3");

    assertThat(outcome.reason()).contains("missing file");
    assertRunsOnSourceOnly(job, "a3");
    assertThat(JobDir.of(temp.resolve("b"), job.id()).root()).doesNotExist();
  }

  @Test
  void aTargetWithAnotherSecretCannotReadTheStreamAndTheJobStays() throws Exception {
    startServer("some-other-grids-secret-000000", 1 << 20);
    JobRecord job = runOnSource();

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "a4");

    assertThat(outcome.succeeded()).isFalse();
    assertRunsOnSourceOnly(job, "a4");
    assertThat(checkpoint.restoredPid.get()).isNull();
  }

  @Test
  void aJobLargerThanTheTargetAcceptsIsRefusedClearly() throws Exception {
    startServer(SECRET, 1000);
    JobRecord job = runOnSource();

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "a5");

    assertThat(outcome.reason()).contains("exceed the limit");
    assertRunsOnSourceOnly(job, "a5");
  }

  @Test
  void theTargetClustersOwnerPolicyIsHeld() throws Exception {
    targetPolicy = new io.roam.common.model.ClusterPolicy(false, 0, List.of());
    JobRecord job = runOnSource();

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "a7");

    assertThat(outcome.reason()).contains("cluster c2 accepts no guests");
    assertRunsOnSourceOnly(job, "a7");
  }

  @Test
  void withItsLedgerTheTargetKeepsThePlaceOfAGuestThatArrivedAndGivesBackOneThatFailed()
      throws Exception {
    io.roam.store.CuratorGuestStore guests =
        new io.roam.store.CuratorGuestStore(store.client(), store.layout());
    server.countingGuestsIn(
        new GuestLedger(
            ClusterId.of("c2"), store, guests, Clock.systemUTC(), Duration.ofMinutes(10)));
    targetPolicy = new io.roam.common.model.ClusterPolicy(true, 1, List.of());
    JobRecord first = runOnSource();
    checkpoint.failRestore.set("restore failed: missing file");

    MigrationOutcome failed = migrator.migrate(first.id(), targetNode, "l1");

    assertThat(failed.reason()).contains("missing file");
    // The target gives the place back once its attempt has ended (just after its reply).
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(guests.guests(ClusterId.of("c2")).orElseThrow().value()).isEmpty());

    checkpoint.failRestore.set(null);
    MigrationOutcome arrived = migrator.migrate(first.id(), targetNode, "l2");
    assertThat(arrived.succeeded()).as(String.valueOf(arrived.reason())).isTrue();
    JobRecord second = runOnSource();

    MigrationOutcome refused = migrator.migrate(second.id(), targetNode, "l3");

    assertThat(refused.reason()).contains("hosts 1 guest(s) already");
    assertRunsOnSourceOnly(second, "l3");
    assertThat(guests.guests(ClusterId.of("c2")).orElseThrow().value())
        .extracting(io.roam.store.GuestStore.Entry::job)
        .containsExactly(first.id());
  }

  @Test
  void aBlockedTargetNodeRefusesAGuestWithTheReason() throws Exception {
    flags.update(B, ClusterId.of("c2"), f -> f.with(null, true, Instant.now(), "owner"));
    JobRecord job = runOnSource();

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "a8");

    assertThat(outcome.reason()).contains("node " + B + " is blocked");
    assertRunsOnSourceOnly(job, "a8");
  }

  /** A target whose consent is that of a balancer, on {@code runnable} processes of its own. */
  private io.roam.agent.load.Arrivals consentingAt(double runnable) {
    io.roam.agent.placement.Balancer balancer =
        new io.roam.agent.placement.Balancer(
            io.roam.agent.placement.PlacementConfig.defaults(),
            io.roam.agent.placement.MigrationPolicy.ALLOW_ALL,
            Clock.systemUTC(),
            new java.util.SplittableRandom(1));
    io.roam.agent.load.Arrivals arrivals = new io.roam.agent.load.Arrivals();
    server.consentingWith(
        arrivals,
        (move, pending) ->
            io.roam.agent.placement.Consent.refusal(
                balancer,
                java.util.Optional.of(move),
                io.roam.agent.placement.NodeState.of(
                    B, 1.0, runnable + pending.count(), 3L << 30, 4L << 30)));
    return arrivals;
  }

  /** A balancing move of {@code job}: 100 s of CPU left, 200 s to go where it runs. */
  private static java.util.Optional<io.roam.agent.placement.Move> balancing(JobId job) {
    return java.util.Optional.of(
        new io.roam.agent.placement.Move(
            job, B, io.roam.agent.placement.Move.Reason.LOAD, 98, 1 << 20, 100, 200));
  }

  @Test
  void aTargetBusierNowThanTheBalancerThoughtDeclinesAndTheJobStays() throws Exception {
    consentingAt(2); // 100 s x 3 / 1 = 300 s there against 200 s here
    JobRecord job = runOnSource();

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "c1", balancing(job.id()));

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.reason())
        .contains("node " + B + " declined: it is now busier than the move assumed");
    assertRunsOnSourceOnly(job, "c1");
    assertThat(checkpoint.restoredPid.get()).isNull();
  }

  @Test
  void aTargetThatStillGainsTakesTheBalancingMove() throws Exception {
    consentingAt(0); // 100 s x 1 / 1 + cost = about 101.5 s there against 200 s here
    JobRecord job = runOnSource();

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "c2", balancing(job.id()));

    assertThat(outcome.succeeded()).as(String.valueOf(outcome.reason())).isTrue();
    assertThat(stored(job.id()).node()).isEqualTo(B);
  }

  @Test
  void anExplicitMigrationNeedsNoConsentAndCountsAsArrivingUntilItRuns() throws Exception {
    io.roam.agent.load.Arrivals arrivals = consentingAt(50);
    java.util.concurrent.atomic.AtomicReference<io.roam.agent.load.Arrivals.Pending> seen =
        new java.util.concurrent.atomic.AtomicReference<>();
    checkpoint.duringRestore.set(() -> seen.set(arrivals.now()));
    JobRecord job = runOnSource();

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "c3");

    assertThat(outcome.succeeded()).as(String.valueOf(outcome.reason())).isTrue();
    assertThat(seen.get().count()).isEqualTo(1);
    assertThat(arrivals.now()).isEqualTo(io.roam.agent.load.Arrivals.Pending.NONE);
  }

  @Test
  void aFailedArrivalNoLongerCounts() throws Exception {
    io.roam.agent.load.Arrivals arrivals = consentingAt(0);
    checkpoint.failRestore.set("restore failed: missing file");
    JobRecord job = runOnSource();

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "c4", balancing(job.id()));

    assertThat(outcome.reason()).contains("missing file");
    // The target gives the place back as its attempt ends, which may be just after the source
    // has read the refusal.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(arrivals.now()).isEqualTo(io.roam.agent.load.Arrivals.Pending.NONE));
  }

  /** The target's staging copy of the growing page image, once it holds {@code bytes}. */
  private boolean targetHoldsPages(long bytes) {
    Path incoming = temp.resolve("b").resolve("incoming");
    if (!Files.isDirectory(incoming)) {
      return false;
    }
    try (var staged = Files.list(incoming)) {
      return staged
          .map(d -> d.resolve("images").resolve("pages-1.img"))
          .anyMatch(
              f -> {
                try {
                  return Files.size(f) >= bytes;
                } catch (java.io.IOException e) {
                  return false;
                }
              });
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void thePageImagesGoWhileTheDumpRunsAndArriveWhole() throws Exception {
    startServer(SECRET, 16 << 20);
    JobRecord job = runOnSource();
    // The dump does not end before the target holds part of the page image.
    java.util.concurrent.atomic.AtomicReference<java.util.Map<JobId, NodeId>> during =
        new java.util.concurrent.atomic.AtomicReference<>();
    checkpoint.beforeDumpEnds.set(
        () -> {
          during.compareAndSet(null, migrator.underWay());
          return targetHoldsPages(1 << 20);
        });

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "s1");

    assertThat(outcome.succeeded()).as(String.valueOf(outcome.reason())).isTrue();
    // The move counted as under way while it ran (the balancer reads it), and not after.
    assertThat(during.get()).containsExactly(java.util.Map.entry(job.id(), B));
    assertThat(migrator.underWay()).isEmpty();
    assertThat(checkpoint.heldBeforeDumpEnded).as("pages on the target during the dump").isTrue();
    byte[] pages = checkpoint.restoredPages.get();
    assertThat(pages).hasSize(FakeCheckpointPort.growingBytes);
    for (int i = 0; i < pages.length; i++) {
      if (pages[i] != FakeCheckpointPort.pageByte(i)) {
        throw new AssertionError("byte " + i + " of the page image differs");
      }
    }
    assertThat(outcome.bytes()).isGreaterThanOrEqualTo(FakeCheckpointPort.growingBytes);
    assertThat(stored(job.id()).node()).isEqualTo(B);
  }

  @Test
  void aDumpThatFailsAfterPagesWentOutLeavesNothingOnTheTarget() throws Exception {
    startServer(SECRET, 16 << 20);
    JobRecord job = runOnSource();
    checkpoint.beforeDumpEnds.set(() -> targetHoldsPages(1 << 20));
    checkpoint.failDumpAtTheEnd.set("CRIU could not dump a file lock");

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "s2");

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.reason()).contains("file lock");
    assertThat(checkpoint.heldBeforeDumpEnded).isTrue();
    assertRunsOnSourceOnly(job, "s2");
    assertThat(checkpoint.restoredPid.get()).isNull();
    // The target saw the stream cut short and dropped what it had.
    await().atMost(Duration.ofSeconds(10)).until(() -> !targetHoldsPages(0));
    assertNothingLeftOf("b");
    assertThat(JobDir.of(temp.resolve("b"), job.id()).root()).doesNotExist();
  }

  @Test
  void anUnreachableTargetLeavesTheJobRunningHere() throws Exception {
    JobRecord job = runOnSource();
    server.close();

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "a6");

    assertThat(outcome.reason()).contains("transfer to c2-n1 failed");
    assertRunsOnSourceOnly(job, "a6");
  }

  @Test
  void aTargetThatStopsReadingMidStreamIsGivenUpAndTheJobResumesHere() throws Exception {
    JobRecord job = runOnSource();
    // Far more than the socket buffers hold: the stream stalls while the job's files go out.
    try (var big =
        new java.io.RandomAccessFile(
            JobDir.of(temp.resolve("a"), job.id()).work().resolve("big.bin").toFile(), "rw")) {
      big.setLength(64L << 20);
    }
    try (java.net.ServerSocket stalled = new java.net.ServerSocket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
      // Accepts, then never reads.
      java.util.concurrent.CompletableFuture<java.net.Socket> accepted =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return stalled.accept();
                } catch (java.io.IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      NodeRecord stalling =
          new NodeRecord(
              B,
              ClusterId.of("c2"),
              "127.0.0.1",
              1,
              1,
              1L << 30,
              1.0,
              false,
              "t",
              Instant.now(),
              stalled.getLocalPort());
      Migrator impatient =
          new Migrator(source, checkpoint, store, SECRET, Clock.systemUTC(), Duration.ofSeconds(1));
      try {
        // Without a bound on writes the source waits for ever, its job frozen.
        MigrationOutcome outcome =
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                Duration.ofSeconds(60), () -> impatient.migrate(job.id(), stalling, "a-stall"));

        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.reason())
            .contains("no progress sending to")
            .contains("it stopped reading");
        assertThat(stored(job.id()).lastMigration().reason()).isEqualTo(outcome.reason());
        assertRunsOnSourceOnly(job, "a-stall");
      } finally {
        accepted.thenAccept(
            s -> {
              try {
                s.close();
              } catch (java.io.IOException e) {
                // closing
              }
            });
      }
    }
  }

  // Agent deaths: FaultPoints "kills" an agent at a step (nothing of it cleans up); a new
  // supervisor on the same state directory then runs the recovery, as a restarted agent does.

  private final NamespaceLauncher launcher = NamespaceLauncher.forThisProcess();

  private List<MigrationRecovery.Recovered> restartSource() {
    source = new JobSupervisor(A, temp.resolve("a"), launcher, store, Clock.systemUTC());
    return recover(source);
  }

  private List<MigrationRecovery.Recovered> restartTarget() throws Exception {
    server.close();
    target = new JobSupervisor(B, temp.resolve("b"), launcher, store, Clock.systemUTC());
    List<MigrationRecovery.Recovered> done = recover(target);
    startServer(SECRET, 1 << 20);
    return done;
  }

  private List<MigrationRecovery.Recovered> recover(JobSupervisor jobs) {
    List<MigrationRecovery.Recovered> done =
        new MigrationRecovery(jobs, checkpoint, store, Clock.systemUTC(), Duration.ofSeconds(5))
            .run();
    jobs.adoptSurvivors();
    jobs.forgetVanished();
    return done;
  }

  private static RecoveryDecision.Action only(List<MigrationRecovery.Recovered> done) {
    assertThat(done).hasSize(1);
    return done.get(0).decision().action();
  }

  /** SIGSTOP takes effect asynchronously; a stopped copy stays stopped. */
  private static void awaitStopped(long pid) {
    await().atMost(Duration.ofSeconds(5)).until(() -> state(pid) == 'T');
  }

  private static boolean gone(long pid) {
    return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
  }

  private void assertNothingLeftOf(String node) throws Exception {
    Path state = temp.resolve(node);
    for (String dir : List.of(IntentJournal.DIR, "migrations", "incoming")) {
      Path d = state.resolve(dir);
      if (Files.isDirectory(d)) {
        try (var files = Files.list(d)) {
          assertThat(files.toList()).as(node + "/" + dir).isEmpty();
        }
      }
    }
  }

  @Test
  void aSourceKilledRightAfterTheDumpResumesTheJobWhenItRestarts() throws Exception {
    JobRecord job = runOnSource();
    long root = sourceRoot(job.id());
    migrator.withFaults(FaultPoints.throwing(FaultPoints.Step.SOURCE_AFTER_DUMP));

    assertThatThrownBy(() -> migrator.migrate(job.id(), targetNode, "r1"))
        .isInstanceOf(FaultPoints.AgentKilled.class);
    awaitStopped(root); // left stopped by the dead agent

    assertThat(only(restartSource())).isEqualTo(RecoveryDecision.Action.RESUME);

    assertThat(source.isRunning(job.id())).isTrue();
    assertThat(sourceRoot(job.id())).isEqualTo(root);
    await().atMost(Duration.ofSeconds(5)).until(() -> state(root) != 'T');
    assertThat(stored(job.id()).node()).isEqualTo(A);
    assertThat(stored(job.id()).state()).isEqualTo(JobState.RUNNING);
    assertThat(target.isRunning(job.id())).isFalse();
    assertThat(checkpoint.restoredPid.get()).isNull();
    assertNothingLeftOf("a");
    MigrationOutcome settled = stored(job.id()).lastMigration();
    assertThat(settled.attempt()).isEqualTo("r1");
    assertThat(settled.succeeded()).isFalse();
    assertThat(settled.endedAt()).isNotNull();
    assertThat(settled.reason()).contains("died");
    // The restarted agent can move it again.
    MigrationOutcome again =
        new Migrator(source, checkpoint, store, SECRET, Clock.systemUTC(), Duration.ofSeconds(10))
            .migrate(job.id(), targetNode, "r1b");
    assertThat(again.succeeded()).as(String.valueOf(again.reason())).isTrue();
    assertThat(stored(job.id()).node()).isEqualTo(B);
    await().atMost(Duration.ofSeconds(10)).until(() -> gone(root));
  }

  @Test
  void aSourceKilledAfterTheDumpWithItsJobRestoresTheJobFromTheDump() throws Exception {
    JobRecord job = runOnSource();
    long root = sourceRoot(job.id());
    migrator.withFaults(FaultPoints.throwing(FaultPoints.Step.SOURCE_AFTER_DUMP));
    assertThatThrownBy(() -> migrator.migrate(job.id(), targetNode, "r2"))
        .isInstanceOf(FaultPoints.AgentKilled.class);
    // The job's processes died with the agent (e.g. its whole process group was killed).
    ProcessHandle.of(root)
        .flatMap(ProcessHandle::parent)
        .ifPresent(
            p -> {
              p.descendants().forEach(ProcessHandle::destroyForcibly);
              p.destroyForcibly();
            });
    await().atMost(Duration.ofSeconds(5)).until(() -> gone(root));

    assertThat(only(restartSource())).isEqualTo(RecoveryDecision.Action.RESTORE);

    assertThat(source.isRunning(job.id())).isTrue();
    long restored = checkpoint.restoredPid.get();
    assertThat(sourceRoot(job.id())).isEqualTo(restored);
    await().atMost(Duration.ofSeconds(5)).until(() -> state(restored) != 'T');
    assertThat(stored(job.id()).node()).isEqualTo(A);
    assertThat(stored(job.id()).state()).isEqualTo(JobState.RUNNING);
    assertThat(target.isRunning(job.id())).isFalse();
    assertNothingLeftOf("a");
  }

  @Test
  void aSourceKilledRightAfterTheCommitLeavesTheJobToTheTargetAndDropsItsCopy() throws Exception {
    JobRecord job = runOnSource();
    long root = sourceRoot(job.id());
    migrator.withFaults(FaultPoints.throwing(FaultPoints.Step.SOURCE_AFTER_COMMIT));

    assertThatThrownBy(() -> migrator.migrate(job.id(), targetNode, "r3"))
        .isInstanceOf(FaultPoints.AgentKilled.class);
    // The target learns from the record that the job is its own.
    await().atMost(Duration.ofSeconds(15)).until(() -> target.isRunning(job.id()));
    long restored = checkpoint.restoredPid.get();
    await().atMost(Duration.ofSeconds(5)).until(() -> state(restored) != 'T');
    awaitStopped(root); // the source copy waits, stopped

    assertThat(only(restartSource())).isEqualTo(RecoveryDecision.Action.DISCARD);

    await().atMost(Duration.ofSeconds(10)).until(() -> gone(root));
    assertThat(source.isRunning(job.id())).isFalse();
    assertThat(JobDir.of(temp.resolve("a"), job.id()).root()).doesNotExist();
    assertThat(stored(job.id()).node()).isEqualTo(B);
    assertThat(stored(job.id()).state()).isEqualTo(JobState.RUNNING);
    assertThat(stored(job.id()).lastMigration().succeeded()).isTrue();
    assertThat(stored(job.id()).lastMigration().endedAt()).as("settled").isNotNull();
    assertNothingLeftOf("a");
  }

  @Test
  void aTargetKilledBeforeItSaysPreparedDropsItsCopyAndTheSourceRunsOn() throws Exception {
    JobRecord job = runOnSource();
    server.withFaults(FaultPoints.throwing(FaultPoints.Step.TARGET_BEFORE_PREPARED));

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "r4");

    assertThat(outcome.succeeded()).isFalse();
    assertRunsOnSourceOnly(job, "r4");
    long restored = checkpoint.restoredPid.get();
    awaitStopped(restored); // the target's copy waits, stopped

    assertThat(only(restartTarget())).isEqualTo(RecoveryDecision.Action.DISCARD);

    await().atMost(Duration.ofSeconds(10)).until(() -> gone(restored));
    assertThat(target.isRunning(job.id())).isFalse();
    assertThat(JobDir.of(temp.resolve("b"), job.id()).root()).doesNotExist();
    assertRunsOnSourceOnly(job, "r4");
    assertNothingLeftOf("b");
  }

  @Test
  void aTargetKilledBeforeTheCommitRunsTheJobWhenItRestarts() throws Exception {
    JobRecord job = runOnSource();
    long root = sourceRoot(job.id());
    server.withFaults(FaultPoints.throwing(FaultPoints.Step.TARGET_BEFORE_COMMIT));

    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "r5");

    // The commit landed: the source dropped its copy, the job waits stopped on the target.
    assertThat(outcome.succeeded()).as(String.valueOf(outcome.reason())).isTrue();
    assertThat(stored(job.id()).node()).isEqualTo(B);
    await().atMost(Duration.ofSeconds(10)).until(() -> gone(root));
    long restored = checkpoint.restoredPid.get();
    awaitStopped(restored);

    assertThat(only(restartTarget())).isEqualTo(RecoveryDecision.Action.RESUME);

    assertThat(target.isRunning(job.id())).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> state(restored) != 'T');
    assertThat(stored(job.id()).state()).isEqualTo(JobState.RUNNING);
    assertThat(JobDir.of(temp.resolve("b"), job.id()).work().resolve("data.txt"))
        .hasContent("state");
    assertThat(source.isRunning(job.id())).isFalse();
    assertNothingLeftOf("b");
  }

  @Test
  void aTargetKilledBeforeTheCommitWithItsCopyRestoresTheJobFromTheReceivedImages()
      throws Exception {
    JobRecord job = runOnSource();
    server.withFaults(FaultPoints.throwing(FaultPoints.Step.TARGET_BEFORE_COMMIT));
    MigrationOutcome outcome = migrator.migrate(job.id(), targetNode, "r6");
    assertThat(outcome.succeeded()).as(String.valueOf(outcome.reason())).isTrue();
    long first = checkpoint.restoredPid.get();
    // The restored copy died with the target's agent.
    ProcessHandle.of(first).ifPresent(ProcessHandle::destroyForcibly);
    await().atMost(Duration.ofSeconds(5)).until(() -> gone(first));

    assertThat(only(restartTarget())).isEqualTo(RecoveryDecision.Action.RESTORE);

    long second = checkpoint.restoredPid.get();
    assertThat(second).isNotEqualTo(first);
    assertThat(target.isRunning(job.id())).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> state(second) != 'T');
    assertThat(stored(job.id()).node()).isEqualTo(B);
    assertThat(stored(job.id()).state()).isEqualTo(JobState.RUNNING);
    assertThat(source.isRunning(job.id())).isFalse();
    assertNothingLeftOf("b");
  }

  private void assertRunsOnSourceOnly(JobRecord job, String attempt) throws Exception {
    JobRecord now = stored(job.id());
    assertThat(now.node()).isEqualTo(A);
    assertThat(now.migrations()).isZero();
    assertThat(now.lastMigration().attempt()).isEqualTo(attempt);
    assertThat(now.lastMigration().succeeded()).isFalse();
    assertThat(source.isRunning(job.id())).isTrue();
    assertThat(target.isRunning(job.id())).isFalse();
    long root = sourceRoot(job.id());
    assertThat(state(root)).as("source copy resumed").isNotEqualTo('T');
    // and it can still migrate later: the supervisor handed it back
    assertThat(JobDir.of(temp.resolve("a"), job.id()).work().resolve("data.txt"))
        .hasContent("state");
  }
}
