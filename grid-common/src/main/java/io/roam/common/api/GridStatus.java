package io.roam.common.api;

import io.roam.common.model.JobState;
import java.util.Map;

/**
 * A summary of the whole grid, for {@code gridctl status}.
 *
 * @param zookeeper the connect string the manager uses
 * @param jobs how many jobs are in each state
 */
public record GridStatus(
    String grid, String zookeeper, int clusters, int nodes, Map<JobState, Integer> jobs) {
  public GridStatus {
    jobs = Map.copyOf(jobs);
  }
}
