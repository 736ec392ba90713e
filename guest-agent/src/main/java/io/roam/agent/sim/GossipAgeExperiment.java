package io.roam.agent.sim;

import io.roam.agent.gossip.AgeTable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Gossip alone: N nodes, each step every node sends its window of W to one random peer (all windows
 * of a step are taken before any is delivered). Measures the mean age of the entries in every view,
 * once every view knows every node.
 */
public final class GossipAgeExperiment {
  private GossipAgeExperiment() {}

  /**
   * @param measured mean over steps and views of the mean entry age (steps)
   * @param maxAge the largest entry age seen in any view while measuring
   * @param fillSteps steps until every view knew every other node
   */
  public record Result(int nodes, int window, double measured, int maxAge, long fillSteps) {}

  public static Result run(int n, int w, int warmupSteps, int measureSteps, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Gossip gossip = new Gossip(n, w, Math.max(1, n - 1), Integer.MAX_VALUE / 2);
    Object[] payloads = new Object[n];
    Arrays.fill(payloads, "load");
    long fill = -1;
    double sum = 0;
    int maxAge = 0;
    for (int step = 1; step <= warmupSteps + measureSteps; step++) {
      gossip.step(payloads, random);
      if (fill < 0) {
        boolean full = true;
        for (int i = 0; i < n && full; i++) {
          full = gossip.table(i).size() == n - 1;
        }
        if (full) {
          fill = step;
        }
      }
      if (step > warmupSteps) {
        double stepSum = 0;
        for (int i = 0; i < n; i++) {
          AgeTable<Object> t = gossip.table(i);
          stepSum += (double) t.totalAge() / t.size();
          maxAge = Math.max(maxAge, t.oldestAge());
        }
        sum += stepSum / n;
      }
    }
    return new Result(n, w, sum / measureSteps, maxAge, fill);
  }

  /**
   * The law of this protocol (see docs/performance.md): an entry is refreshed about W/(N-1) times a
   * step, so the time since its last refresh averages (N-1)/W steps, to which adds the age the
   * refreshing entry already had: the mean age a(W) of a window on receipt. A window is the own
   * entry (age 0) and the sender's W-1 freshest, and the number of views that hold a measurement
   * doubles each step (push epidemic), so a view holds about 2^(k-1) entries of age k-1 that arrive
   * with age k: a(W) = (sum of k 2^(k-1) over the first W-1 of them) / W.
   */
  public static double windowLaw(int n, int w) {
    return (double) (n - 1) / w + windowAge(w);
  }

  /** The mean age, on receipt, of the entries of a window of W. */
  public static double windowAge(int w) {
    int left = w - 1;
    double sum = 0;
    for (int k = 1; left > 0; k++) {
      int count = Math.min(left, 1 << (k - 1));
      sum += (double) k * count;
      left -= count;
    }
    return sum / w;
  }

  /** The rough law of PERFORMANCE.md: N/W + 2 steps. */
  public static double roughLaw(int n, int w) {
    return (double) n / w + 2;
  }
}
