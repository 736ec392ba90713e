package io.roam.agent.migration;

import io.roam.common.model.JobRecord;
import java.util.Optional;

/**
 * What a restarted agent does with a migration it was in the middle of: a pure function of its
 * intent, the job's record in ZooKeeper (the commit point) and what is left of the job here. The
 * record decides; the job is never let run in two places, and never left running nowhere without
 * the reason in its record.
 *
 * @param reason why, for the log (and for the record when the job is lost)
 */
public record RecoveryDecision(Action action, String reason) {

  public enum Action {
    /** The record names this node and the stopped copy here is alive: SIGCONT it, supervise it. */
    RESUME,
    /** The record names this node but the copy here is gone: restore it from the images here. */
    RESTORE,
    /** The record names another node, or the job has ended: kill the copy here, drop its files. */
    DISCARD,
    /** The record names this node, the copy here ended by itself: record its exit code. */
    RECORD_EXIT,
    /** The record names this node and nothing here can run it: record it LOST, saying why. */
    RECORD_LOST,
    /** ZooKeeper cannot be read: keep the copy here stopped and decide later. */
    WAIT
  }

  /**
   * The job's record with the interrupted attempt's outcome settled, so that whoever waits for the
   * attempt (gridctl migrate --wait, an operation) sees it end: a commit that landed is completed,
   * an attempt that never committed is recorded as failed with the reason. Only the source, which
   * owns the attempt, settles it; anything else is returned unchanged.
   */
  public static JobRecord settled(
      MigrationIntent intent, RecoveryDecision decision, JobRecord job, java.time.Instant now) {
    if (intent.side() != MigrationIntent.Side.SOURCE || job.state().terminal()) {
      return job;
    }
    io.roam.common.model.MigrationOutcome last = job.lastMigration();
    boolean ours = last != null && intent.attempt().equals(last.attempt());
    long total = Math.max(0, java.time.Duration.between(intent.at(), now).toMillis());
    if (ours && last.endedAt() == null && job.node().equals(intent.target())) {
      return job.withLastMigration(
          new io.roam.common.model.MigrationOutcome(
              last.attempt(),
              last.from(),
              last.to(),
              true,
              last.startedAt(),
              now,
              last.frozenMillis(),
              total,
              last.bytes(),
              null));
    }
    if (!ours && job.node().equals(intent.source())) {
      return job.withLastMigration(
          new io.roam.common.model.MigrationOutcome(
              intent.attempt(),
              intent.source(),
              intent.target(),
              false,
              intent.at(),
              now,
              0,
              total,
              0,
              "the agent of "
                  + intent.source()
                  + " died during the migration; "
                  + decision.reason()));
    }
    return job;
  }

  /**
   * @param record the job's record; empty if it has none; null if the store did not answer
   * @param localAlive whether this side's copy of the job (stopped or not) still exists here
   * @param exitCode the job's exit status file here, if it finished by itself
   */
  public static RecoveryDecision decide(
      MigrationIntent intent,
      Optional<JobRecord> record,
      boolean localAlive,
      Optional<Integer> exitCode) {
    String what = intent.side().name().toLowerCase(java.util.Locale.ROOT);
    String attempt = "migration " + intent.attempt() + " of job " + intent.job();
    if (record == null) {
      return new RecoveryDecision(
          Action.WAIT, "ZooKeeper cannot be read; the " + what + " copy stays stopped");
    }
    if (record.isEmpty()) {
      return new RecoveryDecision(Action.DISCARD, "job " + intent.job() + " has no record");
    }
    JobRecord job = record.get();
    if (job.state().terminal()) {
      return new RecoveryDecision(Action.DISCARD, "job " + intent.job() + " is " + job.state());
    }
    if (!job.node().equals(intent.self())) {
      boolean committed =
          intent.side() == MigrationIntent.Side.SOURCE
              && job.node().equals(intent.target())
              && job.lastMigration() != null
              && intent.attempt().equals(job.lastMigration().attempt());
      return new RecoveryDecision(
          Action.DISCARD,
          (committed ? attempt + " was committed: " : "")
              + "job "
              + intent.job()
              + " runs on "
              + job.node());
    }
    // The record names this node: the job must run here.
    String here =
        intent.side() == MigrationIntent.Side.SOURCE
            ? attempt + " was not committed"
            : attempt + " was committed to this node";
    if (localAlive) {
      return new RecoveryDecision(Action.RESUME, here + "; resuming the stopped copy");
    }
    if (exitCode.isPresent()) {
      return new RecoveryDecision(
          Action.RECORD_EXIT, here + "; the job ended with status " + exitCode.get());
    }
    if (intent.imagesComplete()) {
      return new RecoveryDecision(Action.RESTORE, here + "; its processes are gone, restoring");
    }
    return new RecoveryDecision(
        Action.RECORD_LOST,
        "the agent of "
            + intent.self()
            + " died during "
            + attempt
            + " ("
            + intent.phase()
            + ") and neither the job's processes nor a complete checkpoint survived");
  }
}
