package io.roam.agent.homecoming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roam.agent.TestStores;
import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.launch.NamespaceLauncher;
import io.roam.agent.migration.MigrationServer;
import io.roam.agent.migration.NoCheckpoint;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.store.CuratorGridStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that ends away from home, between two agents' supervisors with real processes, real TCP on
 * the migration port and a real ZooKeeper: its files go home, the record says so, and only then
 * does the copy where it ended go.
 */
class HomecomingIT {
  private static final String SECRET = "grid-agent-secret-0123456789";
  private static final NodeId HOME = NodeId.of("c1-n1");
  private static final NodeId AWAY = NodeId.of("c2-n1");
  private static final String SCRIPT =
      "echo hello; echo oops >&2; echo result > out.txt; head -c 4096 /dev/zero > blob";

  @TempDir Path temp;
  private TestingServer zk;
  private CuratorGridStore store;
  private JobSupervisor home;
  private JobSupervisor away;
  private MigrationServer homeServer;
  private int homePort;
  private HomecomingSender sender;
  private io.roam.store.NodeRegistration registration;

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer();
    store = TestStores.connect(zk);
    NamespaceLauncher launcher = NamespaceLauncher.forThisProcess();
    home = new JobSupervisor(HOME, temp.resolve("home"), launcher, store, Clock.systemUTC());
    away = new JobSupervisor(AWAY, temp.resolve("away"), launcher, store, Clock.systemUTC());
    homePort = startHome(1 << 20, 0);
    registration =
        store.registerNode(
            new NodeRecord(
                HOME,
                ClusterId.of("c1"),
                "127.0.0.1",
                1,
                1,
                1L << 30,
                1.0,
                false,
                "t",
                Instant.now(),
                homePort));
    sender = startSender(1 << 20);
  }

  private int startHome(long maxBytes, int port) throws Exception {
    homeServer =
        new MigrationServer(
            ClusterId.of("c1"),
            home,
            new NoCheckpoint("not needed here"),
            store,
            SECRET,
            maxBytes,
            2,
            Duration.ofSeconds(10),
            c -> ClusterPolicy.defaults());
    homeServer.share(
        HomecomingReceiver.magic(),
        new HomecomingReceiver(
            home, store, SECRET, maxBytes, 2, Duration.ofSeconds(10), Clock.systemUTC()));
    // A closed listener is released once its accepting thread has left: allow it a moment.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      try {
        return homeServer.start("127.0.0.1", port);
      } catch (java.net.BindException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private HomecomingSender startSender(long maxBytes) {
    return startSender(maxBytes, Duration.ofSeconds(10));
  }

  private HomecomingSender startSender(long maxBytes, Duration ioTimeout) {
    HomecomingSender s =
        new HomecomingSender(
            away,
            store,
            SECRET,
            maxBytes,
            ioTimeout,
            new Backoff(Duration.ofMillis(100), Duration.ofMillis(400)),
            new Random(7));
    away.onEnd(s::ended);
    return s;
  }

  @AfterEach
  void stop() throws Exception {
    sender.close();
    homeServer.close();
    home.close();
    away.close();
    registration.close();
    store.close();
    zk.close();
  }

  /** A job of HOME that was moved to AWAY and runs {@code script} there. */
  private JobRecord endsAway(String script) {
    JobRecord job =
        JobRecord.pending(
                store.nextJobId(),
                List.of("sh", "-c", script),
                HOME,
                ClusterId.of("c1"),
                Instant.now())
            .movedTo(AWAY, null);
    store.createJob(job);
    away.start(new AgentLaunchRequest(job.id(), job.command()));
    return job;
  }

  private JobRecord stored(JobId id) {
    return store.job(id).orElseThrow().value();
  }

  private Path awayDir(JobId id) {
    return JobDir.of(temp.resolve("away"), id).root();
  }

  /** The record says returnedHome, and this node's copy and marker are gone. */
  private boolean isHome(JobId id) {
    return stored(id).returnedHome() != null
        && !Files.exists(awayDir(id))
        && !sender.pending().contains(id);
  }

  private void assertHomeHasTheFiles(JobId id) throws Exception {
    JobDir dir = JobDir.of(temp.resolve("home"), id);
    assertThat(dir.stdout()).hasContent("hello");
    assertThat(dir.stderr()).hasContent("oops");
    assertThat(dir.exitStatus()).hasContent("0");
    assertThat(dir.work().resolve("out.txt")).hasContent("result");
    assertThat(Files.size(dir.work().resolve("blob"))).isEqualTo(4096);
    assertThat(home.dir(id)).isPresent();
  }

  @Test
  void theFilesOfAJobThatEndsAwayGoHomeAndOnlyThenLeaveTheNodeWhereItEnded() throws Exception {
    JobRecord job = endsAway(SCRIPT);

    await().atMost(Duration.ofSeconds(20)).until(() -> isHome(job.id()));

    JobRecord done = stored(job.id());
    assertThat(done.state()).isEqualTo(JobState.EXITED);
    assertThat(done.exitCode()).isZero();
    assertThat(done.node()).isEqualTo(AWAY);
    assertThat(done.reason()).isNull();
    assertHomeHasTheFiles(job.id());
    assertThat(away.dir(job.id())).isEmpty();
    assertThat(sender.pending()).isEmpty();
    assertThat(temp.resolve("home").resolve("incoming")).isEmptyDirectory();
  }

  @Test
  void anUnreachableHomeIsTriedAgainUntilItIsBack() throws Exception {
    homeServer.close(); // connections to the home's port are refused now
    JobRecord job = endsAway(SCRIPT);
    await().atMost(Duration.ofSeconds(10)).until(() -> stored(job.id()).state().terminal());
    assertThat(sender.pending()).containsExactly(job.id());

    Thread.sleep(1500); // several attempts
    assertThat(stored(job.id()).returnedHome()).isNull();
    assertThat(awayDir(job.id()).resolve("stdout")).hasContent("hello");

    startHome(1 << 20, homePort);
    await().atMost(Duration.ofSeconds(20)).until(() -> isHome(job.id()));
    assertHomeHasTheFiles(job.id());
    assertThat(sender.pending()).isEmpty();
  }

  @Test
  void aRestartedAgentCarriesOnWithTheReturnsItHadNotFinished() throws Exception {
    homeServer.close();
    JobRecord job = endsAway(SCRIPT);
    await().atMost(Duration.ofSeconds(10)).until(() -> sender.pending().contains(job.id()));
    sender.close();
    startHome(1 << 20, homePort);
    Thread.sleep(500);
    assertThat(stored(job.id()).returnedHome()).as("nobody sends while the agent is down").isNull();

    sender = startSender(1 << 20);
    sender.resumePending();

    await().atMost(Duration.ofSeconds(20)).until(() -> isHome(job.id()));
    assertHomeHasTheFiles(job.id());
  }

  @Test
  void filesLargerThanTheHomeAcceptsStayWhereTheJobEndedAndTheRecordSaysWhy() throws Exception {
    homeServer.close();
    startHome(1000, homePort);
    JobRecord job = endsAway(SCRIPT);

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> stored(job.id()).reason() != null && sender.pending().isEmpty());

    JobRecord done = stored(job.id());
    assertThat(done.state()).isEqualTo(JobState.EXITED);
    assertThat(done.reason())
        .isEqualTo("its files stay on c2-n1: they exceed the limit of 1000 bytes of node c1-n1");
    assertThat(done.returnedHome()).isNull();
    assertThat(awayDir(job.id()).resolve("stdout")).hasContent("hello");
    assertThat(JobDir.of(temp.resolve("home"), job.id()).root()).doesNotExist();
  }

  @Test
  void filesLargerThanThisNodeSendsAreNotSentAndTheRecordSaysWhy() throws Exception {
    sender.close();
    sender = startSender(1000);
    JobRecord job = endsAway("echo small; exec sleep 1000");
    JobRecord big = endsAway(SCRIPT);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Files.readString(awayDir(job.id()).resolve("stdout")).equals("small\n"));
    away.kill(job.id());

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> stored(big.id()).reason() != null && stored(job.id()).returnedHome() != null);

    assertThat(stored(big.id()).reason())
        .isEqualTo("its files stay on c2-n1: they exceed the limit of 1000 bytes of node c2-n1");
    assertThat(awayDir(big.id()).resolve("stdout")).hasContent("hello");
    // A killed job's reason stays as it was, and its (small) files went home.
    JobRecord killed = stored(job.id());
    assertThat(killed.state()).isEqualTo(JobState.KILLED);
    assertThat(killed.reason()).isEqualTo("killed on request");
    assertThat(JobDir.of(temp.resolve("home"), job.id()).stdout()).hasContent("small");
  }

  @Test
  void aHomeThatStopsReadingMidStreamIsGivenUpAndTriedAgain() throws Exception {
    // A home that accepts the return, then reads nothing more (until released).
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger stalled =
        new java.util.concurrent.atomic.AtomicInteger();
    byte[] secret = WorkspaceWire.secretBytes(SECRET);
    homeServer.share(
        HomecomingReceiver.magic(),
        (socket, raw) -> {
          WorkspaceWire.Header header = WorkspaceWire.Header.read(raw);
          io.roam.agent.transfer.SealedChannel.Writer sealed =
              new io.roam.agent.transfer.SealedChannel.Writer(
                  new java.io.BufferedOutputStream(socket.getOutputStream()),
                  header.keys(secret, WorkspaceWire.FROM_HOME));
          java.io.DataInputStream in =
              new java.io.DataInputStream(
                  new io.roam.agent.transfer.SealedChannel.Reader(
                      raw, header.keys(secret, WorkspaceWire.TO_HOME)));
          in.readByte();
          in.readLong();
          WorkspaceWire.message(new java.io.DataOutputStream(sealed), WorkspaceWire.ACCEPT, "");
          sealed.flush();
          stalled.incrementAndGet();
          try {
            release.await(60, java.util.concurrent.TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    sender.close();
    sender = startSender(1L << 30, Duration.ofSeconds(1));
    try {
      // Far more than the socket buffers hold.
      JobRecord job = endsAway(SCRIPT + "; truncate -s 64M big");

      // A second connection: the sender gave the first up (it sends one at a time). Without a
      // bound on its writes it would wait on the first for ever.
      await().atMost(Duration.ofSeconds(30)).until(() -> stalled.get() >= 2);
      assertThat(stored(job.id()).returnedHome()).isNull();
      assertThat(awayDir(job.id()).resolve("stdout")).hasContent("hello");

      homeServer.share(
          HomecomingReceiver.magic(),
          new HomecomingReceiver(
              home, store, SECRET, 1L << 30, 2, Duration.ofSeconds(10), Clock.systemUTC()));
      await().atMost(Duration.ofSeconds(30)).until(() -> isHome(job.id()));
      assertHomeHasTheFiles(job.id());
      assertThat(Files.size(JobDir.of(temp.resolve("home"), job.id()).work().resolve("big")))
          .isEqualTo(64L << 20);
    } finally {
      release.countDown();
    }
  }
}
