package io.roam.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** One test per rule of the balancer, on hand-made snapshots. */
class BalancerTest {
  static final long GIB = 1L << 30;
  static final long MIB = 1L << 20;
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant LONG_AGO = NOW.minusSeconds(3600);

  static final PlacementConfig CONFIG =
      PlacementConfig.defaults().withSpread(0).withMinResidence(Duration.ofSeconds(30));

  static Balancer balancer(PlacementConfig config, MigrationPolicy policy) {
    return new Balancer(config, policy, InstantSource.fixed(NOW), new SplittableRandom(1));
  }

  static Balancer balancer() {
    return balancer(CONFIG, MigrationPolicy.ALLOW_ALL);
  }

  static NodeState node(String id, double speed, double load) {
    return NodeState.of(NodeId.of(id), speed, load, 3 * GIB, 4 * GIB);
  }

  static JobLoad job(long n, double cpu) {
    return new JobLoad(JobId.ofNumber(n), 100 * MIB, cpu, LONG_AGO, false);
  }

  static List<JobLoad> jobs(int count, double cpu) {
    List<JobLoad> out = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      out.add(job(i, cpu));
    }
    return out;
  }

  @Test
  void movesAJobFromABusySlowNodeToAnIdleFastOne() {
    Snapshot s = new Snapshot(node("a", 1, 4), false, jobs(4, 100), List.of(node("b", 4, 0)));
    Plan plan = balancer().plan(s);
    assertThat(plan.moves()).hasSize(1);
    Move m = plan.moves().get(0);
    assertThat(m.target()).isEqualTo(NodeId.of("b"));
    assertThat(m.reason()).isEqualTo(Move.Reason.LOAD);
    // Here: 100 s x 4 / 1 = 400 s; there: 0.5 + 100 MiB / 100 MiB/s + 100 x 1 / 4 = 26.5 s.
    assertThat(m.expectedGainSeconds()).isCloseTo(373.5, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void aReusedFlatSnapshotDecidesAsTheRecords() {
    // Random snapshots, one FlatSnapshot refilled for all (larger ones first, then smaller, so
    // that stale entries and scratch stay behind): the same plans as from the records.
    SplittableRandom r = new SplittableRandom(11);
    PlacementConfig config =
        PlacementConfig.defaults().withMaxMoves(3).withLoadPerAgeStep(0.2).withSpread(0.2);
    Balancer fromRecords = balancer(config, MigrationPolicy.ALLOW_ALL);
    Balancer fromFlat = balancer(config, MigrationPolicy.ALLOW_ALL);
    FlatSnapshot flat = new FlatSnapshot(1, 1);
    int moved = 0;
    for (int round = 0; round < 300; round++) {
      List<JobLoad> jobs = new ArrayList<>();
      for (int j = 0; j < r.nextInt(1, 30 - round / 12); j++) {
        jobs.add(
            new JobLoad(
                JobId.ofNumber(j + 1),
                r.nextLong(1, 800) * MIB,
                r.nextDouble(0, 500),
                NOW.minusMillis(r.nextLong(0, 60_000)),
                r.nextInt(10) == 0,
                r.nextBoolean()));
      }
      List<NodeState> others = new ArrayList<>();
      for (int t = 0; t < r.nextInt(1, 40 - round / 10); t++) {
        others.add(
            new NodeState(
                NodeId.of("n" + t),
                r.nextDouble(0.5, 4),
                r.nextInt(0, 12),
                r.nextLong(0, 4) * GIB,
                4 * GIB,
                r.nextInt(0, 30),
                r.nextInt(8) == 0,
                r.nextInt(0, 3)));
      }
      NodeState self =
          NodeState.of(
              NodeId.of("self"),
              r.nextDouble(0.5, 4),
              jobs.size(),
              r.nextLong(0, 4) * GIB,
              4 * GIB);
      Snapshot snapshot = new Snapshot(self, r.nextInt(20) == 0, jobs, others);
      flat.clear()
          .self(
              self.node(),
              self.speed(),
              self.runnable(),
              self.freeMemoryBytes(),
              self.totalMemoryBytes())
          .stay(snapshot.stay());
      for (JobLoad j : jobs) {
        flat.addJob(
            j.job(), j.memoryBytes(), j.cpuSeconds(), j.arrivedAt(), j.locked(), j.migrated());
      }
      for (NodeState n : others) {
        flat.addTarget(
            n.node(),
            n.speed(),
            n.runnable(),
            n.freeMemoryBytes(),
            n.totalMemoryBytes(),
            n.age(),
            n.blocked(),
            n.incoming());
      }
      Plan expected = fromRecords.plan(snapshot);
      assertThat(fromFlat.plan(flat)).as("round " + round).isEqualTo(expected);
      moved += expected.moves().size();
    }
    assertThat(moved).as("moves planned in all").isGreaterThan(100);
  }

  @Test
  void prefersTheFasterAndLessLoadedTarget() {
    Snapshot s =
        new Snapshot(
            node("a", 1, 3),
            false,
            jobs(3, 100),
            List.of(node("slow-idle", 1, 0), node("fast-busy", 4, 3), node("fast-idle", 3, 0)));
    assertThat(balancer().plan(s).moves())
        .extracting(Move::target)
        .containsExactly(NodeId.of("fast-idle"));
  }

  @Test
  void doesNotMoveWhenTheGainDoesNotCoverTheCost() {
    // A job with 10 s left: here 10 x 2 / 1 = 20 s; there 0.5 + 10 (10 GiB at 1 GiB/s) + 10/2 =
    // 15.5
    // s: a gain of 4.5 s, under 20% of 20 s plus nothing... and under the cost-free gain of 10 s.
    PlacementConfig config = CONFIG.withTransfer(GIB, 0.5).withRemaining(1, 1);
    JobLoad big = new JobLoad(JobId.of("j1"), 10 * GIB, 10, LONG_AGO, false);
    NodeState self = NodeState.of(NodeId.of("a"), 1, 2, 40 * GIB, 64 * GIB);
    NodeState target = NodeState.of(NodeId.of("b"), 2, 0, 60 * GIB, 64 * GIB);
    Snapshot s = new Snapshot(self, false, List.of(big), List.of(target));
    assertThat(balancer(config.withGain(5, 0), MigrationPolicy.ALLOW_ALL).plan(s).moves())
        .isEmpty();
    // Cheap to move, the same job goes.
    JobLoad small = new JobLoad(JobId.of("j1"), 10 * MIB, 10, LONG_AGO, false);
    Snapshot s2 = new Snapshot(self, false, List.of(small), List.of(target));
    assertThat(balancer(config.withGain(5, 0), MigrationPolicy.ALLOW_ALL).plan(s2).moves())
        .hasSize(1);
  }

  @Test
  void noPingPongBetweenEquallyLoadedNodes() {
    // Two nodes of equal speed with 2 and 1 jobs: moving one would only swap the roles.
    Snapshot s = new Snapshot(node("a", 1, 2), false, jobs(2, 100), List.of(node("b", 1, 1)));
    assertThat(balancer().plan(s).isEmpty()).isTrue();
  }

  @Test
  void hysteresisKeepsARecentArrivalWhereItIs() {
    JobLoad justArrived = new JobLoad(JobId.of("j1"), 100 * MIB, 100, NOW.minusSeconds(5), false);
    Snapshot s =
        new Snapshot(node("a", 1, 4), false, List.of(justArrived), List.of(node("b", 4, 0)));
    assertThat(balancer().plan(s).isEmpty()).as("5 s < 30 s residence").isTrue();
    JobLoad settled = new JobLoad(JobId.of("j1"), 100 * MIB, 100, NOW.minusSeconds(31), false);
    Snapshot s2 = new Snapshot(node("a", 1, 4), false, List.of(settled), List.of(node("b", 4, 0)));
    assertThat(balancer().plan(s2).moves()).hasSize(1);
  }

  @Test
  void minimumResidenceBindsOnlyJobsThatMigrated() {
    // Started here 5 s ago: it has not moved yet, so nothing to ping-pong; it goes at once.
    JobLoad startedHere =
        new JobLoad(JobId.of("j1"), 100 * MIB, 100, NOW.minusSeconds(5), false, false);
    Snapshot s =
        new Snapshot(node("a", 1, 4), false, List.of(startedHere), List.of(node("b", 4, 0)));
    assertThat(balancer().plan(s).moves()).hasSize(1);
    JobLoad arrived = new JobLoad(JobId.of("j1"), 100 * MIB, 100, NOW.minusSeconds(5), false, true);
    Snapshot s2 = new Snapshot(node("a", 1, 4), false, List.of(arrived), List.of(node("b", 4, 0)));
    assertThat(balancer().plan(s2).isEmpty()).as("migrated 5 s ago: stays").isTrue();
  }

  @Test
  void improvementThresholdIgnoresSmallGains() {
    // Here 100 x 2 / 1 = 200 s; there 1.5 + 100 x 1 / 1.3 = 78.4 s; gain 121.6 s = 61% of here.
    Snapshot s = new Snapshot(node("a", 1, 2), false, jobs(1, 100), List.of(node("b", 1.3, 0)));
    assertThat(balancer(CONFIG.withGain(1, 0.5), MigrationPolicy.ALLOW_ALL).plan(s).moves())
        .hasSize(1);
    assertThat(balancer(CONFIG.withGain(1, 0.7), MigrationPolicy.ALLOW_ALL).plan(s).moves())
        .isEmpty();
  }

  @Test
  void lockedJobsNeverMove() {
    JobLoad locked = new JobLoad(JobId.of("j1"), 100 * MIB, 100, LONG_AGO, true);
    Snapshot s = new Snapshot(node("a", 1, 4), false, List.of(locked), List.of(node("b", 4, 0)));
    assertThat(balancer().plan(s).isEmpty()).isTrue();
  }

  @Test
  void stayMeansNothingMovesAwayEvenForMemory() {
    NodeState starving = NodeState.of(NodeId.of("a"), 1, 4, 0, 4 * GIB);
    Snapshot s = new Snapshot(starving, true, jobs(4, 100), List.of(node("b", 4, 0)));
    assertThat(balancer().plan(s).isEmpty()).isTrue();
  }

  @Test
  void blockedNodesTakeNoGuests() {
    Snapshot s =
        new Snapshot(
            node("a", 1, 4),
            false,
            jobs(4, 100),
            List.of(node("b", 4, 0).withBlocked(true), node("c", 2, 0)));
    assertThat(balancer().plan(s).moves()).extracting(Move::target).containsOnly(NodeId.of("c"));
    assertThat(
            balancer()
                .accepts(balancer().plan(s).moves().get(0), node("b", 4, 0).withBlocked(true)))
        .isFalse();
  }

  @Test
  void clusterPolicyDecidesWhereAJobMayGo() {
    MigrationPolicy onlyJ2ToB =
        (job, target) -> !target.equals(NodeId.of("b")) || job.equals(JobId.of("j2"));
    Snapshot s =
        new Snapshot(
            node("a", 1, 2), false, List.of(job(1, 500), job(2, 100)), List.of(node("b", 4, 0)));
    List<Move> moves = balancer(CONFIG, onlyJ2ToB).plan(s).moves();
    assertThat(moves).extracting(Move::job).containsExactly(JobId.of("j2"));
    assertThat(balancer(CONFIG, (j, t) -> false).plan(s).isEmpty()).isTrue();
  }

  /** Nodes named "hi-*" rank the job 90, "lo-*" 10. */
  static final MigrationPolicy RANKED =
      new MigrationPolicy() {
        @Override
        public boolean allows(JobId job, NodeId target) {
          return true;
        }

        @Override
        public int priority(JobId job, NodeId target) {
          return target.value().startsWith("hi") ? 90 : 10;
        }
      };

  @Test
  void partnerPriorityPrefersTheClusterThatRanksTheJobHigherWhenItGainsEnoughThere() {
    // lo-fast would be faster, but hi-idle still gains enough: the higher priority wins.
    Snapshot s =
        new Snapshot(
            node("a", 1, 4),
            false,
            jobs(4, 100),
            List.of(node("lo-fast", 4, 0), node("hi-idle", 2, 0)));
    assertThat(balancer(CONFIG, RANKED).plan(s).moves())
        .extracting(Move::target)
        .containsExactly(NodeId.of("hi-idle"));
    assertThat(balancer().plan(s).moves())
        .extracting(Move::target)
        .containsExactly(NodeId.of("lo-fast"));

    // A higher-priority node where the job would gain too little does not count.
    Snapshot busy =
        new Snapshot(
            node("a", 1, 4),
            false,
            jobs(4, 100),
            List.of(node("lo-fast", 4, 0), node("hi-busy", 1, 4)));
    assertThat(balancer(CONFIG, RANKED).plan(busy).moves())
        .extracting(Move::target)
        .containsExactly(NodeId.of("lo-fast"));
  }

  @Test
  void memoryUsheringPrefersTheHigherPriorityClusterToo() {
    NodeState self = NodeState.of(NodeId.of("a"), 4, 1, 200 * MIB, 4 * GIB);
    List<JobLoad> js = List.of(new JobLoad(JobId.of("j1"), 1 * GIB, 100, NOW, false));
    NodeState lo = NodeState.of(NodeId.of("lo-roomy"), 4, 0, 30 * GIB, 32 * GIB);
    NodeState hi = NodeState.of(NodeId.of("hi-roomy"), 1, 2, 30 * GIB, 32 * GIB);
    assertThat(
            balancer(CONFIG, RANKED).plan(new Snapshot(self, false, js, List.of(lo, hi))).moves())
        .extracting(Move::target)
        .containsExactly(NodeId.of("hi-roomy"));
  }

  @Test
  void memoryUsheringMovesJobsOffANodeShortOfMemory() {
    // 4 GiB node with 200 MiB free, low water 10% (409.6 MiB): 209.6 MiB must go.
    NodeState self = NodeState.of(NodeId.of("a"), 4, 3, 200 * MIB, 4 * GIB);
    List<JobLoad> js =
        List.of(
            new JobLoad(JobId.of("j1"), 1 * GIB, 100, NOW, false),
            new JobLoad(JobId.of("j2"), 300 * MIB, 100, NOW, false),
            new JobLoad(JobId.of("j3"), 100 * MIB, 100, NOW, false));
    // The target is slower and busier: no load move would go there; memory moves still do.
    NodeState roomy = NodeState.of(NodeId.of("b"), 1, 3, 30 * GIB, 32 * GIB);
    NodeState full = NodeState.of(NodeId.of("c"), 4, 0, 100 * MIB, 4 * GIB);
    Plan plan = balancer().plan(new Snapshot(self, false, js, List.of(roomy, full)));
    assertThat(plan.moves()).hasSize(1);
    Move m = plan.moves().get(0);
    assertThat(m.reason()).isEqualTo(Move.Reason.MEMORY);
    assertThat(m.job()).as("the smallest job that covers the deficit").isEqualTo(JobId.of("j2"));
    assertThat(m.target()).isEqualTo(NodeId.of("b"));
  }

  @Test
  void memoryUsheringMovesSeveralJobsWhenOneIsNotEnough() {
    NodeState self = NodeState.of(NodeId.of("a"), 1, 3, 0, 4 * GIB);
    List<JobLoad> js =
        List.of(
            new JobLoad(JobId.of("j1"), 200 * MIB, 100, NOW, false),
            new JobLoad(JobId.of("j2"), 200 * MIB, 100, NOW, false),
            new JobLoad(JobId.of("j3"), 200 * MIB, 100, NOW, true));
    NodeState roomy = NodeState.of(NodeId.of("b"), 1, 0, 30 * GIB, 32 * GIB);
    Plan plan = balancer().plan(new Snapshot(self, false, js, List.of(roomy)));
    assertThat(plan.moves())
        .extracting(Move::job)
        .as("the locked j3 stays")
        .containsExactlyInAnyOrder(JobId.of("j1"), JobId.of("j2"));
    assertThat(plan.moves()).allMatch(m -> m.reason() == Move.Reason.MEMORY);
  }

  @Test
  void floodPreventionCountsMovesUnderWayAndPlanned() {
    PlacementConfig threeMoves = CONFIG.withMaxMoves(3);
    // One idle fast node: the first move makes it 1 job, the second 2...
    Snapshot s = new Snapshot(node("a", 1, 6), false, jobs(6, 100), List.of(node("b", 2, 0)));
    List<Move> moves = balancer(threeMoves, MigrationPolicy.ALLOW_ALL).plan(s).moves();
    // Here with k jobs left: 100 k / 1; there with m planned: 1.5 + 100 (m + 1) / 2.
    // k=6,m=0: 600 vs 51.5; k=5,m=1: 500 vs 101.5; k=4,m=2: 400 vs 151.5: all three go.
    assertThat(moves).hasSize(3);
    // Moves this node already has under way count too: with 3 on the way nothing more is sent
    // when it would not gain 20%.
    Snapshot busy =
        new Snapshot(
            node("a", 1, 2), false, jobs(2, 100), List.of(node("b", 2, 0).withIncoming(3)));
    // Here 200 s; there 1.5 + 100 x 4 / 2 = 201.5 s.
    assertThat(balancer().plan(busy).isEmpty()).isTrue();
  }

  @Test
  void floodPreventionSpreadsSendersOverEquallyGoodTargets() {
    PlacementConfig spread = CONFIG.withSpread(0.1);
    Map<NodeId, Integer> chosen = new HashMap<>();
    for (int seed = 0; seed < 200; seed++) {
      Balancer b =
          new Balancer(
              spread,
              MigrationPolicy.ALLOW_ALL,
              InstantSource.fixed(NOW),
              new SplittableRandom(seed));
      Snapshot s =
          new Snapshot(
              node("a", 1, 4),
              false,
              jobs(4, 100),
              List.of(node("b", 4, 0), node("c", 3.9, 0), node("d", 2, 0)));
      chosen.merge(b.plan(s).moves().get(0).target(), 1, Integer::sum);
    }
    assertThat(chosen.keySet()).containsExactlyInAnyOrder(NodeId.of("b"), NodeId.of("c"));
    assertThat(chosen.get(NodeId.of("b"))).isBetween(70, 130);
  }

  @Test
  void staleEntriesLookBusierWhenAskedTo() {
    PlacementConfig stale = CONFIG.withLoadPerAgeStep(0.5);
    Snapshot s =
        new Snapshot(
            node("a", 1, 4),
            false,
            jobs(4, 100),
            List.of(node("old", 4, 0).withAge(20), node("fresh", 3, 1)));
    // old: (0 + 10 + 1) / 4 = 2.75 per job; fresh: (1 + 1) / 3 = 0.67.
    assertThat(balancer(stale, MigrationPolicy.ALLOW_ALL).plan(s).moves())
        .extracting(Move::target)
        .containsExactly(NodeId.of("fresh"));
    // Without the allowance the old entry's figures are taken as they are.
    assertThat(balancer(CONFIG.withLoadPerAgeStep(0), MigrationPolicy.ALLOW_ALL).plan(s).moves())
        .extracting(Move::target)
        .containsExactly(NodeId.of("old"));
  }

  @Test
  void theTargetRefusesAMoveThatNoLongerPays() {
    Snapshot s = new Snapshot(node("a", 1, 4), false, jobs(4, 100), List.of(node("b", 4, 0)));
    Move m = balancer().plan(s).moves().get(0);
    assertThat(balancer().accepts(m, node("b", 4, 0))).isTrue();
    // Meanwhile others sent it 20 jobs: 100 x 21 / 4 = 525 s > 400 s here.
    assertThat(balancer().accepts(m, node("b", 4, 20))).isFalse();
    // Or it has no room.
    assertThat(balancer().accepts(m, NodeState.of(NodeId.of("b"), 4, 0, 300 * MIB, 4 * GIB)))
        .isFalse();
  }

  @Test
  void nothingToDoWithoutJobsOrPeers() {
    assertThat(
            balancer()
                .plan(new Snapshot(node("a", 1, 0), false, List.of(), List.of(node("b", 4, 0)))))
        .isEqualTo(Plan.NONE);
    assertThat(balancer().plan(new Snapshot(node("a", 1, 4), false, jobs(4, 1), List.of())))
        .isEqualTo(Plan.NONE);
  }

  @Test
  void samePlanForTheSameSnapshotAndSeed() {
    Snapshot s =
        new Snapshot(
            node("a", 1, 8),
            false,
            jobs(8, 100),
            List.of(node("b", 4, 0), node("c", 4, 0), node("d", 4, 0)));
    PlacementConfig config = PlacementConfig.defaults().withMaxMoves(3);
    Plan first = balancer(config, MigrationPolicy.ALLOW_ALL).plan(s);
    Plan second = balancer(config, MigrationPolicy.ALLOW_ALL).plan(s);
    assertThat(first).isEqualTo(second);
  }

  @Test
  void decidesFromAGossipView() {
    io.roam.agent.gossip.GossipView view =
        new io.roam.agent.gossip.GossipView(
            new io.roam.agent.gossip.LoadEntry(NodeId.of("a"), 4, 4, 1, 3 * GIB, 4 * GIB, 0),
            io.roam.agent.gossip.GossipConfig.defaults());
    view.merge(
        List.of(
            new io.roam.agent.gossip.LoadEntry(NodeId.of("b"), 0, 0, 4, 3 * GIB, 4 * GIB, 1),
            new io.roam.agent.gossip.LoadEntry(NodeId.of("c"), 5, 5, 4, 3 * GIB, 4 * GIB, 0)));
    List<NodeState> others = view.others().stream().map(e -> NodeState.from(e, false, 0)).toList();
    NodeState self = NodeState.from(view.own(), false, 0);
    Plan plan = balancer().plan(new Snapshot(self, false, jobs(4, 100), others));
    assertThat(plan.moves()).extracting(Move::target).containsExactly(NodeId.of("b"));
    assertThat(others.get(1).age()).isEqualTo(1);
  }
}
