package io.roam.agent.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.agent.gossip.LoadEntry;
import io.roam.agent.load.Arrivals;
import io.roam.agent.placement.Balancer;
import io.roam.agent.placement.JobLoad;
import io.roam.agent.placement.MigrationPolicy;
import io.roam.agent.placement.NodeState;
import io.roam.agent.placement.PlacementConfig;
import io.roam.agent.placement.Plan;
import io.roam.agent.placement.Snapshot;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The snapshot the agent's balancing builds: its own moves under way count where they go. */
class BalancingSnapshotTest {
  static final long GIB = 1L << 30;
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");
  static final NodeId C = NodeId.of("c");

  static LoadEntry entry(NodeId node, double runnable) {
    return new LoadEntry(node, runnable, (int) runnable, 1.0, 3 * GIB, 4 * GIB, 0);
  }

  static List<JobLoad> jobs(int from, int to) {
    List<JobLoad> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(new JobLoad(JobId.ofNumber(i), 64L << 20, 100, NOW.minusSeconds(3600), false));
    }
    return out;
  }

  static NodeState target(Snapshot s, NodeId node) {
    return s.others().stream().filter(n -> n.node().equals(node)).findFirst().orElseThrow();
  }

  @Test
  void movesUnderWayCountAsIncomingOnTheirTargets() {
    Snapshot s =
        BalancingService.snapshot(
            entry(A, 4),
            4,
            false,
            jobs(1, 4),
            List.of(entry(B, 0), entry(C, 0)),
            n -> false,
            Map.of(JobId.ofNumber(5), B, JobId.ofNumber(6), B),
            1.0);

    assertThat(target(s, B).incoming()).isEqualTo(2);
    assertThat(target(s, C).incoming()).isZero();
  }

  @Test
  void movesUnderWayAreTakenOffThisNode() {
    // Smoothed 5.5 still holds the two jobs leaving; 3 runnable are sampled now.
    Snapshot s =
        BalancingService.snapshot(
            entry(A, 5.5),
            3,
            false,
            jobs(1, 5),
            List.of(entry(B, 0)),
            n -> false,
            Map.of(JobId.ofNumber(4), B, JobId.ofNumber(5), B),
            1.0);

    assertThat(s.self().runnable()).isEqualTo(3.5);
    // The jobs leaving are not candidates again.
    assertThat(s.jobs()).extracting(JobLoad::job).doesNotContain(JobId.ofNumber(4));
    assertThat(s.jobs()).hasSize(3);
  }

  @Test
  void thisNodeNeverLooksLessLoadedThanWhatRunsOnItNow() {
    // The smoothing has already let the leaving job fade: 3 sampled now stay 3.
    Snapshot s =
        BalancingService.snapshot(
            entry(A, 3.2),
            3,
            false,
            jobs(1, 3),
            List.of(entry(B, 0)),
            n -> false,
            Map.of(JobId.ofNumber(4), B),
            1.0);

    assertThat(s.self().runnable()).isEqualTo(3.0);
  }

  @Test
  void withNothingUnderWayTheSnapshotIsWhatGossipSays() {
    Snapshot s =
        BalancingService.snapshot(
            entry(A, 4.5),
            4,
            true,
            jobs(1, 4),
            List.of(entry(B, 1), entry(C, 0)),
            C::equals,
            Map.of(),
            1.0);

    assertThat(s.self().runnable()).isEqualTo(4.5);
    assertThat(s.stay()).isTrue();
    assertThat(s.jobs()).hasSize(4);
    assertThat(target(s, B).incoming()).isZero();
    assertThat(target(s, B).runnable()).isEqualTo(1.0);
    assertThat(target(s, C).blocked()).isTrue();
  }

  @Test
  void theNextMoveGoesElsewhereThanWhereWorkIsAlreadyGoing() {
    // b looks idlest, but two of this node's jobs are on their way to it: c is now the better.
    Balancer balancer =
        new Balancer(
            PlacementConfig.defaults().withSpread(0),
            MigrationPolicy.ALLOW_ALL,
            InstantSource.fixed(NOW),
            new SplittableRandom(1));
    List<LoadEntry> others = List.of(entry(B, 0), entry(C, 0.5));

    Plan unaware =
        balancer.plan(
            BalancingService.snapshot(
                entry(A, 6), 6, false, jobs(1, 6), others, n -> false, Map.of(), 1.0));
    Plan aware =
        balancer.plan(
            BalancingService.snapshot(
                entry(A, 6),
                4,
                false,
                jobs(1, 4),
                others,
                n -> false,
                Map.of(JobId.ofNumber(5), B, JobId.ofNumber(6), B),
                1.0));

    assertThat(unaware.moves()).singleElement().extracting(m -> m.target()).isEqualTo(B);
    assertThat(aware.moves()).singleElement().extracting(m -> m.target()).isEqualTo(C);
  }

  @Test
  void theReportedLoadCountsMigrationsAcceptedAndNotRunningYet() {
    LoadEntry sampled = entry(A, 2);
    assertThat(BalancingService.reported(sampled, Arrivals.Pending.NONE)).isEqualTo(sampled);

    LoadEntry reported = BalancingService.reported(sampled, new Arrivals.Pending(2, 1 * GIB));

    assertThat(reported.runnable()).isEqualTo(4.0);
    assertThat(reported.freeMemoryBytes()).isEqualTo(2 * GIB);
    assertThat(reported.totalMemoryBytes()).isEqualTo(4 * GIB);
    assertThat(reported.jobs()).isEqualTo(2);
    // More on its way than is free: nothing free, never negative.
    assertThat(
            BalancingService.reported(sampled, new Arrivals.Pending(1, 5 * GIB)).freeMemoryBytes())
        .isZero();
  }

  @Test
  void arrivalsComeAndGoFromTheReportedLoad() {
    Arrivals arrivals = new Arrivals();
    LoadEntry sampled = entry(A, 1);
    arrivals.admit("j1/x", 0, p -> java.util.Optional.empty());
    assertThat(BalancingService.reported(sampled, arrivals.now()).runnable()).isEqualTo(2.0);
    arrivals.release("j1/x");
    assertThat(BalancingService.reported(sampled, arrivals.now()).runnable()).isEqualTo(1.0);
  }

  @Test
  void theTargetConsentsWithWhatIsOnItsWayCounted() {
    Balancer balancer =
        new Balancer(
            PlacementConfig.defaults(),
            MigrationPolicy.ALLOW_ALL,
            InstantSource.fixed(NOW),
            new SplittableRandom(1));
    // Planned against an idle b: 100 s here on a (2 jobs, speed 1: 200 s), about 101.7 s on b.
    io.roam.agent.placement.Move move =
        new io.roam.agent.placement.Move(
            JobId.ofNumber(1),
            B,
            io.roam.agent.placement.Move.Reason.LOAD,
            98,
            64L << 20,
            100,
            200);
    LoadEntry measured = entry(B, 0);

    assertThat(
            io.roam.agent.placement.Consent.refusal(
                balancer,
                java.util.Optional.of(move),
                BalancingService.asTarget(measured, Arrivals.Pending.NONE)))
        .isEmpty();
    // Two accepted and not arrived yet: 100 x 3 / 1 = 300 s there, more than 200 s here.
    assertThat(
            io.roam.agent.placement.Consent.refusal(
                balancer,
                java.util.Optional.of(move),
                BalancingService.asTarget(measured, new Arrivals.Pending(2, 128L << 20))))
        .hasValueSatisfying(r -> assertThat(r).startsWith("node b declined"));
  }
}
