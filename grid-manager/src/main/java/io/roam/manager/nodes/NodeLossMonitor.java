package io.roam.manager.nodes;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node loss: once a job's node has been gone from the grid for longer than {@code grace} (its
 * ephemeral registration vanished and did not come back), the job is restarted from its latest
 * checkpoint on the node that keeps it, or recorded as LOST with the reason. Nothing is dropped
 * silently. The decision is {@link NodeLossPlanner}'s; this class reads the store, writes each
 * decision by compare-and-set (so two managers never restart a job twice) and asks the keeping
 * node's agent to restore.
 *
 * <p>The manager gives it a store whose listings come from its read model: a pass every two seconds
 * that read every job znode (10,000 reads for 10,000 jobs) kept a core busy on an idle grid. A
 * listing may then lag the store by a watch, so a node is checked against the store once more
 * before a job of it is restarted or lost.
 */
public final class NodeLossMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeLossMonitor.class);

  /** Asks a node's agent to restore a RESTARTING job from the checkpoint it keeps. */
  public interface Restorer {
    void restore(NodeRecord keeper, JobId job);
  }

  private final GridStore store;
  private final Restorer restorer;
  private final Clock clock;
  private final Duration grace;
  private final Duration askAgainAfter;
  private final Map<JobId, Instant> missingSince = new HashMap<>();
  private final Map<JobId, Instant> restoreAskedAt = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("node-loss"));
  private final ScheduledExecutorService restores =
      Executors.newScheduledThreadPool(2, DaemonThreads.named("node-loss-restore"));

  /**
   * @param grace how long a node must be gone before its jobs restart or are lost; longer than the
   *     agents' fencing time (see docs/design/checkpoint.md)
   * @param askAgainAfter how long to wait before asking a keeping node again to restore a job
   */
  public NodeLossMonitor(
      GridStore store, Restorer restorer, Clock clock, Duration grace, Duration askAgainAfter) {
    if (grace.isNegative() || askAgainAfter.isNegative() || askAgainAfter.isZero()) {
      throw new IllegalArgumentException("grace and askAgainAfter must be positive");
    }
    this.store = store;
    this.restorer = restorer;
    this.clock = clock;
    this.grace = grace;
    this.askAgainAfter = askAgainAfter;
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

  /** What one pass did. */
  public record Pass(int restarted, int lost, int waiting) {}

  /** One pass: decides, then writes each decision. */
  public synchronized Pass scan() {
    Map<NodeId, NodeRecord> live =
        store.nodes().stream().collect(Collectors.toMap(NodeRecord::id, Function.identity()));
    List<JobRecord> jobs = store.jobs();
    Instant now = clock.instant();
    List<NodeLossPlanner.Decision> decisions =
        NodeLossPlanner.decide(
            new NodeLossPlanner.Snapshot(jobs, live.keySet(), missingSince, restoreAskedAt, now),
            grace,
            askAgainAfter);
    Map<JobId, Instant> stillMissing = new HashMap<>();
    Map<NodeId, Boolean> gone = new HashMap<>();
    int restarted = 0;
    int lost = 0;
    int waiting = 0;
    for (NodeLossPlanner.Decision d : decisions) {
      if (d instanceof NodeLossPlanner.Wait w) {
        stillMissing.put(w.job(), w.since());
        waiting++;
      } else if (d instanceof NodeLossPlanner.Lost l) {
        if (gone.computeIfAbsent(l.gone(), this::stillGone)
            && apply(
                l.job(),
                j -> j.node().equals(l.gone()) && !j.state().terminal(),
                j -> j.ended(JobState.LOST, l.reason(), now))) {
          lost++;
          LOG.warn("job {} lost with node {}: {}", l.job(), l.gone(), l.reason());
        }
      } else if (d instanceof NodeLossPlanner.Restart r) {
        if (gone.computeIfAbsent(r.gone(), this::stillGone)
            && apply(
                r.job(),
                j ->
                    j.node().equals(r.gone())
                        && !j.state().terminal()
                        && r.checkpoint().equals(j.checkpoint()),
                j -> j.restartingOn(r.keeper(), r.reason()))) {
          restarted++;
          LOG.warn("job {}: {} on {}", r.job(), r.reason(), r.keeper());
          askRestore(live.get(r.keeper()), r.job(), now);
        }
      } else if (d instanceof NodeLossPlanner.AskRestore a) {
        askRestore(live.get(a.keeper()), a.job(), now);
      }
    }
    missingSince.clear();
    missingSince.putAll(stillMissing);
    Set<JobId> restarting =
        jobs.stream()
            .filter(j -> j.state() == JobState.RESTARTING)
            .map(JobRecord::id)
            .collect(Collectors.toSet());
    restoreAskedAt.keySet().retainAll(restarting);
    return new Pass(restarted, lost, waiting);
  }

  /**
   * Whether the node is still unregistered. The live nodes of a pass may come from a view that has
   * not yet seen a node register again; giving up on its jobs is not undone, so ask the store.
   */
  private boolean stillGone(NodeId node) {
    try {
      return store.node(node).isEmpty();
    } catch (StoreException e) {
      LOG.debug("node {}: not checked again: {}", node, e.getMessage());
      return false;
    }
  }

  /** Changes a job by compare-and-set if {@code when} holds; true if this call changed it. */
  private boolean apply(
      JobId id,
      java.util.function.Predicate<JobRecord> when,
      java.util.function.UnaryOperator<JobRecord> change) {
    AtomicBoolean changed = new AtomicBoolean();
    try {
      store.updateJob(
          id,
          j -> {
            // The last call decides: updateJob retries it after a lost compare-and-set.
            changed.set(when.test(j));
            return changed.get() ? change.apply(j) : j;
          });
    } catch (StoreException e) {
      LOG.warn("job {}: could not record the node loss decision: {}", id, e.getMessage());
      return false;
    }
    return changed.get();
  }

  /** Off the scan's thread: an agent may take a while to restore. */
  private void askRestore(NodeRecord keeper, JobId job, Instant now) {
    if (keeper == null) {
      return;
    }
    restoreAskedAt.put(job, now);
    restores.execute(
        () -> {
          try {
            restorer.restore(keeper, job);
          } catch (RuntimeException e) {
            // Asked again after askAgainAfter while the job stays RESTARTING on a live node.
            LOG.warn("node {} did not restore job {}: {}", keeper.id(), job, e.getMessage());
          }
        });
  }

  @Override
  public void close() {
    timer.shutdownNow();
    restores.shutdownNow();
  }
}
