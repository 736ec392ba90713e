package io.roam.agent.migration;

import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.launch.LaunchedJob;
import io.roam.agent.launch.LiveProcess;
import io.roam.agent.launch.SurvivingJob;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run once when an agent starts, before it takes new work: finishes or undoes the migrations its
 * previous run died in the middle of, as {@link RecoveryDecision} says from the job's record.
 */
public final class MigrationRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(MigrationRecovery.class);

  private final JobSupervisor jobs;
  private final CheckpointPort checkpoint;
  private final GridStore store;
  private final Clock clock;
  private final IntentJournal journal;
  private final Duration storeWait;

  /**
   * @param storeWait how long to wait for ZooKeeper to answer before giving up (the start fails
   *     then, and the stopped copies stay stopped for the next start)
   */
  public MigrationRecovery(
      JobSupervisor jobs,
      CheckpointPort checkpoint,
      GridStore store,
      Clock clock,
      Duration storeWait) {
    this.jobs = jobs;
    this.checkpoint = checkpoint;
    this.store = store;
    this.clock = clock;
    this.journal = new IntentJournal(jobs.stateDir());
    this.storeWait = storeWait;
  }

  /** One intent and what was done about it. */
  public record Recovered(MigrationIntent intent, RecoveryDecision decision) {}

  /**
   * Resolves every intent left by the previous run.
   *
   * @throws IllegalStateException if ZooKeeper does not answer: nothing undecided is let run
   */
  public List<Recovered> run() {
    List<Recovered> out = new ArrayList<>();
    for (MigrationIntent intent : journal.all()) {
      if (!intent.self().equals(jobs.node())) {
        LOG.error(
            "migration intent of job {} is for node {}, not this one; left",
            intent.job(),
            intent.self());
        continue;
      }
      if (intent.phase() == MigrationIntent.Phase.FREEZING) {
        awaitCheckpointerEnd(intent.imagesDir());
      }
      LiveProcess launcher = new LiveProcess(intent.launcherPid(), intent.launcherStartTicks());
      boolean alive = intent.launcherPid() > 0 && launcher.alive();
      JobDir dir = JobDir.of(jobs.stateDir(), intent.job());
      RecoveryDecision decision =
          RecoveryDecision.decide(intent, record(intent), alive, exitCode(dir));
      LOG.warn(
          "recovering {} side of migration {} of job {}: {} ({})",
          intent.side(),
          intent.attempt(),
          intent.job(),
          decision.action(),
          decision.reason());
      settle(intent, decision);
      apply(intent, decision, alive ? new SurvivingJob(launcher, intent.rootPid()) : null, dir);
      out.add(new Recovered(intent, decision));
    }
    dropUnfinishedTransfers();
    return out;
  }

  /**
   * Streams the previous run was still receiving when it died have no intent yet (it is written
   * once the stream is complete): nothing was restored from them, and their source resumed.
   */
  private void dropUnfinishedTransfers() {
    Path incoming = jobs.stateDir().resolve("incoming");
    if (!java.nio.file.Files.isDirectory(incoming) || !journal.isEmpty()) {
      return; // an intent left unresolved may still need its images
    }
    try (var dirs = java.nio.file.Files.list(incoming)) {
      for (Path d : dirs.toList()) {
        LOG.info("dropping the unfinished incoming migration {}", d.getFileName());
        JobDir.deleteTree(d);
      }
    } catch (java.io.IOException e) {
      LOG.warn("cannot clean {}: {}", incoming, e.toString());
    }
  }

  /**
   * A dump the dead agent started may still be running (criu outlives it): it would leave the job
   * stopped after a resume, so it is let finish first. It names its images directory.
   */
  private static void awaitCheckpointerEnd(Path images) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!processesMentioning(images.toString()).isEmpty() && System.nanoTime() < deadline) {
      sleep(200);
    }
  }

  private static List<Long> processesMentioning(String text) {
    List<Long> out = new ArrayList<>();
    try (var procs = java.nio.file.Files.list(Path.of("/proc"))) {
      for (Path p : procs.toList()) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          byte[] cmd = java.nio.file.Files.readAllBytes(p.resolve("cmdline"));
          if (new String(cmd, java.nio.charset.StandardCharsets.UTF_8).contains(text)) {
            out.add(Long.parseLong(name));
          }
        } catch (java.io.IOException e) {
          // ended meanwhile
        }
      }
    } catch (java.io.IOException e) {
      // no /proc: nothing to wait for
    }
    return out;
  }

  private Optional<Integer> exitCode(JobDir dir) {
    try {
      String text = java.nio.file.Files.readString(dir.exitStatus()).trim();
      return text.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(text));
    } catch (java.io.IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The job's record; retried while ZooKeeper does not answer, then the start fails. */
  private Optional<JobRecord> record(MigrationIntent intent) {
    long deadline = System.nanoTime() + storeWait.toNanos();
    while (true) {
      try {
        return store.job(intent.job()).map(v -> v.value());
      } catch (StoreException e) {
        if (System.nanoTime() > deadline) {
          RecoveryDecision wait = RecoveryDecision.decide(intent, null, false, Optional.empty());
          throw new IllegalStateException(wait.reason() + ": " + e.getMessage(), e);
        }
        sleep(500);
      }
    }
  }

  private void apply(
      MigrationIntent intent, RecoveryDecision decision, LaunchedJob local, JobDir dir) {
    switch (decision.action()) {
      case RESUME -> {
        jobs.adoptSurvivor(intent.job(), local);
        Signals.resume(local.rootPid());
        cleanUp(intent, false);
      }
      case RESTORE -> {
        try {
          LaunchedJob restored = checkpoint.restore(intent.imagesDir(), dir.root());
          jobs.adoptSurvivor(intent.job(), restored);
          Signals.resume(restored.rootPid());
          cleanUp(intent, false);
        } catch (CheckpointPort.CheckpointFailure | RuntimeException e) {
          lost(intent, "restoring it from its checkpoint failed: " + e.getMessage());
          cleanUp(intent, false);
        }
      }
      case DISCARD -> {
        if (local != null) {
          local.kill(Duration.ZERO);
        }
        jobs.forget(intent.job());
        cleanUp(intent, !runsHere(intent));
      }
      case RECORD_EXIT -> {
        int code = exitCode(dir).orElseThrow();
        jobs.announceEnd(update(intent, j -> j.exited(code, clock.instant())));
        jobs.forget(intent.job());
        cleanUp(intent, false);
      }
      case RECORD_LOST -> {
        lost(intent, decision.reason());
        cleanUp(intent, false);
      }
      case WAIT -> throw new IllegalStateException(decision.reason());
    }
  }

  /** Ends the interrupted attempt in the job's record (see {@link RecoveryDecision#settled}). */
  private void settle(MigrationIntent intent, RecoveryDecision decision) {
    try {
      store.updateJob(
          intent.job(), j -> RecoveryDecision.settled(intent, decision, j, clock.instant()));
    } catch (StoreException e) {
      LOG.warn(
          "could not settle migration {} of job {}: {}",
          intent.attempt(),
          intent.job(),
          e.getMessage());
    }
  }

  /** Whether the job's record still names this node (its files must stay, e.g. for its logs). */
  private boolean runsHere(MigrationIntent intent) {
    try {
      return store.job(intent.job()).map(v -> v.value().node().equals(jobs.node())).orElse(false);
    } catch (StoreException e) {
      return true;
    }
  }

  private void lost(MigrationIntent intent, String why) {
    update(intent, j -> j.ended(JobState.LOST, why, clock.instant()));
    jobs.forget(intent.job());
  }

  private JobRecord update(
      MigrationIntent intent, java.util.function.UnaryOperator<JobRecord> change) {
    return store.updateJob(
        intent.job(),
        j -> j.node().equals(jobs.node()) && !j.state().terminal() ? change.apply(j) : j);
  }

  /** Drops this side's images and intent; the job's own files too if it lives elsewhere now. */
  private void cleanUp(MigrationIntent intent, boolean jobFilesToo) {
    // The images live in <state>/migrations|incoming/<job>-<attempt>/images.
    Path work = intent.imagesDir().getParent();
    if (work != null && work.startsWith(jobs.stateDir())) {
      JobDir.deleteTree(work);
    }
    if (jobFilesToo) {
      JobDir.deleteTree(JobDir.of(jobs.stateDir(), intent.job()).root());
    }
    journal.remove(intent.side(), intent.job());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while recovering migrations", e);
    }
  }
}
