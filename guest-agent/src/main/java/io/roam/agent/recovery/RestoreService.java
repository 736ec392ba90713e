package io.roam.agent.recovery;

import io.roam.agent.jobs.JobConflictException;
import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.launch.LaunchedJob;
import io.roam.agent.migration.CheckpointPort;
import io.roam.agent.migration.Signals;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.store.GridStore;
import io.roam.store.NotFoundException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keeping node's side of a restart after node loss: a job the manager marked RESTARTING on this
 * node is restored from the checkpoint kept here. The checkpoint stays (a copy is restored), so the
 * job can be restarted from it again.
 */
public final class RestoreService {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreService.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final NodeId self;
  private final JobSupervisor jobs;
  private final CheckpointPort checkpoint;
  private final GridStore store;
  private final CheckpointStore kept;
  private final Clock clock;

  public RestoreService(
      JobSupervisor jobs,
      CheckpointPort checkpoint,
      GridStore store,
      CheckpointStore kept,
      Clock clock) {
    this.self = jobs.node();
    this.jobs = jobs;
    this.checkpoint = checkpoint;
    this.store = store;
    this.kept = kept;
    this.clock = clock;
  }

  /**
   * Restores a RESTARTING job of this node from its checkpoint; returns once it runs (at once if it
   * runs here already). If it cannot be restored, its record says LOST and why.
   *
   * @throws NotFoundException if there is no such job
   * @throws JobConflictException if it is not restarting here, or could not be restored
   */
  public synchronized JobRecord restore(JobId id) {
    JobRecord job =
        store
            .job(id)
            .map(v -> v.value())
            .orElseThrow(() -> new NotFoundException("no job " + id + " in the grid"));
    if (jobs.isRunning(id) && job.node().equals(self) && job.state() == JobState.RUNNING) {
      return job;
    }
    if (job.state() != JobState.RESTARTING || !job.node().equals(self)) {
      throw new JobConflictException(
          "job " + id + " is " + job.state() + " on " + job.node() + ", not restarting on " + self);
    }
    String from = "the checkpoint of " + job.checkpoint().takenAt();
    Optional<CheckpointStore.Kept> k = kept.latest(id);
    if (k.isEmpty()) {
      throw lost(id, "node " + self + " no longer keeps " + from);
    }
    JobDir dir = JobDir.of(jobs.stateDir(), id);
    Path work =
        jobs.stateDir()
            .resolve("restoring")
            .resolve(id.value() + "-" + Long.toHexString(RANDOM.nextLong() >>> 1));
    LaunchedJob restored = null;
    boolean running = false;
    try {
      JobDir.deleteTree(dir.root());
      CheckpointStore.copyTree(k.get().job(), dir.root());
      CheckpointStore.copyTree(k.get().images(), work.resolve(CheckpointStore.IMAGES));
      restored = checkpoint.restore(work.resolve(CheckpointStore.IMAGES), dir.root());
      // The commit point, as in a migration: the job runs once its record says it runs here.
      String why = job.reason() == null ? "restarted from " + from : restartedReason(job.reason());
      AtomicBoolean ours = new AtomicBoolean();
      store.updateJob(
          id,
          j -> {
            ours.set(j.state() == JobState.RESTARTING && j.node().equals(self));
            return ours.get() ? j.restarted(why) : j;
          });
      if (!ours.get()) {
        throw new JobConflictException("job " + id + " was decided otherwise meanwhile");
      }
      jobs.adopt(id, restored);
      Signals.resume(restored.rootPid());
      running = true;
      LOG.info("job {} {}", id, why);
      return store.job(id).map(v -> v.value()).orElseThrow();
    } catch (CheckpointPort.CheckpointFailure | IOException e) {
      throw lost(id, "could not restore from " + from + " on " + self + ": " + e.getMessage());
    } finally {
      if (!running) {
        if (restored != null) {
          restored.kill(Duration.ZERO);
        }
        JobDir.deleteTree(dir.root());
      }
      JobDir.deleteTree(work);
    }
  }

  /** "restarting from X after Y" becomes "restarted from X after Y". */
  static String restartedReason(String restarting) {
    return restarting.startsWith("restarting ")
        ? "restarted " + restarting.substring("restarting ".length())
        : "restarted: " + restarting;
  }

  private JobConflictException lost(JobId id, String why) {
    store.updateJob(
        id,
        j ->
            j.state() == JobState.RESTARTING && j.node().equals(self)
                ? j.ended(JobState.LOST, why, clock.instant())
                : j);
    LOG.warn("job {} lost: {}", id, why);
    return new JobConflictException(why);
  }
}
