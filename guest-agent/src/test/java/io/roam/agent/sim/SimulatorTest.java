package io.roam.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.roam.agent.placement.ForwardConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimulatorTest {
  private static Workload workload(int nodes, int jobs, long seed) {
    return Workload.generate(Workload.Spec.standard(nodes, jobs), new SplittableRandom(seed));
  }

  @Test
  void boundedParetoStaysInItsBoundsAndHasItsMean() {
    Workload.Spec spec = Workload.Spec.standard(1, 1);
    SplittableRandom r = new SplittableRandom(1);
    double sum = 0;
    int n = 400_000;
    for (int i = 0; i < n; i++) {
      double x = Workload.boundedPareto(spec, r.nextDouble());
      assertThat(x).isBetween(spec.minWork(), spec.maxWork());
      sum += x;
    }
    assertThat(sum / n).isCloseTo(spec.meanWork(), within(0.05 * spec.meanWork()));
  }

  @Test
  void everyPolicyCompletesEveryJob() {
    Workload w = workload(8, 300, 1);
    for (Policy p : Policy.values()) {
      SimResult r = new Simulator(w, p, SimConfig.defaults(), 1).run();
      assertThat(r.completed()).as(p.name()).isEqualTo(300);
      assertThat(r.meanSlowdown()).as(p.name()).isGreaterThanOrEqualTo(1.0);
    }
  }

  @Test
  void deterministicForASeed() {
    Workload w = workload(8, 300, 2);
    SimResult a = new Simulator(w, Policy.ROAM, SimConfig.defaults(), 5).run();
    SimResult b = new Simulator(w, Policy.ROAM, SimConfig.defaults(), 5).run();
    assertThat(a).isEqualTo(b);
  }

  @Test
  void aloneOnTheFastestNodeASlowdownIsOne() {
    // One job, one node of speed 4 (min = max speed): it runs alone.
    Workload.Spec spec = Workload.Spec.standard(1, 1);
    Workload one =
        new Workload(
            new double[] {4.0},
            new long[] {spec.nodeMemoryBytes()},
            java.util.List.of(new SimJob(0, 0.0, 0, 100.0, 1 << 20)));
    SimResult r = new Simulator(one, Policy.NONE, SimConfig.defaults(), 1).run();
    assertThat(r.meanSlowdown()).isCloseTo(1.0, within(1e-9));
    assertThat(r.makespan()).isCloseTo(25.0, within(1e-9));
  }

  @Test
  void processorSharingSplitsTheCpu() {
    // Two jobs of 100 reference s on one speed-1 node: both done at 200 s.
    Workload two =
        new Workload(
            new double[] {1.0},
            new long[] {4L << 30},
            java.util.List.of(new SimJob(0, 0.0, 0, 100, 1), new SimJob(1, 0.0, 0, 100, 1)));
    SimResult r = new Simulator(two, Policy.NONE, SimConfig.defaults(), 1).run();
    assertThat(r.makespan()).isCloseTo(200.0, within(1e-9));
    assertThat(r.meanSlowdown()).isCloseTo(2.0, within(1e-9));
  }

  @Test
  void roamAndTheOmniscientGreedyBeatNoMigration() {
    Workload w = workload(16, 1500, 3);
    SimConfig config = SimConfig.defaults();
    double none = new Simulator(w, Policy.NONE, config, 1).run().meanSlowdown();
    SimResult roam = new Simulator(w, Policy.ROAM, config, 1).run();
    double omniscient = new Simulator(w, Policy.OMNISCIENT, config, 1).run().meanSlowdown();
    assertThat(roam.migrations()).isPositive();
    assertThat(roam.meanSlowdown()).isLessThan(0.65 * none);
    assertThat(omniscient).isLessThan(roam.meanSlowdown());
    assertThat(roam.meanAge()).as("gossip ran").isPositive();
  }

  @Test
  void theManagersPlacementStartsAJobWhereItGetsTheMostCpu() {
    // Node 0 (speed 1) idle, node 1 (speed 4) running one job: the new job gets 1 there, 2 here.
    Workload w =
        new Workload(
            new double[] {1.0, 4.0},
            new long[] {4L << 30, 4L << 30},
            java.util.List.of(new SimJob(0, 0.0, 1, 1000, 1), new SimJob(1, 1.0, 0, 1000, 1)));
    SimConfig noBalancing =
        SimConfig.defaults().withPlacement(SimConfig.defaults().placement().withMaxMoves(0));
    SimResult r = new Simulator(w, Policy.ROAM_PLACED, noBalancing, 1).run();
    // Both on the fast node from the start: each gets 2 until the first ends, at 500 s.
    assertThat(r.makespan()).isCloseTo(500.0, within(1e-6));
    assertThat(r.migrations()).isZero();
  }

  @Test
  void aJobArrivingAtABusySlowNodeIsPassedOnUnstartedToAnIdleFastOne() {
    // Node 0 (speed 1) runs job 0; job 1 arrives there at 10 s, when gossip knows node 1 (speed 4)
    // is idle: it would get 1/2 here, 4 there. No balancing, so only forwarding can move it.
    Workload w =
        new Workload(
            new double[] {1.0, 4.0},
            new long[] {4L << 30, 4L << 30},
            java.util.List.of(new SimJob(0, 0.0, 0, 1000, 1), new SimJob(1, 10.0, 0, 1000, 1)));
    SimConfig forwarding =
        SimConfig.defaults().withPlacement(SimConfig.defaults().placement().withMaxMoves(0));
    Simulator sim = new Simulator(w, Policy.ROAM, forwarding, 1);
    SimResult r = sim.run();
    assertThat(sim.forwards()).isEqualTo(1);
    assertThat(r.migrations()).isZero();
    // Job 0 alone on node 0: 1000 s, slowdown 4. Job 1: 0.1 s on its way, then 250 s alone on
    // node 1.
    double forwardSeconds = forwarding.forwardSeconds();
    assertThat(r.meanSlowdown())
        .isCloseTo((4.0 + (forwardSeconds + 250.0) / 250.0) / 2, within(1e-6));

    Simulator without =
        new Simulator(w, Policy.ROAM, forwarding.withForward(ForwardConfig.off(), 0), 1);
    SimResult stayed = without.run();
    assertThat(without.forwards()).isZero();
    assertThat(stayed.meanSlowdown()).isGreaterThan(r.meanSlowdown() + 1);
  }

  @Test
  void forwardingLowersRoamsSlowdownForJobsStartedWhereTheyArrive() {
    Workload w = workload(32, 2000, 4);
    SimConfig config = SimConfig.defaults();
    Simulator with = new Simulator(w, Policy.ROAM, config, 1);
    SimResult forwarded = with.run();
    SimResult stayed =
        new Simulator(w, Policy.ROAM, config.withForward(ForwardConfig.off(), 0), 1).run();
    assertThat(forwarded.completed()).isEqualTo(2000);
    assertThat(with.forwards()).isPositive();
    assertThat(forwarded.meanSlowdown()).isLessThan(stayed.meanSlowdown());
  }

  @Test
  void gossipAgeFollowsTheWindowLaw() {
    GossipAgeExperiment.Result r = GossipAgeExperiment.run(128, 16, 200, 200, 1);
    assertThat(r.fillSteps()).isPositive();
    assertThat(r.measured()).isBetween(0.8 * (128.0 / 16 + 2), 1.3 * (128.0 / 16 + 2));
  }
}
