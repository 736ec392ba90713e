package io.roam.agent.recovery;

import io.roam.agent.jobs.JobSupervisor;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic checkpoints: the node running a job that asked for them ({@code gridctl run
 * --checkpoint-every}) checkpoints it once its latest checkpoint is older than its period, one job
 * at a time. After a migration the new node takes over, reading the same record.
 */
public final class PeriodicCheckpoints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeriodicCheckpoints.class);

  private final NodeId self;
  private final JobSupervisor jobs;
  private final GridStore store;
  private final Function<JobId, JobRecord> checkpoint;
  private final Clock clock;
  private volatile CheckpointStore kept;
  // The kept checkpoints are swept every this many ticks: ended jobs need no haste.
  private static final int SWEEP_EVERY_TICKS = 30;
  private long ticks;
  private final Map<JobId, Instant> lastTried = new java.util.HashMap<>();
  // Records of the jobs running here as last read (see needsReading).
  private final Map<JobId, JobRecord> known = new java.util.HashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("periodic-checkpoints"));

  /**
   * @param checkpoint takes a checkpoint of a job running here (blocking)
   */
  public PeriodicCheckpoints(
      JobSupervisor jobs, GridStore store, Function<JobId, JobRecord> checkpoint, Clock clock) {
    this.self = jobs.node();
    this.jobs = jobs;
    this.store = store;
    this.checkpoint = checkpoint;
    this.clock = clock;
  }

  /** Also drops, at each tick, the checkpoints kept here of jobs that have ended. */
  public PeriodicCheckpoints sweeping(CheckpointStore kept) {
    this.kept = kept;
    return this;
  }

  public PeriodicCheckpoints start(Duration every) {
    timer.scheduleWithFixedDelay(
        this::tick, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * The jobs running here whose checkpoint is due now: a pure choice over their records and when
   * each was last tried here (a job that cannot be checkpointed is tried once a period, not at
   * every tick).
   */
  static List<JobId> due(
      List<JobRecord> records,
      NodeId self,
      Set<JobId> runningHere,
      Map<JobId, Instant> lastTried,
      Instant now) {
    List<JobId> out = new ArrayList<>();
    for (JobRecord j : records) {
      if (j.checkpointEverySeconds() == null
          || j.state() != JobState.RUNNING
          || !j.node().equals(self)
          || !runningHere.contains(j.id())) {
        continue;
      }
      Instant since = j.checkpoint() != null ? j.checkpoint().takenAt() : j.startedAt();
      Instant tried = lastTried.get(j.id());
      if (tried != null && (since == null || tried.isAfter(since))) {
        since = tried;
      }
      if (since == null || !since.plusSeconds(j.checkpointEverySeconds()).isAfter(now)) {
        out.add(j.id());
      }
    }
    return out;
  }

  /**
   * Whether a tick must read the record of a job running here, given the record read before ({@code
   * null}: none yet, or it did not yet say the job runs here). A job's period is set when it is
   * created and never changes, and the instant its checkpoint falls due only moves later (a newer
   * checkpoint, a later start), so a record read once answers for every later tick until it says
   * the job is due: a job without a period is not read again while it runs here, one with a period
   * once it is due (the record then says whether a checkpoint was taken meanwhile).
   */
  static boolean needsReading(
      JobRecord known, NodeId self, Map<JobId, Instant> lastTried, Instant now) {
    if (known == null) {
      return true;
    }
    if (known.checkpointEverySeconds() == null) {
      return false;
    }
    return !due(List.of(known), self, Set.of(known.id()), lastTried, now).isEmpty();
  }

  private static boolean runsOn(JobRecord job, NodeId node) {
    return job.state() == JobState.RUNNING && job.node().equals(node);
  }

  private void tick() {
    List<JobId> ids;
    try {
      Set<JobId> here = jobs.runningIds();
      lastTried.keySet().retainAll(here);
      known.keySet().retainAll(here);
      Instant now = clock.instant();
      // Only the records of the jobs running here, and of those only the ones needed: a quiet
      // node reads none at all, where it read every job's each second.
      List<JobRecord> records = new ArrayList<>();
      for (JobId id : here) {
        JobRecord before = known.get(id);
        if (!needsReading(before, self, lastTried, now)) {
          records.add(before);
          continue;
        }
        store.job(id).map(v -> remember(v.value())).ifPresent(records::add);
      }
      ids = due(records, self, here, lastTried, now);
      if (++ticks % SWEEP_EVERY_TICKS == 0) {
        sweep();
      }
    } catch (StoreException e) {
      return;
    }
    for (JobId id : ids) {
      lastTried.put(id, clock.instant());
      try {
        JobRecord after = checkpoint.apply(id);
        if (after != null) {
          remember(after);
        }
      } catch (RuntimeException e) {
        // Tried again at the next tick; the job runs on.
        LOG.warn("periodic checkpoint of job {} not taken: {}", id, e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** Keeps {@code job} for later ticks once it says the job runs here; returns it. */
  private JobRecord remember(JobRecord job) {
    if (runsOn(job, self)) {
      known.put(job.id(), job);
    } else {
      known.remove(job.id());
    }
    return job;
  }

  private List<JobRecord> recordsOf(Set<JobId> ids) {
    List<JobRecord> out = new ArrayList<>();
    for (JobId id : ids) {
      store.job(id).ifPresent(v -> out.add(v.value()));
    }
    return out;
  }

  private void sweep() {
    CheckpointStore checkpoints = kept;
    if (checkpoints == null) {
      return;
    }
    try {
      Set<JobId> held = checkpoints.jobs();
      if (held.isEmpty()) {
        return;
      }
      Map<JobId, JobRecord> byId = new java.util.HashMap<>();
      recordsOf(held).forEach(r -> byId.put(r.id(), r));
      for (JobId id : CheckpointStore.stale(held, byId)) {
        checkpoints.drop(id);
        LOG.info("dropped the checkpoint of job {}: it has ended", id);
      }
    } catch (RuntimeException e) {
      LOG.warn("sweeping kept checkpoints: {}", e.toString());
    }
  }
}
