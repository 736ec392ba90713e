package io.roam.agent.migration;

import io.roam.agent.jobs.JobConflictException;
import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.recovery.CheckpointStore;
import io.roam.agent.transfer.NoProgressTimeout;
import io.roam.agent.transfer.SealedChannel;
import io.roam.agent.transfer.TreeArchive;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobCheckpoint;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.store.GridStore;
import io.roam.store.NotFoundException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints a job running on this node without ending it: the tree is frozen and dumped (left
 * stopped), its directory copied while it stands still, then it runs on. The checkpoint is kept on
 * the job's home node: here if this is its home, else sent there over the sealed migration channel
 * (a CHECKPOINT message, see {@link Wire}). The home node records it on the job's record.
 */
public final class CheckpointTaker {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointTaker.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final NodeId self;
  private final JobSupervisor jobs;
  private final CheckpointPort checkpoint;
  private final GridStore store;
  private final CheckpointStore kept;
  private final byte[] secret;
  private final Clock clock;
  private final Duration ioTimeout;
  private final Consumer<JobId> keptElsewhere;

  /**
   * @param keptElsewhere told of each job whose checkpoint now lies on another node (such a job
   *     must be fenced if this node loses its ZooKeeper session)
   */
  // Inside a VM with user-mode networking, peers advertising loopback are reached via the host.
  private volatile PeerAddresses peers = PeerAddresses.direct();

  /** How this node reaches its peers' migration ports (direct unless set). */
  public CheckpointTaker reachingPeersThrough(PeerAddresses peers) {
    this.peers = java.util.Objects.requireNonNull(peers, "peers");
    return this;
  }

  public CheckpointTaker(
      JobSupervisor jobs,
      CheckpointPort checkpoint,
      GridStore store,
      CheckpointStore kept,
      String secret,
      Clock clock,
      Duration ioTimeout,
      Consumer<JobId> keptElsewhere) {
    this.self = jobs.node();
    this.jobs = jobs;
    this.checkpoint = checkpoint;
    this.store = store;
    this.kept = kept;
    this.secret = Wire.secretBytes(secret);
    this.clock = clock;
    this.ioTimeout = ioTimeout;
    this.keptElsewhere = keptElsewhere;
  }

  /** Why a checkpoint was not taken or not kept; the job runs on. */
  public static final class CheckpointRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointRefused(String message) {
      super(message);
    }
  }

  /**
   * Checkpoints a job running here and has it kept at home; blocks until it is.
   *
   * @return the job's record, naming the new checkpoint
   * @throws NotFoundException if the job does not run here
   * @throws JobConflictException if it is migrating or being checkpointed already
   * @throws CheckpointRefused if it cannot be checkpointed or kept, with the reason
   */
  public JobRecord checkpoint(JobId id) {
    JobRecord job =
        store
            .job(id)
            .map(v -> v.value())
            .orElseThrow(() -> new NotFoundException("no job " + id + " in the grid"));
    if (job.state() != JobState.RUNNING || !job.node().equals(self) || !jobs.isRunning(id)) {
      throw new NotFoundException("job " + id + " is not running on node " + self);
    }
    NodeRecord home = null;
    if (!job.home().equals(self)) {
      home =
          store
              .node(job.home())
              .orElseThrow(
                  () ->
                      new CheckpointRefused(
                          "the job's home node "
                              + job.home()
                              + " is not up, and its checkpoints are kept there"));
      if (home.migrationPort() == 0) {
        throw new CheckpointRefused("the job's home node " + home.id() + " takes no transfers");
      }
    }
    Path work =
        jobs.stateDir()
            .resolve("checkpointing")
            .resolve(id.value() + "-" + Long.toHexString(RANDOM.nextLong() >>> 1));
    try {
      long start = System.nanoTime();
      Instant takenAt = snapshot(id, work);
      long frozenMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      JobRecord after =
          home == null
              ? keepHere(id, work, takenAt, frozenMs)
              : sendHome(id, home, work, takenAt, frozenMs);
      LOG.info(
          "job {} checkpointed (frozen about {} ms), kept on {}",
          id,
          frozenMs,
          after.checkpoint() == null ? "?" : after.checkpoint().keptOn());
      return after;
    } finally {
      JobDir.deleteTree(work);
    }
  }

  /** Dump (left stopped), copy the job's files at the same instant, resume. */
  private Instant snapshot(JobId id, Path work) {
    JobSupervisor.Migrating m = jobs.beginMigration(id);
    long root = -1;
    try {
      root = m.handle().rootPid();
      try {
        checkpoint.dump(root, work.resolve(CheckpointStore.IMAGES));
      } catch (CheckpointPort.CheckpointFailure e) {
        // The dump failed: CRIU let the tree run on (SIGCONT below is then harmless).
        throw new CheckpointRefused("cannot checkpoint job " + id + ": " + e.getMessage());
      }
      Instant takenAt = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
      try {
        // CRIU checks the sizes of the files the job has open: copy them as the dump saw them.
        CheckpointStore.copyTree(m.dir().root(), work.resolve(CheckpointStore.JOB));
      } catch (IOException e) {
        throw new CheckpointRefused("cannot copy job " + id + "'s files: " + e.getMessage());
      }
      return takenAt;
    } finally {
      if (root > 0) {
        Signals.resume(root);
      }
      jobs.migrationAborted(id);
    }
  }

  private JobRecord keepHere(JobId id, Path work, Instant takenAt, long frozenMs) {
    try {
      Path staged = kept.staging(id);
      try {
        java.nio.file.Files.move(
            work.resolve(CheckpointStore.JOB), staged.resolve(CheckpointStore.JOB));
        java.nio.file.Files.move(
            work.resolve(CheckpointStore.IMAGES), staged.resolve(CheckpointStore.IMAGES));
        CheckpointStore.Kept k = kept.install(id, staged, takenAt);
        return record(store, kept, id, self, self, k, frozenMs);
      } catch (IOException | RuntimeException e) {
        JobDir.deleteTree(staged);
        throw e;
      }
    } catch (IOException e) {
      throw new CheckpointRefused("cannot keep job " + id + "'s checkpoint: " + e.getMessage());
    }
  }

  /**
   * The home node's side, shared with {@link MigrationServer}: the job's record names the new
   * checkpoint if the job still runs on {@code source} and has no later one.
   */
  static JobRecord record(
      GridStore store,
      CheckpointStore kept,
      JobId id,
      NodeId home,
      NodeId source,
      CheckpointStore.Kept k,
      long frozenMs) {
    JobCheckpoint latest = new JobCheckpoint(home, k.takenAt(), k.bytes(), frozenMs);
    JobRecord after =
        store.updateJob(
            id,
            j ->
                j.state() == JobState.RUNNING
                        && j.node().equals(source)
                        && j.home().equals(home)
                        && (j.checkpoint() == null
                            || j.checkpoint().takenAt().isBefore(k.takenAt()))
                    ? j.withCheckpoint(latest)
                    : j);
    if (!latest.equals(after.checkpoint())) {
      if (after.state().terminal()) {
        kept.drop(id);
      }
      throw new CheckpointRefused(
          "job " + id + " is " + after.state() + " on " + after.node() + ": checkpoint not kept");
    }
    return after;
  }

  private JobRecord sendHome(JobId id, NodeRecord home, Path work, Instant takenAt, long frozenMs) {
    byte[] salt = new byte[32];
    RANDOM.nextBytes(salt);
    String attempt = "k" + Long.toHexString(RANDOM.nextLong() >>> 1);
    Wire.Header header =
        new Wire.Header(id.value(), self.value(), home.id().value(), attempt, salt);
    try (Socket socket = new Socket()) {
      NoProgressTimeout.connect(socket, peers.migration(home), ioTimeout);
      DataOutputStream raw = SealedChannel.socketOutput(socket, ioTimeout);
      header.write(raw);
      SealedChannel.Writer sealed =
          new SealedChannel.Writer(raw, header.keys(secret, Wire.TO_TARGET));
      DataOutputStream out = new DataOutputStream(sealed);
      DataInputStream in =
          new DataInputStream(
              new SealedChannel.Reader(
                  SealedChannel.socketInput(socket), header.keys(secret, Wire.TO_SOURCE)));
      try {
        out.writeByte(Wire.CHECKPOINT);
        out.writeLong(takenAt.toEpochMilli());
        out.writeLong(frozenMs);
        TreeArchive.pack(work.resolve(CheckpointStore.JOB), CheckpointStore.JOB, out);
        TreeArchive.pack(work.resolve(CheckpointStore.IMAGES), CheckpointStore.IMAGES, out);
        TreeArchive.finish(out);
        sealed.flush();
      } catch (IOException e) {
        // The home node may have said why it stopped reading.
        String why = "sending the checkpoint to " + home.id() + " failed: " + e.getMessage();
        try {
          if (in.readByte() == Wire.FAILED) {
            why = "node " + home.id() + " did not keep the checkpoint: " + in.readUTF();
          }
        } catch (IOException again) {
          // nothing more to learn
        }
        throw new CheckpointRefused(why);
      }
      byte reply = in.readByte();
      String text = in.readUTF();
      if (reply != Wire.STORED) {
        throw new CheckpointRefused("node " + home.id() + " did not keep the checkpoint: " + text);
      }
      sealed.close();
    } catch (IOException e) {
      throw new CheckpointRefused(
          "sending the checkpoint to " + home.id() + " failed: " + e.getMessage());
    }
    keptElsewhere.accept(id);
    return store.job(id).map(v -> v.value()).orElseThrow();
  }
}
