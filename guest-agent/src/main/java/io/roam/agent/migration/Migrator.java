package io.roam.agent.migration;

import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.placement.Move;
import io.roam.agent.transfer.NoProgressTimeout;
import io.roam.agent.transfer.SealedChannel;
import io.roam.agent.transfer.TreeArchive;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.JobRecord;
import io.roam.common.model.MigrationOutcome;
import io.roam.common.model.NodeRecord;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import io.roam.store.Versioned;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source side of a migration. The job is frozen and dumped (left stopped), streamed sealed to
 * the target, restored there (stopped); then its record is moved to the target by one
 * compare-and-set, the commit point, and only then does the target let it run and the source drop
 * its copy. Any failure before the commit resumes the job here: it runs in exactly one place.
 */
public final class Migrator {
  private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  // Page images go out in pieces of at least this much while CRIU writes them.
  private static final long PIECE = 1 << 20;
  private static final ExecutorService DUMPERS =
      Executors.newCachedThreadPool(DaemonThreads.named("migration-dump"));

  private final NodeId self;
  private final JobSupervisor jobs;
  private final CheckpointPort checkpoint;
  private final GridStore store;
  private final byte[] secret;
  private final Clock clock;
  private final Duration ioTimeout;
  private final IntentJournal journal;
  private volatile FaultPoints faults = FaultPoints.fromSystemProperties();
  private final PeerAddresses peers;
  // Moves this agent started that have not ended: job -> target (the balancer counts them).
  private final Map<JobId, NodeId> underWay = new ConcurrentHashMap<>();

  public Migrator(
      JobSupervisor jobs,
      CheckpointPort checkpoint,
      GridStore store,
      String secret,
      Clock clock,
      Duration ioTimeout) {
    this(jobs, checkpoint, store, secret, clock, ioTimeout, PeerAddresses.direct());
  }

  public Migrator(
      JobSupervisor jobs,
      CheckpointPort checkpoint,
      GridStore store,
      String secret,
      Clock clock,
      Duration ioTimeout,
      PeerAddresses peers) {
    this.self = jobs.node();
    this.jobs = jobs;
    this.checkpoint = checkpoint;
    this.store = store;
    this.secret = Wire.secretBytes(secret);
    this.clock = clock;
    this.ioTimeout = ioTimeout;
    this.journal = new IntentJournal(jobs.stateDir());
    this.peers = peers;
  }

  /** Tests only: where this agent "dies" (see {@link FaultPoints}). */
  public Migrator withFaults(FaultPoints faults) {
    this.faults = faults;
    return this;
  }

  /** Where this node reaches a peer's migration (and gossip) port. */
  public InetSocketAddress addressOf(NodeRecord peer) {
    return peers.migration(peer);
  }

  private final class Attempt {
    final JobId id;
    final NodeRecord target;
    final String attempt;
    final long start = System.nanoTime();
    final Instant startedAt = clock.instant();
    long frozenAt;
    long bytes;
    long rootPid;
    final StringBuilder phases = new StringBuilder();
    long mark = System.nanoTime();

    /** Notes how long the phase that just ended took, for the log. */
    void phase(String name) {
      long now = System.nanoTime();
      phases
          .append(name)
          .append(' ')
          .append(TimeUnit.NANOSECONDS.toMillis(now - mark))
          .append(" ms, ");
      mark = now;
    }

    final Optional<Move> balancing;

    Attempt(JobId id, NodeRecord target, String attempt, Optional<Move> balancing) {
      this.balancing = balancing;
      this.id = id;
      this.target = target;
      this.attempt = attempt;
    }

    MigrationOutcome outcome(boolean ok, String reason) {
      return outcome(ok, reason, true);
    }

    /** Unfinished outcomes (no end time) are written at the commit, before the job runs again. */
    MigrationOutcome outcome(boolean ok, String reason, boolean finished) {
      long now = System.nanoTime();
      return new MigrationOutcome(
          attempt,
          self,
          target.id(),
          ok,
          startedAt,
          finished ? clock.instant() : null,
          frozenAt == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(now - frozenAt),
          TimeUnit.NANOSECONDS.toMillis(now - start),
          bytes,
          reason);
    }
  }

  /** The moves this agent started and that have not ended yet: job to target. */
  public Map<JobId, NodeId> underWay() {
    return Map.copyOf(underWay);
  }

  /**
   * Moves a job running here to {@code target}; blocks until it runs there or here again.
   *
   * @return how it went (also written to the job's record)
   */
  public MigrationOutcome migrate(JobId id, NodeRecord target, String attempt) {
    return migrate(id, target, attempt, Optional.empty());
  }

  /**
   * As above; a balancing move tells the target its terms, and the target takes the job only if the
   * move still pays with its own current figures (its consent).
   *
   * @param balancing the balancer's move, empty for any other migration
   */
  public MigrationOutcome migrate(
      JobId id, NodeRecord target, String attempt, Optional<Move> balancing) {
    Attempt a = new Attempt(id, target, attempt, balancing);
    if (target.id().equals(self)) {
      return refused(a, "job " + id + " already runs on " + self);
    }
    if (target.migrationPort() == 0) {
      return refused(a, "node " + target.id() + " does not accept migrations");
    }
    JobSupervisor.Migrating m = jobs.beginMigration(id);
    Path work = jobs.stateDir().resolve("migrations").resolve(id.value() + "-" + attempt);
    MigrationOutcome outcome = null;
    boolean died = false;
    underWay.put(id, target.id());
    try {
      outcome = run(a, m, work.resolve("images"));
      return outcome;
    } catch (FaultPoints.AgentKilled e) {
      died = true; // a dead agent cleans nothing up: its restart recovers from the intent
      throw e;
    } finally {
      underWay.remove(id);
      if (!died) {
        if (outcome != null && !outcome.succeeded()) {
          keepOnlyLogs(work);
        } else {
          JobDir.deleteTree(work);
        }
        journal.remove(MigrationIntent.Side.SOURCE, id);
      }
    }
  }

  private MigrationOutcome run(Attempt a, JobSupervisor.Migrating m, Path images) {
    try {
      a.rootPid = m.handle().rootPid();
    } catch (RuntimeException e) {
      return failed(a, "cannot checkpoint: " + e.getMessage(), false);
    }
    MigrationIntent intent;
    try {
      intent = intent(a, m, images);
      journal.write(intent);
    } catch (IOException | RuntimeException e) {
      return failed(a, "cannot write the migration journal: " + e.getMessage(), false);
    }
    // CRIU dumps on another thread while this one connects to the target and sends the page
    // images as CRIU appends to them: the transfer overlaps the dump instead of following it.
    Future<CheckpointPort.Dump> dumping = DUMPERS.submit(() -> checkpoint.dump(a.rootPid, images));
    byte[] salt = new byte[32];
    RANDOM.nextBytes(salt);
    Wire.Header header =
        new Wire.Header(a.id.value(), self.value(), a.target.id().value(), a.attempt, salt);
    boolean committed = false;
    try (Socket socket = new Socket()) {
      DataOutputStream out = null;
      SealedChannel.Writer sealed = null;
      DataInputStream in = null;
      IOException sendFailure = null;
      TreeArchive.Follower follower = null;
      long duringDump = 0;
      try {
        // Each step (connect, read, write) is bounded: a target that stops reading or answering
        // must not keep the job frozen here; the failure below resumes it.
        NoProgressTimeout.connect(socket, peers.migration(a.target), ioTimeout);
        socket.setTcpNoDelay(true);
        DataOutputStream raw = SealedChannel.socketOutput(socket, ioTimeout);
        header.write(raw);
        sealed = new SealedChannel.Writer(raw, header.keys(secret, Wire.TO_TARGET));
        out = new DataOutputStream(sealed);
        in =
            new DataInputStream(
                new SealedChannel.Reader(
                    SealedChannel.socketInput(socket), header.keys(secret, Wire.TO_SOURCE)));
        if (a.balancing.isPresent()) {
          out.writeByte(Wire.BALANCE);
          Wire.writeTerms(out, a.balancing.get());
        } else {
          out.writeByte(Wire.OFFER);
        }
        follower = new TreeArchive.Follower(images, "images", out, Migrator::isPages, PIECE);
        while (!dumping.isDone()) {
          long sent = follower.follow();
          duringDump += sent;
          if (sent == 0) {
            awaitQuietly(dumping, 2);
          }
        }
      } catch (IOException | RuntimeException e) {
        // Whatever went wrong, the dump runs on: wait for it below, then resume the job.
        sendFailure = e instanceof IOException io ? io : new IOException(e.toString(), e);
      }
      CheckpointPort.Dump dump;
      try {
        dump = awaitDump(dumping);
      } catch (CheckpointPort.CheckpointFailure | RuntimeException e) {
        // The target sees the stream cut short and drops what it got.
        return failed(a, "cannot checkpoint: " + e.getMessage(), false);
      }
      try {
        a.frozenAt = dump.frozenAtNanos();
        a.bytes += duringDump;
        a.phase("dump (" + (duringDump >> 20) + " MiB sent meanwhile)");
        journal.write(
            intent.at(
                MigrationIntent.Phase.DUMPED,
                intent.launcherPid(),
                intent.launcherStartTicks(),
                intent.rootPid()));
      } catch (IOException | RuntimeException e) {
        return failed(a, "cannot checkpoint: " + e.getMessage(), true);
      }
      faults.reach(FaultPoints.Step.SOURCE_AFTER_DUMP);
      if (sendFailure != null) {
        String why = in == null ? null : replyAfterFailure(in).orElse(null);
        return failed(
            a,
            why != null
                ? why
                : "transfer to " + a.target.id() + " failed: " + sendFailure.getMessage(),
            true);
      }
      try {
        // The job's files once it is frozen; then what the dump wrote that was not sent yet.
        a.bytes += TreeArchive.pack(m.dir().root(), "job", out);
        a.bytes += TreeArchive.pack(images, "images", out, follower.sent());
        TreeArchive.finish(out);
        sealed.flush();
      } catch (IOException e) {
        // The target may have said why it stopped reading.
        String why = replyAfterFailure(in).orElse("transfer failed: " + e.getMessage());
        return failed(a, why, true);
      }
      a.phase("send");
      // While the target restores: the job's record as it is now, so that the commit is one
      // compare-and-set rather than a read and then a write (a round trip less, frozen).
      Optional<Versioned<JobRecord>> seen = readQuietly(a.id);
      byte reply = in.readByte();
      String text = in.readUTF();
      a.phase("restore");
      if (reply != Wire.PREPARED) {
        return failed(a, "node " + a.target.id() + " refused: " + text, true);
      }
      committed = commit(a, seen);
      a.phase("commit");
      if (committed) {
        faults.reach(FaultPoints.Step.SOURCE_AFTER_COMMIT);
      }
      if (!committed) {
        Wire.message(out, Wire.ABORT, "not committed");
        sealed.flush();
        return failed(a, "the job's record could not be moved; it stays here", true);
      }
      Wire.message(out, Wire.COMMIT, "");
      sealed.close();
      byte done = in.readByte();
      String doneText = in.readUTF();
      a.phase("resume");
      if (done != Wire.DONE) {
        LOG.warn("job {} committed to {} but it answered: {}", a.id, a.target.id(), doneText);
      }
    } catch (IOException e) {
      if (!committed) {
        return failed(a, "transfer to " + a.target.id() + " failed: " + e.getMessage(), true);
      }
      // Committed: the record names the target, which resumes the job when it sees that.
      LOG.warn(
          "job {} committed to {}; lost the connection after: {}",
          a.id,
          a.target.id(),
          e.toString());
    }
    // The job runs on the target now: that ends the migration's time; then the stopped copy here
    // goes (after a lost connection the target runs it as soon as it sees the record).
    MigrationOutcome outcome = a.outcome(true, null);
    jobs.migratedAway(a.id);
    recordTimings(a, outcome);
    LOG.info(
        "job {} migrated {} -> {}: frozen {} ms, total {} ms, {} bytes ({})",
        a.id,
        self,
        a.target.id(),
        outcome.frozenMillis(),
        outcome.totalMillis(),
        outcome.bytes(),
        a.phases);
    return outcome;
  }

  /** CRIU's page images, which grow during a dump: sent as they grow. */
  private static boolean isPages(Path file) {
    String name = file.getFileName().toString();
    return name.startsWith("pages-") && name.endsWith(".img");
  }

  private static void awaitQuietly(Future<?> f, long millis) {
    try {
      f.get(millis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // done or not: the caller looks again
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static CheckpointPort.Dump awaitDump(Future<CheckpointPort.Dump> dumping)
      throws CheckpointPort.CheckpointFailure {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return dumping.get();
        } catch (InterruptedException e) {
          // A dump cannot be abandoned half way: wait for it, and keep the interrupt.
          interrupted = true;
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof CheckpointPort.CheckpointFailure failure) {
        throw failure;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(String.valueOf(cause), cause);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private MigrationIntent intent(Attempt a, JobSupervisor.Migrating m, Path images) {
    long launcher = m.handle().pid();
    long ticks =
        io.roam.agent.launch.LiveProcess.of(launcher)
            .map(io.roam.agent.launch.LiveProcess::startTicks)
            .orElse(0L);
    return new MigrationIntent(
        MigrationIntent.Side.SOURCE,
        a.id,
        self,
        a.target.id(),
        a.attempt,
        MigrationIntent.Phase.FREEZING,
        images,
        launcher,
        ticks,
        a.rootPid,
        a.startedAt);
  }

  /** A failed attempt keeps CRIU's logs (its reason points at them), not its images. */
  private static void keepOnlyLogs(Path work) {
    try (var files = java.nio.file.Files.walk(work)) {
      files
          .filter(java.nio.file.Files::isRegularFile)
          .filter(f -> !f.getFileName().toString().endsWith(".log"))
          .forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // nothing to keep
    }
  }

  private static Optional<String> replyAfterFailure(DataInputStream in) {
    try {
      if (in.readByte() == Wire.FAILED) {
        return Optional.of(in.readUTF());
      }
    } catch (IOException e) {
      // nothing more to learn
    }
    return Optional.empty();
  }

  private Optional<Versioned<JobRecord>> readQuietly(JobId id) {
    try {
      return store.job(id);
    } catch (StoreException e) {
      return Optional.empty(); // the commit reads it then
    }
  }

  /**
   * The commit point: move the job's record to the target. False if it is still ours.
   *
   * @param seen the record as read while the target restored: the first compare-and-set is tried at
   *     its version; if it changed since (or after a failure) the record is read again
   */
  private boolean commit(Attempt a, Optional<Versioned<JobRecord>> seen) {
    MigrationOutcome provisional = a.outcome(true, null, false);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    Optional<Versioned<JobRecord>> known = seen;
    while (true) {
      try {
        JobRecord after =
            store.updateJob(
                a.id,
                known,
                j ->
                    j.node().equals(self) && !j.state().terminal()
                        ? j.movedTo(a.target.id(), provisional)
                        : j);
        return a.target.id().equals(after.node()) && isOurs(after, a);
      } catch (StoreException e) {
        // A lost connection may hide a write that landed: read before trying again.
        known = Optional.empty();
        try {
          Optional<Versioned<JobRecord>> now = store.job(a.id);
          if (now.isPresent() && isOurs(now.get().value(), a)) {
            return true;
          }
          if (now.isPresent() && now.get().value().node().equals(self)) {
            if (System.nanoTime() > deadline) {
              return false;
            }
          }
        } catch (StoreException again) {
          if (System.nanoTime() > deadline) {
            // Unknown: the job stays stopped in both places rather than risk two copies.
            throw new IllegalStateException(
                "ZooKeeper did not answer while committing job " + a.id + "; it stays stopped",
                again);
          }
        }
        sleep(500);
      }
    }
  }

  private static boolean isOurs(JobRecord job, Attempt a) {
    return job.node().equals(a.target.id())
        && job.lastMigration() != null
        && a.attempt.equals(job.lastMigration().attempt());
  }

  private void recordTimings(Attempt a, MigrationOutcome outcome) {
    try {
      store.updateJob(
          a.id,
          j ->
              j.lastMigration() != null && a.attempt.equals(j.lastMigration().attempt())
                  ? j.withLastMigration(outcome)
                  : j);
    } catch (StoreException e) {
      LOG.warn("could not record the timings of job {}'s migration: {}", a.id, e.getMessage());
    }
  }

  private MigrationOutcome refused(Attempt a, String reason) {
    MigrationOutcome outcome = a.outcome(false, reason);
    record(a, outcome);
    return outcome;
  }

  /** Before the commit: the job runs on here. */
  private MigrationOutcome failed(Attempt a, String reason, boolean stopped) {
    if (stopped) {
      Signals.resume(a.rootPid);
    }
    jobs.migrationAborted(a.id);
    MigrationOutcome outcome = a.outcome(false, reason);
    record(a, outcome);
    LOG.info("job {} stays on {}: {}", a.id, self, reason);
    return outcome;
  }

  private void record(Attempt a, MigrationOutcome outcome) {
    try {
      store.updateJob(a.id, j -> j.withLastMigration(outcome));
    } catch (StoreException e) {
      LOG.warn("could not record the failed migration of job {}: {}", a.id, e.getMessage());
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
