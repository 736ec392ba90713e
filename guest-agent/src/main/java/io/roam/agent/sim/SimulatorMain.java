package io.roam.agent.sim;

import io.roam.agent.placement.ForwardConfig;
import io.roam.agent.placement.PlacementConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** Benchmarks of the balancer and the gossip, in the simulator. See guest-agent/README.md. */
public final class SimulatorMain {
  private SimulatorMain() {}

  public static void main(String[] args) {
    Locale.setDefault(Locale.ROOT);
    if (args.length == 0) {
      usage();
      return;
    }
    Args a = new Args(Arrays.copyOfRange(args, 1, args.length));
    switch (args[0]) {
      case "balance" -> balance(a);
      case "age" -> age(a);
      case "scale" -> scale(a);
      default -> usage();
    }
  }

  private static void usage() {
    System.out.println(
        """
        usage: SimulatorMain balance [--nodes 16,64,256] [--seeds 5] [--jobs 10000] [--util 0.8] [--window 20]
                                     [--minrem S] [--remfactor F] [--residence S] [--mingain S] [--ratio R]
                                     [--spread R] [--agepen L] [--maxmoves N] [--candidates 0] [--onarrival true]
                                     [--rate MiB/s] [--fixed S (per migration)]
                                     [--fwdratio R] [--hops N (0 = no forwarding)] [--probes K] [--fwdsec S (per hop)]
                 thresholds not given are the agent's (PlacementConfig.defaults(), printed on the second line)
               SimulatorMain age [--nodes 64,1024,1024] [--windows 20,20,64] [--seeds 3] [--steps 2000]
               SimulatorMain scale [--nodes 10000] [--jobs 100000] [--window 20] [--steps 300]
                                   [--capacity 256] [--candidates 40] [--period 10]""");
  }

  private static void balance(Args a) {
    int[] sizes = a.ints("nodes", "16,64,256");
    int seeds = a.integer("seeds", 5);
    int jobCount = a.integer("jobs", 10_000);
    double util = a.dbl("util", 0.8);
    int window = a.integer("window", 20);
    SimConfig config = balanceConfig(a, window);
    System.out.printf(
        "# balance: jobs=%d utilisation=%.2f window=%d seeds=%d%n# %s%n",
        jobCount, util, window, seeds, config);
    System.out.println(
        "| N | policy | mean slowdown (median) | makespan s (median) | migrations (median) |"
            + " slowdown / no-migration | slowdown / omniscient |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (int n : sizes) {
      Policy[] policies = Policy.values();
      double[][] slow = new double[policies.length][seeds];
      double[][] span = new double[policies.length][seeds];
      double[][] migr = new double[policies.length][seeds];
      for (int s = 0; s < seeds; s++) {
        Workload w =
            Workload.generate(
                Workload.Spec.standard(n, jobCount).withUtilisation(util),
                new SplittableRandom(1000L * n + s));
        for (int p = 0; p < policies.length; p++) {
          SimResult r = new Simulator(w, policies[p], config, 7L * s + 1).run();
          slow[p][s] = r.meanSlowdown();
          span[p][s] = r.makespan();
          migr[p][s] = r.migrations();
        }
      }
      for (int p = 0; p < policies.length; p++) {
        double[] vsNone = new double[seeds];
        double[] vsOmni = new double[seeds];
        for (int s = 0; s < seeds; s++) {
          vsNone[s] = slow[p][s] / slow[Policy.NONE.ordinal()][s];
          vsOmni[s] = slow[p][s] / slow[Policy.OMNISCIENT.ordinal()][s];
        }
        System.out.printf(
            "| %d | %s | %.2f | %.0f | %.0f | %.3f | %.3f |%n",
            n,
            policies[p].name().toLowerCase(Locale.ROOT),
            median(slow[p]),
            median(span[p]),
            median(migr[p]),
            median(vsNone),
            median(vsOmni));
      }
      System.out.flush();
    }
  }

  /**
   * The Roam configuration of the balance benchmark: the agent's own thresholds ({@link
   * PlacementConfig#defaults()}), each overridden only by its command-line option.
   */
  static SimConfig balanceConfig(Args a, int window) {
    PlacementConfig d = PlacementConfig.defaults();
    PlacementConfig p =
        d.withRemaining(
                a.dbl("minrem", d.minRemainingSeconds()), a.dbl("remfactor", d.remainingFactor()))
            .withMinResidence(
                Duration.ofMillis(
                    (long) (1000 * a.dbl("residence", d.minResidence().toMillis() / 1000.0))))
            .withGain(a.dbl("mingain", d.minGainSeconds()), a.dbl("ratio", d.minGainRatio()))
            .withSpread(a.dbl("spread", d.spread()))
            .withLoadPerAgeStep(a.dbl("agepen", d.loadPerAgeStep()))
            .withMaxMoves(a.integer("maxmoves", d.maxMovesPerPlan()))
            .withTransfer(
                a.dbl("rate", d.transferBytesPerSecond() / (1024 * 1024)) * 1024 * 1024,
                a.dbl("fixed", d.fixedCostSeconds()));
    return SimConfig.defaults()
        .withGossip(SimConfig.defaults().gossip().withWindow(window))
        .withPlacement(p)
        .withBalancing(1, a.integer("candidates", 0))
        .withBalanceOnArrival(Boolean.parseBoolean(a.get("onarrival", "true")))
        .withForward(
            new ForwardConfig(
                a.dbl("fwdratio", ForwardConfig.defaults().minGainRatio()),
                a.integer("hops", ForwardConfig.defaults().maxHops()),
                a.integer("probes", ForwardConfig.defaults().probes())),
            a.dbl("fwdsec", SimConfig.defaults().forwardSeconds()));
  }

  private static void age(Args a) {
    int[] sizes = a.ints("nodes", "64,1024,1024");
    int[] windows = a.ints("windows", "20,20,64");
    int seeds = a.integer("seeds", 3);
    int steps = a.integer("steps", 2000);
    System.out.println(
        "| N | W | measured mean age (median of seeds) | N/W + 2 | measured / (N/W + 2) |"
            + " (N-1)/W + a(W) | measured / ((N-1)/W + a(W)) | max age seen | steps until all"
            + " know all |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (int i = 0; i < sizes.length; i++) {
      int n = sizes[i];
      int w = windows[i];
      double[] ages = new double[seeds];
      int maxAge = 0;
      long fill = 0;
      for (int s = 0; s < seeds; s++) {
        int warmup = 10 * n / w + 100;
        GossipAgeExperiment.Result r = GossipAgeExperiment.run(n, w, warmup, steps, s + 1);
        ages[s] = r.measured();
        maxAge = Math.max(maxAge, r.maxAge());
        fill = Math.max(fill, r.fillSteps());
      }
      double rough = GossipAgeExperiment.roughLaw(n, w);
      double law = GossipAgeExperiment.windowLaw(n, w);
      double m = median(ages);
      System.out.printf(
          "| %d | %d | %.2f | %.1f | %.3f | %.2f | %.3f | %d | %d |%n",
          n, w, m, rough, m / rough, law, m / law, maxAge, fill);
      System.out.flush();
    }
  }

  private static void scale(Args a) {
    int n = a.integer("nodes", 10_000);
    int jobCount = a.integer("jobs", 100_000);
    int window = a.integer("window", 20);
    int steps = a.integer("steps", 300);
    int capacity = a.integer("capacity", 256);
    int candidates = a.integer("candidates", 40);
    int period = a.integer("period", 10);
    int warmup = a.integer("warmup", 100);
    // Every job is submitted at time 0 and runs far longer than the simulated span.
    Workload.Spec spec =
        Workload.Spec.standard(n, jobCount).withUtilisation(1e9).withWork(1.1, 1e5, 1e7);
    Workload w = Workload.generate(spec, new SplittableRandom(42));
    SimConfig config =
        SimConfig.defaults()
            .withGossip(SimConfig.defaults().gossip().withWindow(window).withCapacity(capacity))
            .withBalancing(period, candidates);
    // The warm-up run is the same simulation, shorter: it lets the JIT compile the hot paths.
    new Simulator(w, Policy.ROAM, config.withMaxSteps(warmup), 1).run();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Simulator sim = new Simulator(w, Policy.ROAM, config.withMaxSteps(steps), 1);
    long cpuStart = threads.getCurrentThreadCpuTime();
    long start = System.nanoTime();
    SimResult r = sim.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
    int[] perNode = sim.jobsPerNode();
    int max = Arrays.stream(perNode).max().orElse(0);
    System.out.println(
        "| nodes | processes | W | view capacity | candidates | balance period | steps | wall s |"
            + " steps/s wall | CPU s (sim thread) | steps/CPU s | migrations | max jobs on a node |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    System.out.printf(
        "| %d | %d | %d | %d | %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %d | %d |%n",
        n,
        jobCount,
        window,
        capacity,
        candidates,
        period,
        r.steps(),
        seconds,
        r.steps() / seconds,
        cpu,
        r.steps() / cpu,
        r.migrations(),
        max);
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }

  /** --name value pairs. */
  static final class Args {
    private final List<String> args;

    Args(String[] args) {
      this.args = new ArrayList<>(List.of(args));
    }

    String get(String name, String fallback) {
      int i = args.indexOf("--" + name);
      return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : fallback;
    }

    int integer(String name, int fallback) {
      return Integer.parseInt(get(name, Integer.toString(fallback)));
    }

    double dbl(String name, double fallback) {
      return Double.parseDouble(get(name, Double.toString(fallback)));
    }

    int[] ints(String name, String fallback) {
      return Arrays.stream(get(name, fallback).split(",")).mapToInt(Integer::parseInt).toArray();
    }
  }
}
