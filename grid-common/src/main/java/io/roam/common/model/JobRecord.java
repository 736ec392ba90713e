package io.roam.common.model;

import com.fasterxml.jackson.annotation.JsonCreator;
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
 * @param locked its owner pinned it: automatic balancing never moves it (an explicit migration, a
 *     cluster detach or a node expel still do, so that nothing is stranded)
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
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) Boolean locked) {

  /** The record as written before jobs could be locked: not locked. */
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
        false);
  }

  /** What the command line shows to those who may only know that a job is there. */
  public static final String HIDDEN_COMMAND = "(hidden)";

  @JsonCreator
  public JobRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(homeCluster, "homeCluster");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    command = List.copyOf(Objects.requireNonNull(command, "command"));
    // Records written before locks existed have none: unlocked. Never null after this.
    locked = Boolean.TRUE.equals(locked);
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
        false);
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
        locked);
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
        locked);
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
        locked);
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
        locked);
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
        locked);
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
        locked);
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
        locked);
  }

  /** The same job, locked (no automatic migration) or not. */
  public JobRecord withLocked(boolean lock) {
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
        lock);
  }
}
