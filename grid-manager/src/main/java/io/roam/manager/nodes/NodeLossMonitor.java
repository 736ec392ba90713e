package io.roam.manager.nodes;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node loss: a job whose node has been gone from the grid for longer than {@code grace} (its
 * ephemeral registration vanished, and did not come back after a reconnect) is recorded as LOST
 * with the reason. Nothing is dropped silently. (Restarting such jobs from a checkpoint comes with
 * periodic checkpoints.)
 */
public final class NodeLossMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeLossMonitor.class);

  private final GridStore store;
  private final Clock clock;
  private final Duration grace;
  private final Map<JobId, Instant> missingSince = new HashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "node-loss");
            t.setDaemon(true);
            return t;
          });

  public NodeLossMonitor(GridStore store, Clock clock, Duration grace) {
    this.store = store;
    this.clock = clock;
    this.grace = grace;
  }

  public NodeLossMonitor start(Duration every) {
    timer.scheduleWithFixedDelay(
        this::safeScan, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void safeScan() {
    try {
      scan();
    } catch (StoreException e) {
      LOG.debug("node loss scan skipped: {}", e.getMessage());
    }
  }

  /** One pass; returns how many jobs were marked lost. */
  public synchronized int scan() {
    Set<NodeId> live = store.nodes().stream().map(NodeRecord::id).collect(Collectors.toSet());
    Instant now = clock.instant();
    int lost = 0;
    Set<JobId> stillMissing = new java.util.HashSet<>();
    for (JobRecord job : store.jobs()) {
      if (job.state().terminal() || live.contains(job.node())) {
        continue;
      }
      stillMissing.add(job.id());
      Instant since = missingSince.computeIfAbsent(job.id(), id -> now);
      if (Duration.between(since, now).compareTo(grace) >= 0) {
        NodeId gone = job.node();
        JobRecord after =
            store.updateJob(
                job.id(),
                j ->
                    !j.state().terminal() && j.node().equals(gone)
                        ? j.ended(
                            JobState.LOST,
                            "node "
                                + gone
                                + " left the grid while the job ran there, and no checkpoint of it exists",
                            now)
                        : j);
        if (after.state() == JobState.LOST) {
          lost++;
          LOG.warn("job {} lost with node {}", job.id(), gone);
        }
        stillMissing.remove(job.id());
      }
    }
    missingSince.keySet().retainAll(stillMissing);
    return lost;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
