package io.roam.agent.homecoming;

import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.transfer.ConnectionHandler;
import io.roam.agent.transfer.SealedChannel;
import io.roam.agent.transfer.TreeArchive;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The home side: takes the files of a job of this node that ended elsewhere, puts them in place of
 * any old copy, and marks the job's record {@code returnedHome} by compare-and-set. The node where
 * the job ended deletes its copy only once the record says so.
 */
public final class HomecomingReceiver implements ConnectionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(HomecomingReceiver.class);

  private final NodeId self;
  private final JobSupervisor jobs;
  private final GridStore store;
  private final byte[] secret;
  private final long maxBytes;
  private final Duration ioTimeout;
  private final Clock clock;
  private final Semaphore slots;

  /**
   * @param maxBytes largest set of files accepted (the migration size limit)
   * @param concurrent how many returns at once
   */
  public HomecomingReceiver(
      JobSupervisor jobs,
      GridStore store,
      String secret,
      long maxBytes,
      int concurrent,
      Duration ioTimeout,
      Clock clock) {
    this.self = jobs.node();
    this.jobs = jobs;
    this.store = store;
    this.secret = WorkspaceWire.secretBytes(secret);
    this.maxBytes = maxBytes;
    this.ioTimeout = ioTimeout;
    this.clock = clock;
    this.slots = new Semaphore(concurrent);
  }

  /** The magic string its connections open with. */
  public static String magic() {
    return WorkspaceWire.MAGIC;
  }

  @Override
  public void serve(Socket socket, DataInputStream raw) throws IOException {
    socket.setSoTimeout((int) ioTimeout.toMillis());
    socket.setTcpNoDelay(true);
    WorkspaceWire.Header header = WorkspaceWire.Header.read(raw);
    SealedChannel.Writer sealed =
        new SealedChannel.Writer(
            SealedChannel.socketOutput(socket, ioTimeout),
            header.keys(secret, WorkspaceWire.FROM_HOME));
    DataOutputStream out = new DataOutputStream(sealed);
    DataInputStream in =
        new DataInputStream(
            new SealedChannel.Reader(raw, header.keys(secret, WorkspaceWire.TO_HOME)));
    // Authenticates the first frame before anything is looked up for the caller.
    if (in.readByte() != WorkspaceWire.RETURN) {
      reply(out, sealed, WorkspaceWire.REFUSED, "protocol error: expected a workspace return");
      return;
    }
    long size = in.readLong();
    if (!slots.tryAcquire()) {
      reply(out, sealed, WorkspaceWire.FAILED, "node " + self + " is busy with other returns");
      return;
    }
    try {
      receive(header, size, in, out, sealed);
    } finally {
      slots.release();
    }
  }

  private void receive(
      WorkspaceWire.Header header,
      long size,
      DataInputStream in,
      DataOutputStream out,
      SealedChannel.Writer sealed)
      throws IOException {
    JobId id;
    NodeId away;
    try {
      id = JobId.of(header.job());
      away = NodeId.of(header.away());
    } catch (IllegalArgumentException e) {
      reply(out, sealed, WorkspaceWire.REFUSED, e.getMessage());
      return;
    }
    Optional<String> refusal;
    try {
      refusal = refusal(header, id, away, size);
    } catch (StoreException e) {
      reply(
          out,
          sealed,
          WorkspaceWire.FAILED,
          "node " + self + " cannot read the grid's store: " + e.getMessage());
      return;
    }
    if (refusal.isPresent()) {
      reply(out, sealed, WorkspaceWire.REFUSED, refusal.get());
      return;
    }
    WorkspaceWire.message(out, WorkspaceWire.ACCEPT, "");
    sealed.flush();
    Path staging =
        jobs.stateDir().resolve("incoming").resolve(id.value() + "-home-" + header.attempt());
    JobDir dir = JobDir.of(jobs.stateDir(), id);
    boolean placed = false;
    boolean keep = false;
    try {
      TreeArchive.unpack(in, staging, maxBytes);
      // The files stand in for any older copy (left from before the job went away).
      JobDir.deleteTree(dir.root());
      Files.createDirectories(dir.root().getParent());
      Files.move(staging.resolve("job"), dir.root(), StandardCopyOption.ATOMIC_MOVE);
      placed = true;
      Outcome outcome = markReturned(id, away);
      keep = outcome != Outcome.NOT_OURS;
      switch (outcome) {
        case RETURNED -> {
          LOG.info("job {}: its files came home from {}", id, away);
          reply(out, sealed, WorkspaceWire.STORED, "");
        }
        case UNKNOWN ->
            reply(
                out,
                sealed,
                WorkspaceWire.FAILED,
                "node " + self + " cannot update the job's record");
        case NOT_OURS ->
            reply(out, sealed, WorkspaceWire.REFUSED, "job " + id + "'s record changed meanwhile");
      }
    } catch (TreeArchive.TooLargeException e) {
      reply(out, sealed, WorkspaceWire.REFUSED, tooLarge());
    } finally {
      // Unsure whether the record says returnedHome: the copy here stays (a spare copy of files
      // is harmless; the record pointing at files that are gone is not).
      if (placed && !keep) {
        JobDir.deleteTree(dir.root());
      }
      JobDir.deleteTree(staging);
    }
  }

  private enum Outcome {
    RETURNED,
    NOT_OURS,
    UNKNOWN
  }

  /** The compare-and-set that makes this node the place of the job's files. */
  private Outcome markReturned(JobId id, NodeId away) {
    try {
      JobRecord after =
          store.updateJob(id, j -> returnable(j, away) ? j.filesReturnedHome(clock.instant()) : j);
      return after.returnedHome() != null ? Outcome.RETURNED : Outcome.NOT_OURS;
    } catch (StoreException e) {
      // A lost connection may hide a write that landed: read before deciding.
      try {
        Optional<JobRecord> now = store.job(id).map(v -> v.value());
        if (now.isEmpty()) {
          return Outcome.NOT_OURS;
        }
        return now.get().returnedHome() != null ? Outcome.RETURNED : Outcome.UNKNOWN;
      } catch (StoreException again) {
        return Outcome.UNKNOWN;
      }
    }
  }

  private boolean returnable(JobRecord job, NodeId away) {
    return job.home().equals(self)
        && job.node().equals(away)
        && job.state().terminal()
        && job.returnedHome() == null;
  }

  private Optional<String> refusal(WorkspaceWire.Header header, JobId id, NodeId away, long size) {
    if (!header.home().equals(self.value())) {
      return Optional.of("this is node " + self + ", not " + header.home());
    }
    if (size < 0 || size > maxBytes) {
      return Optional.of(tooLarge());
    }
    if (jobs.isRunning(id)) {
      return Optional.of("job " + id + " runs here");
    }
    JobRecord job = store.job(id).map(v -> v.value()).orElse(null);
    if (job == null) {
      return Optional.of("no job " + id + " in the grid");
    }
    if (!returnable(job, away)) {
      return Optional.of(
          "job "
              + id
              + " is "
              + job.state()
              + " on "
              + job.node()
              + " with home "
              + job.home()
              + (job.returnedHome() != null ? ", its files returned home already" : ""));
    }
    return Optional.empty();
  }

  private String tooLarge() {
    return "they exceed the limit of " + HomecomingSender.size(maxBytes) + " of node " + self;
  }

  private static void reply(
      DataOutputStream out, SealedChannel.Writer sealed, byte type, String text)
      throws IOException {
    WorkspaceWire.message(out, type, text);
    sealed.close();
  }
}
