package io.roam.agent.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.agent.TestStores;
import io.roam.agent.gossip.LoadEntry;
import io.roam.agent.launch.LaunchException;
import io.roam.agent.placement.ForwardConfig;
import io.roam.agent.placement.Forwarding;
import io.roam.agent.placement.MigrationPolicy;
import io.roam.agent.placement.NodeState;
import io.roam.agent.placement.PlacementConfig;
import io.roam.agent.placement.Snapshot;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.store.CuratorGridStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Passing a job on, against a real ZooKeeper: the job's record decides where it starts, once,
 * whatever the chosen node answers. Node a (speed 1, busy) passes jobs to b (speed 4, idle, of the
 * same cluster), never to x (speed 8, idle, of another cluster); b's agent is played by the test.
 */
class ForwardingServiceIT {
  static final long GIB = 1L << 30;
  static final NodeId A = NodeId.of("c1-n1");
  static final NodeId B = NodeId.of("c1-n2");
  static final NodeId X = NodeId.of("c2-n1");
  static final ClusterId C1 = ClusterId.of("c1");
  static final ClusterId C2 = ClusterId.of("c2");
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private TestingServer zk;
  private CuratorGridStore store;
  private final ExecutorService probes = Executors.newFixedThreadPool(2);
  private final AtomicInteger launches = new AtomicInteger();
  private final AtomicInteger asked = new AtomicInteger();
  private final Set<NodeId> askedNodes = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer();
    store = TestStores.connect(zk);
  }

  @AfterEach
  void stop() throws Exception {
    probes.shutdownNow();
    store.close();
    zk.close();
  }

  static NodeRecord node(NodeId id, ClusterId cluster, double speed) {
    return new NodeRecord(id, cluster, "127.0.0.1", 1, 1, 4 * GIB, speed, false, "t", T0, 1);
  }

  /** Node a's balancing: busy, seeing b idle; or passing nothing on. */
  static ArrivalView view(boolean on) {
    return new ArrivalView() {
      @Override
      public Optional<Snapshot> arrivalSnapshot(Map<NodeId, Integer> forwards) {
        if (!on) {
          return Optional.empty();
        }
        return Optional.of(
            new Snapshot(
                NodeState.of(A, 1, 2, 3 * GIB, 4 * GIB),
                false,
                List.of(),
                List.of(
                    NodeState.of(B, 4, 0, 3 * GIB, 4 * GIB),
                    NodeState.of(X, 8, 0, 3 * GIB, 4 * GIB))));
      }

      @Override
      public List<NodeRecord> members() {
        return List.of(node(A, C1, 1), node(B, C1, 4), node(X, C2, 8));
      }

      @Override
      public boolean isBlocked(NodeId id) {
        return false;
      }
    };
  }

  /** b's agent: tells its load, and does {@code launch} with the request. */
  PeerAgents peers(Function<AgentLaunchRequest, JobRecord> launch) {
    return new PeerAgents() {
      @Override
      public LoadEntry load(NodeRecord n) {
        asked.incrementAndGet();
        askedNodes.add(n.id());
        return new LoadEntry(n.id(), 0, 0, n.speed(), 3 * GIB, 4 * GIB, 0);
      }

      @Override
      public JobRecord launch(NodeRecord n, AgentLaunchRequest request) {
        launches.incrementAndGet();
        assertThat(n.id()).isEqualTo(B);
        return launch.apply(request);
      }
    };
  }

  ForwardingService service(ArrivalView view, PeerAgents peers) {
    return new ForwardingService(
        A,
        C1,
        store,
        view,
        new Forwarding(
            PlacementConfig.defaults(),
            ForwardConfig.defaults(),
            MigrationPolicy.ALLOW_ALL,
            new SplittableRandom(1)),
        peers,
        probes,
        Clock.fixed(T0, ZoneOffset.UTC),
        Duration.ofSeconds(3));
  }

  JobRecord pending(boolean locked) {
    JobRecord job =
        JobRecord.pending(store.nextJobId(), List.of("sleep", "9"), A, C1, T0).withLocked(locked);
    store.createJob(job);
    return job;
  }

  static AgentLaunchRequest request(JobRecord job) {
    return new AgentLaunchRequest(job.id(), job.command());
  }

  JobRecord stored(JobRecord job) {
    return store.job(job.id()).orElseThrow().value();
  }

  /** What b's supervisor does: RUNNING only if the record still says pending on b. */
  JobRecord startOnB(AgentLaunchRequest r) {
    return store.updateJob(
        r.job(),
        j -> {
          if (!j.node().equals(B) || j.state() != JobState.PENDING) {
            throw new PeerAgents.PeerCallException(409, "not pending on b");
          }
          return j.started(T0);
        });
  }

  @Test
  void theJobIsPassedOnAndStartsOnceOnTheBetterNode() {
    JobRecord job = pending(false);
    Optional<JobRecord> out = service(view(true), peers(this::startOnB)).forward(request(job));

    assertThat(out).isPresent();
    JobRecord started = stored(job);
    assertThat(out.get()).isEqualTo(started);
    assertThat(started.state()).isEqualTo(JobState.RUNNING);
    assertThat(started.node()).isEqualTo(B);
    assertThat(started.home()).isEqualTo(B);
    // Its owner's cluster stays its own: x, faster but of another cluster, was not even asked.
    assertThat(started.homeCluster()).isEqualTo(C1);
    assertThat(started.forwardedFrom()).isEqualTo(A);
    assertThat(launches).hasValue(1);
    assertThat(askedNodes).containsExactly(B);
  }

  @Test
  void aTargetThatCannotBeReachedGivesTheJobBackToStartHere() {
    JobRecord job = pending(false);
    Optional<JobRecord> out =
        service(
                view(true),
                peers(
                    r -> {
                      throw new PeerAgents.PeerCallException(0, "connection refused");
                    }))
            .forward(request(job));

    assertThat(out).isEmpty();
    assertThat(stored(job)).isEqualTo(job);
    // And b could not start it any more: the record names a again.
    assertThatThrownBy(() -> startOnB(request(job)))
        .isInstanceOf(PeerAgents.PeerCallException.class);
  }

  @Test
  void aTargetThatStartedTheJobButWhoseAnswerWasLostKeepsIt() {
    JobRecord job = pending(false);
    Optional<JobRecord> out =
        service(
                view(true),
                peers(
                    r -> {
                      startOnB(r);
                      throw new PeerAgents.PeerCallException(0, "timed out");
                    }))
            .forward(request(job));

    assertThat(out).contains(stored(job));
    assertThat(stored(job).state()).isEqualTo(JobState.RUNNING);
    assertThat(stored(job).node()).isEqualTo(B);
  }

  @Test
  void aJobThatCouldNotStartThereFailsAsItWouldHere() {
    JobRecord job = pending(false);
    ForwardingService s =
        service(
            view(true),
            peers(
                r -> {
                  store.updateJob(r.job(), j -> j.ended(JobState.FAILED, "no such command", T0));
                  throw new PeerAgents.PeerCallException(422, "no such command");
                }));

    assertThatThrownBy(() -> s.forward(request(job)))
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("no such command");
    assertThat(stored(job).state()).isEqualTo(JobState.FAILED);
  }

  @Test
  void lockedJobsJobsPassedOnAlreadyAndNodesNotBalancingStartHere() {
    JobRecord locked = pending(true);
    assertThat(service(view(true), peers(this::startOnB)).forward(request(locked))).isEmpty();

    JobRecord passed = pending(false);
    store.updateJob(passed.id(), j -> j.forwardedTo(A, C1));
    assertThat(service(view(true), peers(this::startOnB)).forward(request(passed))).isEmpty();

    JobRecord off = pending(false);
    assertThat(service(view(false), peers(this::startOnB)).forward(request(off))).isEmpty();

    assertThat(launches).hasValue(0);
    assertThat(stored(locked).node()).isEqualTo(A);
    assertThat(stored(off)).isEqualTo(off);
  }

  @Test
  void withoutAnAnswerToTheProbeTheJobStartsHere() {
    JobRecord job = pending(false);
    PeerAgents silent =
        new PeerAgents() {
          @Override
          public LoadEntry load(NodeRecord n) {
            throw new PeerAgents.PeerCallException(0, "timed out");
          }

          @Override
          public JobRecord launch(NodeRecord n, AgentLaunchRequest request) {
            throw new AssertionError("not asked to start anything");
          }
        };
    assertThat(service(view(true), silent).forward(request(job))).isEmpty();
    assertThat(stored(job)).isEqualTo(job);
  }
}
