package io.roam.agent.recovery;

import io.roam.agent.jobs.JobSupervisor;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.JobCheckpoint;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fencing: when this node has been cut off from ZooKeeper for a session timeout, the grid may soon
 * restart its checkpointed jobs elsewhere (the manager waits a longer grace, see
 * docs/design/checkpoint.md), so the node kills every job whose checkpoint is kept on another node
 * first. Its end is not recorded: once the node is back, it hands those jobs to the node that keeps
 * their checkpoint (RESTARTING), unless the grid has decided about them already.
 *
 * <p>Which jobs have a checkpoint elsewhere is learnt while connected (each remote checkpoint taken
 * here, and a periodic read of the records), since nothing can be read once cut off.
 */
public final class Fencing implements ConnectionStateListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Fencing.class);

  private final NodeId self;
  private final JobSupervisor jobs;
  private final GridStore store;
  private final Duration sessionTimeout;
  private final Set<JobId> checkpointedElsewhere = ConcurrentHashMap.newKeySet();
  private final Set<JobId> fenced = ConcurrentHashMap.newKeySet();
  // Fencing never waits behind a store call (those block, retrying, while cut off).
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("fencing"));
  private final ScheduledExecutorService learner =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("fencing-learn"));
  private ScheduledFuture<?> pending;

  public Fencing(JobSupervisor jobs, GridStore store, Duration sessionTimeout) {
    this.self = jobs.node();
    this.jobs = jobs;
    this.store = store;
    this.sessionTimeout = sessionTimeout;
  }

  /** Starts learning which jobs to fence, every {@code every}. */
  public Fencing start(CuratorFramework client, Duration every) {
    client.getConnectionStateListenable().addListener(this);
    learner.scheduleWithFixedDelay(this::refresh, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** A checkpoint of {@code id} is now kept on another node. */
  public void keptElsewhere(JobId id) {
    checkpointedElsewhere.add(id);
  }

  /** A job arrived here by migration: learn at once whether its checkpoint lies elsewhere. */
  public void arrived(JobId id) {
    learner.execute(
        () -> {
          try {
            store
                .job(id)
                .map(v -> v.value().checkpoint())
                .filter(cp -> !cp.keptOn().equals(self))
                .ifPresent(cp -> checkpointedElsewhere.add(id));
          } catch (StoreException e) {
            // the periodic refresh learns it
          }
        });
  }

  /** The jobs this node would fence now. */
  public Set<JobId> wouldFence() {
    Set<JobId> running = jobs.runningIds();
    return checkpointedElsewhere.stream()
        .filter(running::contains)
        .collect(java.util.stream.Collectors.toSet());
  }

  private void refresh() {
    try {
      Set<JobId> running = jobs.runningIds();
      // Only the records of the jobs running here: a pass reads O(jobs here), not every job of
      // the grid (10,000 znode reads every two seconds per node loaded the ZooKeeper server).
      for (JobId id : running) {
        JobCheckpoint cp = store.job(id).map(v -> v.value().checkpoint()).orElse(null);
        if (cp != null && !cp.keptOn().equals(self)) {
          checkpointedElsewhere.add(id);
        }
      }
      checkpointedElsewhere.retainAll(running);
      if (!fenced.isEmpty()) {
        handOver();
      }
    } catch (StoreException | IllegalStateException e) {
      // Cut off: the last list learnt stands.
    }
  }

  @Override
  public synchronized void stateChanged(CuratorFramework client, ConnectionState state) {
    switch (state) {
      case SUSPENDED -> {
        // Counted from when this node noticed; the server expires the session no earlier than a
        // session timeout after it last heard from the node, which is before this moment.
        if (pending == null) {
          pending = timer.schedule(this::fence, sessionTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
      case LOST -> {
        cancel();
        timer.execute(this::fence);
      }
      case RECONNECTED, CONNECTED -> {
        cancel();
        if (!fenced.isEmpty()) {
          learner.execute(this::handOver);
        }
      }
      default -> {}
    }
  }

  private void cancel() {
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
  }

  /** Kills the jobs whose checkpoint is kept elsewhere. */
  void fence() {
    synchronized (this) {
      pending = null;
    }
    Set<JobId> now = new java.util.HashSet<>();
    for (JobId id : wouldFence()) {
      if (jobs.fence(id)) {
        fenced.add(id);
        now.add(id);
      }
    }
    if (!now.isEmpty()) {
      LOG.warn("node {} cut off from ZooKeeper: fenced jobs {}", self, now);
    }
  }

  /** Back in touch: a fenced job the grid has not decided about restarts where it is kept. */
  private void handOver() {
    for (JobId id : Set.copyOf(fenced)) {
      try {
        store.updateJob(
            id,
            j ->
                j.node().equals(self)
                        && !j.state().terminal()
                        && j.checkpoint() != null
                        && !j.checkpoint().keptOn().equals(self)
                    ? j.restartingOn(
                        j.checkpoint().keptOn(),
                        "restarting from the checkpoint of "
                            + j.checkpoint().takenAt()
                            + " after node "
                            + self
                            + " lost its ZooKeeper session")
                    : j);
        fenced.remove(id);
        checkpointedElsewhere.remove(id);
      } catch (StoreException e) {
        LOG.debug("job {}: hand-over after fencing waits: {}", id, e.getMessage());
        return;
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    learner.shutdownNow();
  }
}
