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
 * @param returnedHome when the files of a job that ended away from home were stored at its home
 *     node (logs are read there from then on); null otherwise
 * @param locked its owner pinned it: automatic balancing never moves it (an explicit migration, a
 *     cluster detach or a node expel still do, so that nothing is stranded)
 * @param checkpoint its latest checkpoint, where it is kept and when it was taken; null if none
 * @param checkpointEverySeconds how often the node running it checkpoints it; null: only on request
 * @param forwardedFrom the node it was started on, when that node passed it on before it started
 *     (to a node where it gets more CPU); its home is then where it did start. Null otherwise
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
    Instant returnedHome,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) Boolean locked,
    JobCheckpoint checkpoint,
    Long checkpointEverySeconds,
    NodeId forwardedFrom) {

  /** What the command line shows to those who may only know that a job is there. */
  public static final String HIDDEN_COMMAND = "(hidden)";

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
    if (checkpointEverySeconds != null && checkpointEverySeconds < 1) {
      throw new IllegalArgumentException("checkpointEverySeconds must be positive");
    }
  }

  /**
   * A record in the shape from before files returned home, locks and checkpoints: files where it
   * ended, not locked, no checkpoint.
   */
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
        false,
        null,
        null,
        null);
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
        null);
  }

  public JobRecord ownedBy(String principal) {
    Change c = change();
    c.owner = principal;
    return c.done();
  }

  /** The same job with its command line hidden, for someone who may see only that it is there. */
  public JobRecord redacted() {
    Change c = change();
    c.command = List.of(HIDDEN_COMMAND);
    c.reason = null;
    c.lastMigration = null;
    c.owner = null;
    return c.done();
  }

  public JobRecord started(Instant at) {
    Change c = change();
    c.state = JobState.RUNNING;
    c.exitCode = null;
    c.reason = null;
    c.startedAt = at;
    c.endedAt = null;
    return c.done();
  }

  public JobRecord exited(int code, Instant at) {
    Change c = change();
    c.state = JobState.EXITED;
    c.exitCode = code;
    c.reason = null;
    c.endedAt = at;
    return c.done();
  }

  /** Ends the job in a state other than EXITED, saying why. */
  public JobRecord ended(JobState terminal, String why, Instant at) {
    if (!terminal.terminal() || terminal == JobState.EXITED) {
      throw new IllegalArgumentException(terminal + " is not an end with a reason");
    }
    Change c = change();
    c.state = terminal;
    c.exitCode = null;
    c.reason = why;
    c.endedAt = at;
    return c.done();
  }

  /** The job now runs on {@code target}: one more migration, and how it went. */
  public JobRecord movedTo(NodeId target, MigrationOutcome outcome) {
    Change c = change();
    c.node = target;
    c.migrations = migrations + 1;
    c.lastMigration = outcome;
    return c.done();
  }

  /** Records how the latest migration attempt went; the job stays where the record says. */
  public JobRecord withLastMigration(MigrationOutcome outcome) {
    Change c = change();
    c.lastMigration = outcome;
    return c.done();
  }

  /** The job's files are stored at its home node now (they left the node where it ended). */
  public JobRecord filesReturnedHome(Instant at) {
    Change c = change();
    c.returnedHome = at;
    return c.done();
  }

  /** Adds a note to the reason (kept after an earlier one, such as why the job was killed). */
  public JobRecord withNote(String note) {
    Change c = change();
    c.reason = reason == null || reason.isBlank() ? note : reason + "; " + note;
    return c.done();
  }

  /** The same job, locked (no automatic migration) or not. */
  public JobRecord withLocked(boolean lock) {
    Change c = change();
    c.locked = lock;
    return c.done();
  }

  /** Records its latest checkpoint, replacing the one before. */
  public JobRecord withCheckpoint(JobCheckpoint latest) {
    Change c = change();
    c.checkpoint = latest;
    return c.done();
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
    Change c = change();
    c.node = keeper;
    c.state = JobState.RESTARTING;
    c.exitCode = null;
    c.reason = why;
    c.endedAt = null;
    return c.done();
  }

  /** Runs again, restored from its checkpoint; the reason says from when and why. */
  public JobRecord restarted(String why) {
    Change c = change();
    c.state = JobState.RUNNING;
    c.exitCode = null;
    c.reason = why;
    c.endedAt = null;
    return c.done();
  }

  /**
   * Passed on, before it started, from the node it was started on to {@code target}, which becomes
   * its home too (its files are made there). Only a pending job.
   */
  public JobRecord forwardedTo(NodeId target, ClusterId targetCluster) {
    if (state != JobState.PENDING) {
      throw new IllegalArgumentException("job " + id + " is " + state + ", not pending");
    }
    Change c = change();
    c.forwardedFrom = forwardedFrom == null ? node : forwardedFrom;
    c.node = target;
    c.home = target;
    c.homeCluster = targetCluster;
    return c.done();
  }

  /** Taken back, still pending, by the node that passed it on (its target could not be asked). */
  public JobRecord forwardUndone(ClusterId originCluster) {
    if (state != JobState.PENDING || forwardedFrom == null) {
      throw new IllegalArgumentException("job " + id + " is not a pending forwarded job");
    }
    Change c = change();
    c.node = forwardedFrom;
    c.home = forwardedFrom;
    c.homeCluster = originCluster;
    c.forwardedFrom = null;
    return c.done();
  }

  /** Checkpointed every {@code seconds} by the node running it (null: only on request). */
  public JobRecord withCheckpointEvery(Long seconds) {
    Change c = change();
    c.checkpointEverySeconds = seconds;
    return c.done();
  }

  private Change change() {
    return new Change(this);
  }

  /** A copy being changed: each wither names only what it changes. */
  private static final class Change {
    private final JobId id;
    private List<String> command;
    private NodeId home;
    private ClusterId homeCluster;
    private NodeId node;
    private JobState state;
    private Integer exitCode;
    private String reason;
    private final Instant createdAt;
    private Instant startedAt;
    private Instant endedAt;
    private int migrations;
    private MigrationOutcome lastMigration;
    private String owner;
    private Instant returnedHome;
    private Boolean locked;
    private JobCheckpoint checkpoint;
    private Long checkpointEverySeconds;
    private NodeId forwardedFrom;

    private Change(JobRecord r) {
      id = r.id;
      command = r.command;
      home = r.home;
      homeCluster = r.homeCluster;
      node = r.node;
      state = r.state;
      exitCode = r.exitCode;
      reason = r.reason;
      createdAt = r.createdAt;
      startedAt = r.startedAt;
      endedAt = r.endedAt;
      migrations = r.migrations;
      lastMigration = r.lastMigration;
      owner = r.owner;
      returnedHome = r.returnedHome;
      locked = r.locked;
      checkpoint = r.checkpoint;
      checkpointEverySeconds = r.checkpointEverySeconds;
      forwardedFrom = r.forwardedFrom;
    }

    private JobRecord done() {
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
          returnedHome,
          locked,
          checkpoint,
          checkpointEverySeconds,
          forwardedFrom);
    }
  }
}
