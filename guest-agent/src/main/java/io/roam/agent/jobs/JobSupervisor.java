package io.roam.agent.jobs;

import io.roam.agent.launch.AtomicFiles;
import io.roam.agent.launch.JobDir;
import io.roam.agent.launch.JobLauncher;
import io.roam.agent.launch.LaunchException;
import io.roam.agent.launch.LaunchedJob;
import io.roam.agent.launch.LiveProcess;
import io.roam.agent.launch.SurvivingJob;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.store.GridStore;
import io.roam.store.NotFoundException;
import io.roam.store.StoreException;
import io.roam.store.Versioned;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs running on this node: starts them, reaps them, and keeps their records in the store
 * (RUNNING once started, then EXITED with the code, KILLED or FAILED with the reason).
 */
public final class JobSupervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobSupervisor.class);
  private static final Duration KILL_GRACE = Duration.ofSeconds(5);
  private static final int STORE_RETRIES = 30;

  private final NodeId node;
  private final Path stateDir;
  private final JobLauncher launcher;
  private final GridStore store;
  private final Clock clock;
  private final Map<JobId, Running> running = new ConcurrentHashMap<>();
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("job-record-retry"));
  private volatile boolean closing;
  private volatile Consumer<JobRecord> onEnd = j -> {};

  public JobSupervisor(
      NodeId node, Path stateDir, JobLauncher launcher, GridStore store, Clock clock) {
    this.node = node;
    this.stateDir = stateDir;
    this.launcher = launcher;
    this.store = store;
    this.clock = clock;
  }

  private record Running(
      LaunchedJob handle,
      JobDir dir,
      AtomicBoolean killRequested,
      AtomicBoolean migrating,
      AtomicBoolean endedWhileMigrating) {
    Running(LaunchedJob handle, JobDir dir) {
      this(handle, dir, new AtomicBoolean(), new AtomicBoolean(), new AtomicBoolean());
    }
  }

  /** A running job handed over to a migration. */
  public record Migrating(JobId id, LaunchedJob handle, JobDir dir) {}

  /**
   * Starts a job the manager registered for this node.
   *
   * @throws JobConflictException if the job is not a pending job of this node
   * @throws LaunchException if it cannot start; its record then says FAILED and why
   */
  public JobRecord start(AgentLaunchRequest request) {
    if (closing) {
      throw new JobConflictException("node " + node + " is shutting down");
    }
    JobId id = request.job();
    Versioned<JobRecord> current =
        store.job(id).orElseThrow(() -> new NotFoundException("no job " + id + " in the grid"));
    JobRecord job = current.value();
    if (!job.node().equals(node) || job.state() != JobState.PENDING) {
      throw new JobConflictException(
          "job " + id + " is " + job.state() + " on " + job.node() + ", not pending on " + node);
    }
    if (!job.command().equals(request.command())) {
      throw new JobConflictException("job " + id + " was registered with another command");
    }
    JobDir dir = JobDir.of(stateDir, id);
    LaunchedJob handle;
    try {
      handle = launcher.launch(id, job.command(), dir);
    } catch (LaunchException e) {
      store.updateJob(id, j -> j.ended(JobState.FAILED, e.getMessage(), clock.instant()));
      throw e;
    }
    JobRecord started;
    try {
      // Only if the record still names this node: a node that passed the job on may have taken it
      // back meanwhile (its compare-and-set decides where the job starts, once).
      started =
          store.updateJob(
              id,
              j -> {
                if (!j.node().equals(node) || j.state() != JobState.PENDING) {
                  throw new JobConflictException(
                      "job " + id + " is " + j.state() + " on " + j.node() + " now");
                }
                return j.started(clock.instant());
              });
    } catch (JobConflictException e) {
      handle.kill(Duration.ZERO);
      throw e;
    } catch (RuntimeException e) {
      // Not recorded as running: do not leave an untracked process behind.
      handle.kill(Duration.ZERO);
      throw new LaunchException("job " + id + " started but could not be recorded: " + e, e);
    }
    Running entry = new Running(handle, dir);
    running.put(id, entry);
    remember(id, handle);
    // Registered only after RUNNING is stored, so the end can never be overwritten by the start.
    handle.onExit().whenComplete((v, err) -> ended(id, entry));
    LOG.info("job {} started (pid {}): {}", id, handle.pid(), job.command());
    return started;
  }

  /**
   * Stops a job running here.
   *
   * @throws NotFoundException if it is not running on this node
   */
  public void kill(JobId id) {
    Running entry = running.get(id);
    if (entry == null) {
      throw new NotFoundException("job " + id + " is not running on node " + node);
    }
    entry.killRequested.set(true);
    Thread killer = new Thread(() -> entry.handle.kill(KILL_GRACE), "kill-" + id);
    killer.setDaemon(true);
    killer.start();
  }

  /** Told of each end recorded here (for instance to send the job's files home). */
  public void onEnd(Consumer<JobRecord> listener) {
    this.onEnd = listener;
  }

  /** Tells the end listener of an end recorded here, also one recorded by recovery at start. */
  public void announceEnd(JobRecord done) {
    if (done.state().terminal() && done.node().equals(node)) {
      try {
        onEnd.accept(done);
      } catch (RuntimeException e) {
        LOG.warn("after the end of job {}: {}", done.id(), e.toString());
      }
    }
  }

  /** The job's directory if it has one on this node. */
  public Optional<JobDir> dir(JobId id) {
    JobDir dir = JobDir.of(stateDir, id);
    return Files.isDirectory(dir.root()) ? Optional.of(dir) : Optional.empty();
  }

  /**
   * At start: jobs the grid believes run here, but which this fresh agent does not run, did not
   * survive the node's restart (processes the earlier run left behind are killed). Those with a
   * checkpoint kept on another node restart there (RESTARTING); the others are recorded as LOST
   * with the reason, never left RUNNING.
   */
  public void forgetVanished() {
    for (JobRecord job : store.jobs()) {
      if (job.node().equals(node) && !job.state().terminal() && !running.containsKey(job.id())) {
        // Left running by the agent's earlier run: ended first, so that it runs nowhere twice.
        int orphans = io.roam.agent.launch.Orphans.kill(JobDir.of(stateDir, job.id()).root());
        if (orphans > 0) {
          LOG.warn(
              "job {}: killed {} process(es) left by this node's earlier run", job.id(), orphans);
        }
        store.updateJob(
            job.id(),
            j -> {
              if (!j.node().equals(node) || j.state().terminal() || running.containsKey(j.id())) {
                return j;
              }
              // A checkpoint kept on another node brings it back there (the manager asks it).
              if (j.checkpoint() != null && !j.checkpoint().keptOn().equals(node)) {
                return j.restartingOn(
                    j.checkpoint().keptOn(),
                    "restarting from the checkpoint of "
                        + j.checkpoint().takenAt()
                        + " after node "
                        + node
                        + " restarted");
              }
              return j.ended(
                  JobState.LOST,
                  "node " + node + " restarted and the job's processes did not survive",
                  clock.instant());
            });
        forget(job.id());
        LOG.warn("job {} was recorded on this node but did not survive its restart", job.id());
      }
    }
  }

  /**
   * At start, before {@link #forgetVanished}: jobs of this node whose processes outlived the
   * previous agent (they run in their own session and PID namespace) are supervised again; their
   * exit code is read from their {@code exit-status} file as usual. One that ended while no agent
   * ran gets that exit code recorded.
   *
   * @return the jobs taken over
   */
  public java.util.List<JobId> adoptSurvivors() {
    java.util.List<JobId> adopted = new java.util.ArrayList<>();
    for (JobId id : rememberedJobs()) {
      Optional<long[]> pids = remembered(id);
      if (running.containsKey(id) || pids.isEmpty()) {
        continue;
      }
      LiveProcess launcher = new LiveProcess(pids.get()[0], pids.get()[1]);
      SurvivingJob survivor = new SurvivingJob(launcher, pids.get()[2]);
      JobDir dir = JobDir.of(stateDir, id);
      Optional<JobRecord> job = store.job(id).map(Versioned::value);
      if (job.isEmpty()
          || job.get().state() != JobState.RUNNING
          || !job.get().node().equals(node)) {
        // The grid gave up on it meanwhile (LOST, killed, elsewhere): it must not run on here.
        if (launcher.alive()) {
          LOG.warn(
              "job {} outlived the previous agent but is {}; stopping it",
              id,
              job.map(j -> j.state() + " on " + j.node()).orElse("gone"));
          survivor.kill(Duration.ZERO);
        }
        forget(id);
      } else if (launcher.alive()) {
        supervise(id, survivor, dir);
        adopted.add(id);
        LOG.info("job {} outlived the previous agent and is supervised again", id);
      } else {
        Optional<Integer> code = readExitStatus(dir.exitStatus());
        if (code.isPresent()) {
          int exit = code.get();
          record(id, j -> j.exited(exit, clock.instant()), 0);
          forget(id);
        }
      }
    }
    return adopted;
  }

  private java.util.List<JobId> rememberedJobs() {
    Path notes = stateDir.resolve("running-jobs");
    if (!Files.isDirectory(notes)) {
      return java.util.List.of();
    }
    try (var files = Files.list(notes)) {
      java.util.List<JobId> out = new java.util.ArrayList<>();
      for (Path f : files.toList()) {
        try {
          out.add(JobId.of(f.getFileName().toString()));
        } catch (IllegalArgumentException e) {
          // not a note (e.g. a temporary file)
        }
      }
      return out;
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", notes, e.toString());
      return java.util.List.of();
    }
  }

  /** Takes over a job that survived the previous agent (found by a recovery, resumed by it). */
  public void adoptSurvivor(JobId id, LaunchedJob handle) {
    supervise(id, handle, JobDir.of(stateDir, id));
    LOG.info("job {} is supervised again (pid {})", id, handle.pid());
  }

  private void supervise(JobId id, LaunchedJob handle, JobDir dir) {
    Running entry = new Running(handle, dir);
    running.put(id, entry);
    remember(id, handle);
    handle.onExit().whenComplete((v, err) -> ended(id, entry));
  }

  /**
   * Notes where a running job's processes are (launcher PID and start time, root PID), outside its
   * directory (which travels with it), so that a restarted agent can find them.
   */
  private void remember(JobId id, LaunchedJob handle) {
    try {
      Optional<LiveProcess> launcher = LiveProcess.of(handle.pid());
      if (launcher.isPresent()) {
        AtomicFiles.write(
            pidFile(id),
            launcher.get().pid()
                + " "
                + launcher.get().startTicks()
                + " "
                + handle.rootPid()
                + "\n");
      }
    } catch (IOException | IllegalStateException e) {
      LOG.warn("cannot note the processes of job {}: {}", id, e.toString());
    }
  }

  private Optional<long[]> remembered(JobId id) {
    try {
      String[] f = Files.readString(pidFile(id), StandardCharsets.US_ASCII).trim().split("\\s+");
      return Optional.of(
          new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])});
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      LOG.warn("unreadable process note of job {}: {}", id, e.toString());
      return Optional.empty();
    }
  }

  /** Drops the note of a job's processes: they no longer run here. */
  public void forget(JobId id) {
    try {
      AtomicFiles.delete(pidFile(id));
    } catch (IOException e) {
      LOG.warn("cannot remove the process note of job {}: {}", id, e.toString());
    }
  }

  private Path pidFile(JobId id) {
    return stateDir.resolve("running-jobs").resolve(id.value());
  }

  /** Root PIDs of the jobs running here and not migrating. */
  public java.util.Map<JobId, Long> runningRoots() {
    java.util.Map<JobId, Long> out = new java.util.HashMap<>();
    running.forEach(
        (id, entry) -> {
          if (!entry.migrating.get()) {
            try {
              out.put(id, entry.handle.rootPid());
            } catch (IllegalStateException e) {
              // ending right now
            }
          }
        });
    return out;
  }

  /** Host PID of a running job's first process (the root of its tree). */
  public Optional<Long> rootPid(JobId id) {
    Running entry = running.get(id);
    return entry == null ? Optional.empty() : Optional.of(entry.handle.rootPid());
  }

  public boolean isRunning(JobId id) {
    return running.containsKey(id);
  }

  public int runningCount() {
    return running.size();
  }

  /**
   * Hands a running job to a migration: until {@link #migrationAborted} or {@link #migratedAway},
   * its end is not recorded here (the migration decides where it lives).
   *
   * @throws NotFoundException if it does not run here
   * @throws JobConflictException if it is migrating already, or being killed
   */
  public Migrating beginMigration(JobId id) {
    Running entry = running.get(id);
    if (entry == null) {
      throw new NotFoundException("job " + id + " is not running on node " + node);
    }
    if (entry.killRequested.get()) {
      throw new JobConflictException("job " + id + " is being killed");
    }
    if (!entry.migrating.compareAndSet(false, true)) {
      throw new JobConflictException("job " + id + " is migrating already");
    }
    return new Migrating(id, entry.handle, entry.dir);
  }

  /** The migration failed and the job runs on here (or ended meanwhile: then that is recorded). */
  public void migrationAborted(JobId id) {
    Running entry = running.get(id);
    if (entry != null && entry.migrating.compareAndSet(true, false)) {
      if (entry.endedWhileMigrating.get()) {
        ended(id, entry);
      }
    }
  }

  /** The job runs elsewhere now: forget it, stop what is left of it here, remove its files. */
  public void migratedAway(JobId id) {
    Running entry = running.remove(id);
    if (entry != null) {
      entry.handle.kill(Duration.ZERO);
      JobDir.deleteTree(entry.dir.root());
    }
    forget(id);
  }

  /**
   * Fencing: kills a job here without recording its end, because the grid may restart it elsewhere
   * from its checkpoint (this node lost its ZooKeeper session). Its files stay for inspection.
   *
   * @return whether it ran here
   */
  public boolean fence(JobId id) {
    Running entry = running.remove(id);
    if (entry == null) {
      return false;
    }
    // Its end is not this node's to record any more (ended() sees it gone from running).
    entry.handle.kill(Duration.ZERO);
    LOG.warn("job {} fenced: killed here, its record is left for the grid to decide", id);
    return true;
  }

  /** Jobs running here (migrating ones included). */
  public java.util.Set<JobId> runningIds() {
    return java.util.Set.copyOf(running.keySet());
  }

  /** Takes over a job that arrived by migration and runs here now. */
  public void adopt(JobId id, LaunchedJob handle) {
    supervise(id, handle, JobDir.of(stateDir, id));
    LOG.info("job {} arrived and runs here (pid {})", id, handle.pid());
  }

  public Path stateDir() {
    return stateDir;
  }

  public NodeId node() {
    return node;
  }

  private void ended(JobId id, Running entry) {
    if (entry.migrating.get()) {
      entry.endedWhileMigrating.set(true);
      return;
    }
    if (running.get(id) != entry) {
      return; // migrated away: its end is recorded where it runs now
    }
    boolean killed = entry.killRequested.get();
    Optional<Integer> code = readExitStatus(entry.dir.exitStatus());
    UnaryOperator<JobRecord> change;
    if (killed || closing) {
      String why = closing && !killed ? "node " + node + " shut down" : "killed on request";
      change = j -> j.ended(JobState.KILLED, why, clock.instant());
    } else if (code.isPresent()) {
      int exit = code.get();
      change = j -> j.exited(exit, clock.instant());
    } else {
      change =
          j ->
              j.ended(
                  JobState.FAILED,
                  "the job's processes ended without recording an exit status",
                  clock.instant());
    }
    record(id, change, 0);
    if (running.remove(id, entry)) {
      forget(id);
    }
  }

  /** Writes a job's end, retrying while the store is unreachable: an end is never dropped. */
  private void record(JobId id, UnaryOperator<JobRecord> change, int attempt) {
    try {
      JobRecord done =
          store.updateJob(
              id, j -> j.node().equals(node) && !j.state().terminal() ? change.apply(j) : j);
      LOG.info(
          "job {} ended: {} {}", id, done.state(), done.exitCode() == null ? "" : done.exitCode());
      announceEnd(done);
    } catch (NotFoundException e) {
      LOG.warn("job {} ended but has no record any more", id);
    } catch (StoreException e) {
      if (attempt >= STORE_RETRIES || retries.isShutdown()) {
        LOG.error("could not record the end of job {}: {}", id, e.getMessage());
        return;
      }
      retries.schedule(() -> record(id, change, attempt + 1), 2, TimeUnit.SECONDS);
    }
  }

  static Optional<Integer> readExitStatus(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
      return text.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(text));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | NumberFormatException e) {
      LOG.warn("unreadable exit status {}: {}", file, e.toString());
      return Optional.empty();
    }
  }

  /**
   * Forgets every job without touching it or its record, as a killed agent leaves them: for tests
   * of what a restarted agent does.
   */
  void abandon() {
    closing = true;
    running.clear();
    retries.shutdownNow();
  }

  /** Stops every job of this node (they are recorded as KILLED) and waits for them to end. */
  @Override
  public void close() {
    closing = true;
    running.values().forEach(r -> r.handle.kill(Duration.ofSeconds(1)));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!running.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    retries.shutdownNow();
  }
}
