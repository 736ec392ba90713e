package io.roam.manager.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.roam.common.api.DetachRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.MigrationOutcome;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.common.zk.ZkLayout;
import io.roam.manager.operations.OperationService;
import io.roam.store.CuratorGridStore;
import io.roam.store.Versioned;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;

/**
 * Benchmark of PERFORMANCE.md section 5, failover: the leading manager, a separate JVM, is killed
 * with SIGKILL in the middle of a detach; the time until the other manager leads and writes the
 * operation's progress again is measured against the session timeout + 2 s. Agents are simulated (a
 * MOVING item's migration completes 300 ms later). Run it with
 *
 * <pre>
 * mvn -pl grid-manager -am verify -Droam.bench=true -Dit.test=FailoverBenchIT -Dfailsafe.failIfNoSpecifiedTests=false
 * </pre>
 *
 * It prints a Markdown row and writes it to grid-manager/target/failover-bench.md.
 */
class FailoverBenchIT {
  static final Duration SESSION = Duration.ofSeconds(6);

  /** The leader: its own JVM, so that it can die without saying goodbye. */
  public static final class Leader {
    public static void main(String[] args) throws Exception {
      CuratorGridStore store =
          CuratorGridStore.connect(args[0], new ZkLayout("bench"), SESSION, Duration.ofSeconds(30));
      new OperationService(
              store, (source, job, request) -> {}, Clock.systemUTC(), "leader-process", 4)
          .start(Duration.ofMillis(100));
      System.out.println("started");
      new CountDownLatch(1).await();
    }
  }

  @Test
  void failoverResumesADetach() throws Exception {
    assumeTrue(Boolean.getBoolean("roam.bench"), "a benchmark: run with -Droam.bench=true");
    List<String> rows = new ArrayList<>();
    try (TestingCluster ensemble = new TestingCluster(3)) {
      ensemble.start();
      for (int run = 1; run <= 3; run++) {
        rows.add(once(ensemble, run));
      }
    }
    String table =
        "| run | session timeout (ms) | kill -> new leader (ms) | kill -> progress written again (ms) | mark: session + 2 s (ms) |\n"
            + "|---|---|---|---|---|\n"
            + String.join("\n", rows)
            + "\n";
    System.out.println(table);
    Files.writeString(Path.of("target/failover-bench.md"), table);
  }

  private String once(TestingCluster ensemble, int run) throws Exception {
    ZkLayout layout = new ZkLayout("bench");
    try (CuratorGridStore world =
        CuratorGridStore.connect(
            ensemble.getConnectString(), layout, SESSION, Duration.ofSeconds(30))) {
      Instant t0 = Instant.now();
      for (String c : List.of("c1", "c2")) {
        world.ensureCluster(new ClusterRecord(ClusterId.of(c), "o", ClusterState.ATTACHED, t0));
        if (world.cluster(ClusterId.of(c)).orElseThrow().state() != ClusterState.ATTACHED) {
          world.updateCluster(ClusterId.of(c), ClusterState.ATTACHED);
        }
        for (int n = 1; n <= 2; n++) {
          world.registerNode(
              new NodeRecord(
                  NodeId.of(c + "-n" + n),
                  ClusterId.of(c),
                  "127.0.0.1",
                  1,
                  2,
                  1L << 30,
                  1.0,
                  false,
                  "b",
                  t0,
                  1));
        }
      }
      List<JobId> guests = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        JobRecord j =
            JobRecord.pending(
                    world.nextJobId(), List.of("x"), NodeId.of("c1-n1"), ClusterId.of("c1"), t0)
                .started(t0)
                .movedTo(NodeId.of("c2-n" + (1 + i % 2)), null);
        world.createJob(j);
        guests.add(j.id());
      }
      Process leader =
          new ProcessBuilder(
                  ProcessHandle.current().info().command().orElse("java"),
                  "-cp",
                  System.getProperty("java.class.path"),
                  Leader.class.getName(),
                  ensemble.getConnectString())
              .redirectErrorStream(true)
              .redirectOutput(Path.of("target/failover-leader-" + run + ".log").toFile())
              .start();
      // Wait until the other process leads, then start the follower here.
      Thread.sleep(3000);
      try (CuratorGridStore followerStore =
              CuratorGridStore.connect(
                  ensemble.getConnectString(), layout, SESSION, Duration.ofSeconds(30));
          OperationService follower =
              new OperationService(
                      followerStore, (s, job, r) -> {}, Clock.systemUTC(), "follower", 4)
                  .start(Duration.ofMillis(100))) {
        assertThat(follower.leading()).isFalse();
        OperationRecord op = follower.detach(ClusterId.of("c2"), new DetachRequest(null, null));
        Map<String, Long> movingSince = new HashMap<>();
        long killedAt = 0;
        long newLeaderAt = 0;
        long resumedAt = 0;
        int versionAtKill = -1;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
          Versioned<OperationRecord> v = world.operation(op.id()).orElseThrow();
          // The simulated agents: a MOVING item's migration lands 300 ms after it started.
          for (OperationRecord.Item item : v.value().items()) {
            if (item.state() == OperationRecord.ItemState.MOVING) {
              long since = movingSince.computeIfAbsent(item.attempt(), a -> System.nanoTime());
              if (System.nanoTime() - since > 300_000_000L) {
                world.updateJob(
                    item.job(),
                    j ->
                        j.lastMigration() != null
                                && item.attempt().equals(j.lastMigration().attempt())
                            ? j
                            : j.movedTo(
                                item.to(),
                                new MigrationOutcome(
                                    item.attempt(),
                                    j.node(),
                                    item.to(),
                                    true,
                                    Instant.now(),
                                    Instant.now(),
                                    1,
                                    1,
                                    1,
                                    null)));
              }
            }
          }
          if (killedAt == 0 && v.value().count(OperationRecord.ItemState.DONE) >= 6) {
            leader.destroyForcibly();
            killedAt = System.nanoTime();
            versionAtKill = world.operation(op.id()).orElseThrow().version();
          }
          if (killedAt != 0 && newLeaderAt == 0 && follower.leading()) {
            newLeaderAt = System.nanoTime();
          }
          if (killedAt != 0 && resumedAt == 0 && v.version() > versionAtKill) {
            resumedAt = System.nanoTime();
          }
          if (v.value().state() != OperationRecord.State.RUNNING) {
            break;
          }
          Thread.sleep(20);
        }
        leader.destroyForcibly().waitFor();
        OperationRecord end = world.operation(op.id()).orElseThrow().value();
        assertThat(end.state()).isEqualTo(OperationRecord.State.DONE);
        assertThat(guests)
            .allSatisfy(
                g ->
                    assertThat(world.job(g).orElseThrow().value().node().value())
                        .startsWith("c1-"));
        // Reset for the next run.
        world.updateCluster(ClusterId.of("c2"), ClusterState.ATTACHED);
        return String.format(
            "| %d | %d | %d | %d | %d |",
            run,
            SESSION.toMillis(),
            (newLeaderAt - killedAt) / 1_000_000,
            (resumedAt - killedAt) / 1_000_000,
            SESSION.toMillis() + 2000);
      }
    }
  }
}
