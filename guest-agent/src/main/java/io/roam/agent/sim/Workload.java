package io.roam.agent.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A simulated grid and what is submitted to it: node speeds and memories, and a stream of CPU-bound
 * jobs with bounded-Pareto run times, arriving as a Poisson process at nodes drawn uniformly.
 */
public record Workload(double[] speeds, long[] memories, List<SimJob> jobs) {

  /** Parameters of a workload. */
  public record Spec(
      int nodes,
      double minSpeed,
      double maxSpeed,
      long nodeMemoryBytes,
      int jobCount,
      double utilisation,
      double paretoAlpha,
      double minWork,
      double maxWork,
      long minJobMemory,
      long maxJobMemory) {

    public static Spec standard(int nodes, int jobCount) {
      return new Spec(
          nodes, 1.0, 4.0, 4L << 30, jobCount, 0.8, 1.1, 10, 10_000, 16L << 20, 256L << 20);
    }

    public Spec withUtilisation(double u) {
      return new Spec(
          nodes,
          minSpeed,
          maxSpeed,
          nodeMemoryBytes,
          jobCount,
          u,
          paretoAlpha,
          minWork,
          maxWork,
          minJobMemory,
          maxJobMemory);
    }

    public Spec withWork(double alpha, double min, double max) {
      return new Spec(
          nodes,
          minSpeed,
          maxSpeed,
          nodeMemoryBytes,
          jobCount,
          utilisation,
          alpha,
          min,
          max,
          minJobMemory,
          maxJobMemory);
    }

    /** Mean of the bounded Pareto run time. */
    public double meanWork() {
      double a = paretoAlpha;
      double l = minWork;
      double h = maxWork;
      if (Math.abs(a - 1) < 1e-9) {
        return Math.log(h / l) * l * h / (h - l);
      }
      return Math.pow(l, a)
          / (1 - Math.pow(l / h, a))
          * a
          / (a - 1)
          * (Math.pow(l, 1 - a) - Math.pow(h, 1 - a));
    }
  }

  /** Draws a workload; equal specs and seeds give equal workloads. */
  public static Workload generate(Spec spec, RandomGenerator random) {
    double[] speeds = new double[spec.nodes()];
    long[] memories = new long[spec.nodes()];
    double capacity = 0;
    for (int i = 0; i < speeds.length; i++) {
      speeds[i] = spec.minSpeed() + random.nextDouble() * (spec.maxSpeed() - spec.minSpeed());
      memories[i] = spec.nodeMemoryBytes();
      capacity += speeds[i];
    }
    double rate = spec.utilisation() * capacity / spec.meanWork();
    List<SimJob> jobs = new ArrayList<>(spec.jobCount());
    double t = 0;
    for (int j = 0; j < spec.jobCount(); j++) {
      t += -Math.log(1 - random.nextDouble()) / rate;
      int origin = random.nextInt(spec.nodes());
      double work = boundedPareto(spec, random.nextDouble());
      long memory =
          spec.minJobMemory()
              + (long) (random.nextDouble() * (spec.maxJobMemory() - spec.minJobMemory()));
      jobs.add(new SimJob(j, t, origin, work, memory));
    }
    return new Workload(speeds, memories, jobs);
  }

  /** Inverse CDF of the bounded Pareto distribution. */
  static double boundedPareto(Spec spec, double u) {
    double a = spec.paretoAlpha();
    double la = Math.pow(spec.minWork(), a);
    double ha = Math.pow(spec.maxWork(), a);
    return Math.pow(-(u * ha - u * la - ha) / (ha * la), -1.0 / a);
  }
}
