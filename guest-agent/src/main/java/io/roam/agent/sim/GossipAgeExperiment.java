package io.roam.agent.sim;

import io.roam.agent.gossip.GossipConfig;
import io.roam.agent.gossip.GossipView;
import io.roam.agent.gossip.LoadEntry;
import io.roam.agent.gossip.Peers;
import io.roam.common.id.NodeId;
import java.util.ArrayList;
import java.util.List;
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
    GossipConfig config = new GossipConfig(w, Integer.MAX_VALUE / 2, Math.max(1, n - 1));
    GossipView[] views = new GossipView[n];
    for (int i = 0; i < n; i++) {
      views[i] = new GossipView(new LoadEntry(NodeId.of("n" + i), 0, 0, 1, 0, 0, 0), config);
    }
    List<List<LoadEntry>> windows = new ArrayList<>(n);
    long fill = -1;
    double sum = 0;
    int maxAge = 0;
    for (int step = 1; step <= warmupSteps + measureSteps; step++) {
      windows.clear();
      int[] peers = new int[n];
      for (int i = 0; i < n; i++) {
        views[i].tick();
        windows.add(views[i].window());
        peers[i] = Peers.pick(n, i, random);
      }
      for (int i = 0; i < n; i++) {
        views[peers[i]].merge(windows.get(i));
      }
      if (fill < 0) {
        boolean full = true;
        for (GossipView v : views) {
          full &= v.size() == n - 1;
        }
        if (full) {
          fill = step;
        }
      }
      if (step > warmupSteps) {
        double stepSum = 0;
        for (GossipView v : views) {
          stepSum += (double) v.totalAge() / v.size();
          maxAge = Math.max(maxAge, v.oldestAge());
        }
        sum += stepSum / n;
      }
    }
    return new Result(n, w, sum / measureSteps, maxAge, fill);
  }

  /** The rough law of PERFORMANCE.md: N/W + 2 steps. */
  public static double roughLaw(int n, int w) {
    return (double) n / w + 2;
  }
}
