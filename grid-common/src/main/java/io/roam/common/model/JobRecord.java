package io.roam.common.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A grid process as ZooKeeper knows it. The znode's version guards every change (compare-and-set),
 * so a job's location has exactly one writer at a time.
 *
 * @param home the node where it was started; its files return there
 * @param node the node where it runs now
 * @param exitCode set once the job has ended by itself (state EXITED)
 * @param reason why the job failed, was killed or was lost; null otherwise
 * @param migrations how many times it moved
 * @param lastMigration how its latest migration attempt ended; null if it never tried
 * @param owner the principal whose token started it; null for jobs started before owners were
 *     recorded (only an admin may kill those)
 * @param checkpoint its latest checkpoint, where it is kept and when it was taken; null if none
 * @param checkpointEverySeconds how often the node running it checkpoints it; null: only on request
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRecord(
    JobId id,
    List<String> command,
    NodeId home,
    ClusterId homeCluster,
    NodeId node,
    JobState state,
    Integer exitCode,
    String reason,
    Instant createdAt,
    Instant startedAt,
    Instant endedAt,
    int migrations,
    MigrationOutcome lastMigration,
    String owner,
    JobCheckpoint checkpoint,
    Long checkpointEverySeconds) {

  /** What the command line shows to those who may only know that a job is there. */
  public static final String HIDDEN_COMMAND = "(hidden)";

  /** A record without a checkpoint (the shape from before checkpoints were recorded). */
  public JobRecord(
      JobId id,
      List<String> command,
      NodeId home,
      ClusterId homeCluster,
      NodeId node,
      JobState state,
      Integer exitCode,
      String reason,
      Instant createdAt,
      Instant startedAt,
      Instant endedAt,
      int migrations,
      MigrationOutcome lastMigration,
      String owner) {
    this(
        id,
        command,
        home,
        homeCluster,
        node,
        state,
        exitCode,
        reason,
        createdAt,
        startedAt,
        endedAt,
        migrations,
        lastMigration,
        owner,
        null,
        null);
  }

  public JobRecord {
    if (checkpointEverySeconds != null && checkpointEverySeconds < 1) {
      throw new IllegalArgumentException("checkpointEverySeconds must be positive");
    }
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(homeCluster, "homeCluster");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    command = List.copyOf(Objects.requireNonNull(command, "command"));
    if (command.isEmpty()) {
      throw new IllegalArgumentException("a job needs a command");
    }
  }

  public static JobRecord pending(
      JobId id, List<String> command, NodeId home, ClusterId homeCluster, Instant now) {
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        home,
        JobState.PENDING,
        null,
        null,
        now,
        null,
        null,
        0,
        null,
        null,
        null,
        null);
  }

  public JobRecord ownedBy(String principal) {
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        node,
        state,
        exitCode,
        reason,
        createdAt,
        startedAt,
        endedAt,
        migrations,
        lastMigration,
        principal,
        checkpoint,
        checkpointEverySeconds);
  }

  /** The same job with its command line hidden, for someone who may see only that it is there. */
  public JobRecord redacted() {
    return new JobRecord(
        id,
        List.of(HIDDEN_COMMAND),
        home,
        homeCluster,
        node,
        state,
        exitCode,
        null,
        createdAt,
        startedAt,
        endedAt,
        migrations,
        null,
        null,
        checkpoint,
        checkpointEverySeconds);
  }

  public JobRecord started(Instant at) {
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        node,
        JobState.RUNNING,
        null,
        null,
        createdAt,
        at,
        null,
        migrations,
        lastMigration,
        owner,
        checkpoint,
        checkpointEverySeconds);
  }

  public JobRecord exited(int code, Instant at) {
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        node,
        JobState.EXITED,
        code,
        null,
        createdAt,
        startedAt,
        at,
        migrations,
        lastMigration,
        owner,
        checkpoint,
        checkpointEverySeconds);
  }

  /** Ends the job in a state other than EXITED, saying why. */
  public JobRecord ended(JobState terminal, String why, Instant at) {
    if (!terminal.terminal() || terminal == JobState.EXITED) {
      throw new IllegalArgumentException(terminal + " is not an end with a reason");
    }
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        node,
        terminal,
        null,
        why,
        createdAt,
        startedAt,
        at,
        migrations,
        lastMigration,
        owner,
        checkpoint,
        checkpointEverySeconds);
  }

  /** The job now runs on {@code target}: one more migration, and how it went. */
  public JobRecord movedTo(NodeId target, MigrationOutcome outcome) {
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        target,
        state,
        exitCode,
        reason,
        createdAt,
        startedAt,
        endedAt,
        migrations + 1,
        outcome,
        owner,
        checkpoint,
        checkpointEverySeconds);
  }

  /** Records how the latest migration attempt went; the job stays where the record says. */
  public JobRecord withLastMigration(MigrationOutcome outcome) {
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        node,
        state,
        exitCode,
        reason,
        createdAt,
        startedAt,
        endedAt,
        migrations,
        outcome,
        owner,
        checkpoint,
        checkpointEverySeconds);
  }

  /** Records its latest checkpoint, replacing the one before. */
  public JobRecord withCheckpoint(JobCheckpoint latest) {
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        node,
        state,
        exitCode,
        reason,
        createdAt,
        startedAt,
        endedAt,
        migrations,
        lastMigration,
        owner,
        latest,
        checkpointEverySeconds);
  }

  /**
   * Its node was lost: the job is to be restored from its checkpoint on {@code keeper}, the node
   * that keeps it. It stays RESTARTING until that node runs it (or says why it cannot).
   */
  public JobRecord restartingOn(NodeId keeper, String why) {
    if (checkpoint == null || !checkpoint.keptOn().equals(keeper)) {
      throw new IllegalArgumentException("job " + id + " has no checkpoint on " + keeper);
    }
    if (state.terminal()) {
      throw new IllegalArgumentException("job " + id + " has ended: " + state);
    }
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        keeper,
        JobState.RESTARTING,
        null,
        why,
        createdAt,
        startedAt,
        null,
        migrations,
        lastMigration,
        owner,
        checkpoint,
        checkpointEverySeconds);
  }

  /** Runs again, restored from its checkpoint; the reason says from when and why. */
  public JobRecord restarted(String why) {
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        node,
        JobState.RUNNING,
        null,
        why,
        createdAt,
        startedAt,
        null,
        migrations,
        lastMigration,
        owner,
        checkpoint,
        checkpointEverySeconds);
  }

  /** Checkpointed every {@code seconds} by the node running it (null: only on request). */
  public JobRecord withCheckpointEvery(Long seconds) {
    return new JobRecord(
        id,
        command,
        home,
        homeCluster,
        node,
        state,
        exitCode,
        reason,
        createdAt,
        startedAt,
        endedAt,
        migrations,
        lastMigration,
        owner,
        checkpoint,
        seconds);
  }
}
