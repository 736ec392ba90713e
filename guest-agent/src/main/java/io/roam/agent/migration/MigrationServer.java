package io.roam.agent.migration;

import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.launch.LaunchedJob;
import io.roam.agent.load.Arrivals;
import io.roam.agent.placement.Move;
import io.roam.agent.recovery.CheckpointStore;
import io.roam.agent.transfer.ConnectionHandler;
import io.roam.agent.transfer.SealedChannel;
import io.roam.agent.transfer.TreeArchive;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeFlags;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target side of migrations: accepts sealed streams from other agents of the grid, restores the
 * job stopped, and lets it run only once the job's record names this node.
 */
public final class MigrationServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MigrationServer.class);

  private final NodeId self;
  private final ClusterId cluster;
  private final JobSupervisor jobs;
  private final CheckpointPort checkpoint;
  private final GridStore store;
  private final byte[] secret;
  private final long maxBytes;
  private final Duration ioTimeout;
  private final Semaphore slots;
  private final Function<ClusterId, ClusterPolicy> policies;
  private final Function<NodeId, Optional<NodeFlags>> flags;
  private final ExecutorService workers =
      Executors.newCachedThreadPool(DaemonThreads.named("migration-in"));
  private final Map<String, ConnectionHandler> others = new ConcurrentHashMap<>();
  private ServerSocket server;
  private final IntentJournal journal;
  private volatile FaultPoints faults = FaultPoints.fromSystemProperties();
  private volatile CheckpointStore kept;
  private volatile java.util.function.Consumer<JobId> arrivals = id -> {};
  private volatile java.util.function.Supplier<Optional<String>> localWork = Optional::empty;
  private volatile Arrivals incoming = new Arrivals();
  private volatile TargetConsent consent = (move, pending) -> Optional.empty();
  private volatile GuestLedger ledger;

  /** The target's consent to a balancing move (see {@link io.roam.agent.placement.Consent}). */
  @FunctionalInterface
  public interface TargetConsent {
    /**
     * Empty to take the job; otherwise why not.
     *
     * @param pending the migrations accepted here already that do not run yet
     */
    Optional<String> refusal(Move move, Arrivals.Pending pending);
  }

  /**
   * @param maxBytes largest job (files and image) accepted
   * @param concurrent how many incoming migrations at once
   */
  public MigrationServer(
      ClusterId cluster,
      JobSupervisor jobs,
      CheckpointPort checkpoint,
      GridStore store,
      String secret,
      long maxBytes,
      int concurrent,
      Duration ioTimeout,
      Function<ClusterId, ClusterPolicy> policies) {
    this(
        cluster,
        jobs,
        checkpoint,
        store,
        secret,
        maxBytes,
        concurrent,
        ioTimeout,
        policies,
        id -> Optional.empty());
  }

  /**
   * @param flags the node flags as last seen (from a ZooKeeper watch, not read per migration)
   */
  public MigrationServer(
      ClusterId cluster,
      JobSupervisor jobs,
      CheckpointPort checkpoint,
      GridStore store,
      String secret,
      long maxBytes,
      int concurrent,
      Duration ioTimeout,
      Function<ClusterId, ClusterPolicy> policies,
      Function<NodeId, Optional<NodeFlags>> flags) {
    this.policies = policies;
    this.flags = flags;
    this.self = jobs.node();
    this.cluster = cluster;
    this.jobs = jobs;
    this.checkpoint = checkpoint;
    this.store = store;
    this.secret = Wire.secretBytes(secret);
    this.maxBytes = maxBytes;
    this.ioTimeout = ioTimeout;
    this.slots = new Semaphore(concurrent);
    this.journal = new IntentJournal(jobs.stateDir());
  }

  /** Tests only: where this agent "dies" (see {@link FaultPoints}). */
  public MigrationServer withFaults(FaultPoints faults) {
    this.faults = faults;
    return this;
  }

  /** Also serves connections that open with {@code magic} (set before {@link #start}). */
  public void share(String magic, ConnectionHandler handler) {
    others.put(magic, handler);
  }

  /** Listens on {@code host:port} (0: any free port); returns the port. */
  public synchronized int start(String host, int port) throws IOException {
    server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    Thread acceptor = new Thread(this::acceptLoop, "migration-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    Thread warmUp =
        new Thread(
            () -> {
              Signals.prepare();
              SealedChannel.warmUp();
            },
            "migration-warm-up");
    warmUp.setDaemon(true);
    warmUp.setPriority(Thread.MIN_PRIORITY);
    warmUp.start();
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        workers.execute(() -> serve(socket));
      } catch (IOException e) {
        if (!server.isClosed()) {
          LOG.warn("accepting a migration: {}", e.toString());
        }
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setSoTimeout((int) ioTimeout.toMillis());
      // Replies are small and each one gates the next step: send them at once.
      socket.setTcpNoDelay(true);
      DataInputStream raw = SealedChannel.socketInput(socket);
      String magic = raw.readUTF();
      ConnectionHandler other = others.get(magic);
      if (other != null) {
        other.serve(socket, raw);
        return;
      }
      Wire.Header header = Wire.Header.read(magic, raw);
      SealedChannel.Writer sealed =
          new SealedChannel.Writer(
              SealedChannel.socketOutput(socket, ioTimeout), header.keys(secret, Wire.TO_SOURCE));
      DataOutputStream out = new DataOutputStream(sealed);
      DataInputStream in =
          new DataInputStream(new SealedChannel.Reader(raw, header.keys(secret, Wire.TO_TARGET)));
      if (!slots.tryAcquire()) {
        refuse(out, sealed, "node " + self + " is busy with other migrations");
        return;
      }
      try {
        receive(header, in, out, sealed);
      } finally {
        slots.release();
      }
    } catch (IOException e) {
      LOG.warn("incoming migration failed: {}", e.getMessage());
    }
  }

  private void refuse(DataOutputStream out, SealedChannel.Writer sealed, String why)
      throws IOException {
    Wire.message(out, Wire.FAILED, why);
    sealed.close();
  }

  private void receive(
      Wire.Header header, DataInputStream in, DataOutputStream out, SealedChannel.Writer sealed)
      throws IOException {
    JobId id;
    NodeId source;
    try {
      id = JobId.of(header.job());
      source = NodeId.of(header.source());
    } catch (IllegalArgumentException e) {
      refuse(out, sealed, e.getMessage());
      return;
    }
    // Authenticates the first frame: a stream from outside the grid stops here.
    byte kind = in.readByte();
    if (kind == Wire.CHECKPOINT) {
      keepCheckpoint(header, id, source, in, out, sealed);
      return;
    }
    boolean[] reserved = {false};
    Optional<String> refusal = refusal(header, id, source, reserved);
    if (refusal.isPresent()) {
      refuse(out, sealed, refusal.get());
      return;
    }
    try {
      receiveUnrefused(header, id, source, kind, in, out, sealed);
    } finally {
      if (reserved[0] && !jobs.isRunning(id)) {
        releaseUnlessHere(id, header.attempt());
      }
    }
  }

  /** The guest's place, given back if it does not run here (unless its record says it does). */
  private void releaseUnlessHere(JobId id, String attempt) {
    GuestLedger guests = ledger;
    try {
      boolean here = store.job(id).map(v -> v.value().node().equals(self)).orElse(false);
      if (!here && guests != null) {
        guests.release(id, attempt);
      }
    } catch (StoreException e) {
      LOG.warn("job {}: its guest place stays reserved for now: {}", id, e.getMessage());
    }
  }

  private void receiveUnrefused(
      Wire.Header header,
      JobId id,
      NodeId source,
      byte kind,
      DataInputStream in,
      DataOutputStream out,
      SealedChannel.Writer sealed)
      throws IOException {
    Optional<Move> balancing = Optional.empty();
    if (kind == Wire.BALANCE) {
      balancing = Optional.of(Wire.readTerms(in, id, self));
    } else if (kind != Wire.OFFER) {
      refuse(out, sealed, "protocol error: expected an offer");
      return;
    }
    // A balancing move needs this node's consent, on its figures now (those arriving included);
    // whatever is admitted counts as arriving until it runs here or fails.
    String arrival = Arrivals.key(id, header.attempt());
    Optional<Move> terms = balancing;
    Optional<String> declined =
        incoming.admit(
            arrival,
            terms.map(Move::memoryBytes).orElse(0L),
            pending -> terms.flatMap(move -> consent.refusal(move, pending)));
    if (declined.isPresent()) {
      LOG.info("job {} from {} declined: {}", id, source, declined.get());
      refuse(out, sealed, declined.get());
      return;
    }
    try {
      receiveAdmitted(header, id, source, in, out, sealed);
    } finally {
      incoming.release(arrival);
    }
  }

  private void receiveAdmitted(
      Wire.Header header,
      JobId id,
      NodeId source,
      DataInputStream in,
      DataOutputStream out,
      SealedChannel.Writer sealed)
      throws IOException {
    Path staging = jobs.stateDir().resolve("incoming").resolve(id.value() + "-" + header.attempt());
    JobDir dir = JobDir.of(jobs.stateDir(), id);
    LaunchedJob restored = null;
    boolean running = false;
    boolean died = false;
    MigrationIntent intent =
        new MigrationIntent(
            MigrationIntent.Side.TARGET,
            id,
            source,
            self,
            header.attempt(),
            MigrationIntent.Phase.RESTORING,
            staging.resolve("images"),
            0,
            0,
            0,
            java.time.Instant.now());
    try {
      long started = System.nanoTime();
      TreeArchive.unpack(in, staging, maxBytes);
      long received = System.nanoTime();
      journal.write(intent);
      JobDir.deleteTree(dir.root());
      Files.createDirectories(dir.root().getParent());
      Files.move(staging.resolve("job"), dir.root(), StandardCopyOption.ATOMIC_MOVE);
      restored = checkpoint.restore(staging.resolve("images"), dir.root());
      journal.write(restoredIntent(intent, restored));
      LOG.info(
          "job {} from {}: received in {} ms, restored in {} ms",
          id,
          source,
          TimeUnit.NANOSECONDS.toMillis(received - started),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - received));
      faults.reach(FaultPoints.Step.TARGET_BEFORE_PREPARED);
      Wire.message(out, Wire.PREPARED, "");
      sealed.flush();
      faults.reach(FaultPoints.Step.TARGET_BEFORE_COMMIT);
      running = awaitCommit(id, in, restored);
      if (running) {
        Wire.message(out, Wire.DONE, "");
      } else {
        Wire.message(out, Wire.FAILED, "aborted");
      }
      sealed.close();
    } catch (TreeArchive.TooLargeException e) {
      refuse(out, sealed, e.getMessage());
    } catch (CheckpointPort.CheckpointFailure e) {
      refuse(out, sealed, "cannot restore on " + self + ": " + e.getMessage());
    } catch (IOException e) {
      if (restored != null && !running) {
        // The source vanished after PREPARED: the record decides.
        running = resolveByRecord(id, restored);
      }
      if (!running) {
        throw e;
      }
    } catch (FaultPoints.AgentKilled e) {
      died = true; // a dead agent cleans nothing up: its restart recovers from the intent
      throw e;
    } finally {
      if (!died) {
        if (!running) {
          if (restored != null) {
            restored.kill(Duration.ZERO);
          }
          JobDir.deleteTree(dir.root());
        }
        JobDir.deleteTree(staging);
        journal.remove(MigrationIntent.Side.TARGET, id);
      }
    }
  }

  private static MigrationIntent restoredIntent(MigrationIntent intent, LaunchedJob restored) {
    long launcher = restored.pid();
    long ticks =
        io.roam.agent.launch.LiveProcess.of(launcher)
            .map(io.roam.agent.launch.LiveProcess::startTicks)
            .orElse(0L);
    return intent.at(MigrationIntent.Phase.RESTORED, launcher, ticks, restored.rootPid());
  }

  /** Where this node keeps the checkpoints of the jobs whose home it is; none: it keeps none. */
  public MigrationServer keepingCheckpointsIn(CheckpointStore store) {
    this.kept = store;
    return this;
  }

  /** A checkpoint of a job of this home node, sent by the node it runs on, to keep. */
  private void keepCheckpoint(
      Wire.Header header,
      JobId id,
      NodeId source,
      DataInputStream in,
      DataOutputStream out,
      SealedChannel.Writer sealed)
      throws IOException {
    CheckpointStore keeper = kept;
    if (keeper == null || !header.target().equals(self.value())) {
      refuse(out, sealed, "node " + self + " keeps no checkpoints for " + header.target());
      return;
    }
    try {
      JobRecord job = store.job(id).map(v -> v.value()).orElse(null);
      if (job == null || !job.home().equals(self)) {
        refuse(out, sealed, "node " + self + " is not the home of job " + id);
        return;
      }
      if (job.state() != JobState.RUNNING || !job.node().equals(source)) {
        refuse(out, sealed, "job " + id + " is " + job.state() + " on " + job.node());
        return;
      }
    } catch (StoreException e) {
      refuse(out, sealed, "node " + self + " cannot read the grid's store: " + e.getMessage());
      return;
    }
    java.time.Instant takenAt = java.time.Instant.ofEpochMilli(in.readLong());
    long frozenMs = Math.max(0, in.readLong());
    Path staged = keeper.staging(id);
    boolean installed = false;
    try {
      TreeArchive.unpack(in, staged, maxBytes);
      CheckpointStore.Kept k;
      try {
        k = keeper.install(id, staged, takenAt);
      } catch (IOException e) {
        refuse(out, sealed, "node " + self + " did not keep it: " + e.getMessage());
        return;
      }
      installed = true;
      CheckpointTaker.record(store, keeper, id, self, source, k, frozenMs);
      Wire.message(out, Wire.STORED, "");
      sealed.close();
      LOG.info("keeping the checkpoint of job {} of {} from {}", id, takenAt, source);
    } catch (TreeArchive.TooLargeException | CheckpointTaker.CheckpointRefused e) {
      refuse(out, sealed, e.getMessage());
    } catch (StoreException e) {
      refuse(out, sealed, "node " + self + " could not record the checkpoint: " + e.getMessage());
    } finally {
      if (!installed) {
        JobDir.deleteTree(staged);
      }
    }
  }

  /**
   * Why this node does not take the job; empty to take it. A guest admitted by the cluster's ledger
   * has its place reserved ({@code reserved}[0] set): the caller gives it back if the job does not
   * end up running here.
   */
  private Optional<String> refusal(
      Wire.Header header, JobId id, NodeId source, boolean[] reserved) {
    if (!header.target().equals(self.value())) {
      return Optional.of("this is node " + self + ", not " + header.target());
    }
    if (jobs.isRunning(id)) {
      return Optional.of("job " + id + " runs here already");
    }
    try {
      JobRecord job = store.job(id).map(v -> v.value()).orElse(null);
      if (job == null) {
        return Optional.of("no job " + id + " in the grid");
      }
      // The node's owner blocked it: no guests; its own jobs may always come home.
      Optional<String> byFlags = flags.apply(self).flatMap(f -> f.refusal(job.home()));
      if (byFlags.isPresent()) {
        return byFlags;
      }
      // A cluster that is leaving the grid takes no guests; its own jobs may always come home.
      if (!job.homeCluster().equals(cluster)) {
        ClusterState state =
            store.cluster(cluster).map(c -> c.state()).orElse(ClusterState.ATTACHED);
        if (state != ClusterState.ATTACHED) {
          return Optional.of("cluster " + cluster + " is " + state + " and takes no guests");
        }
        // With a ledger the count comes last, with the reservation (below).
        ClusterPolicy policy = policies.apply(cluster);
        Optional<String> byPolicy =
            GuestAdmission.refusal(
                cluster, policy, job.homeCluster(), ledger == null ? this::guestsHere : () -> 0);
        if (byPolicy.isPresent()) {
          return byPolicy;
        }
        Optional<String> byLocalWork = localWork.get();
        if (byLocalWork.isPresent()) {
          return byLocalWork;
        }
      }
      if (!job.node().equals(source) || job.state() != JobState.RUNNING) {
        return Optional.of(
            "job "
                + id
                + " is "
                + job.state()
                + " on "
                + job.node()
                + ", not running on "
                + source);
      }
      GuestLedger guests = ledger;
      if (guests != null && !job.homeCluster().equals(cluster)) {
        Optional<String> full = guests.admit(policies.apply(cluster), job, self, header.attempt());
        if (full.isPresent()) {
          return full;
        }
        reserved[0] = true;
      }
    } catch (StoreException e) {
      return Optional.of("node " + self + " cannot read the grid's store: " + e.getMessage());
    }
    return Optional.empty();
  }

  /**
   * Running jobs of other clusters on this cluster's nodes, without a ledger ({@link
   * #countingGuestsIn}): this reads every job record, so it is only called once the rest of the
   * policy admitted the guest.
   */
  private int guestsHere() {
    java.util.Set<NodeId> ours =
        store.nodes().stream()
            .filter(n -> n.cluster().equals(cluster))
            .map(n -> n.id())
            .collect(java.util.stream.Collectors.toSet());
    return (int)
        store.jobs().stream()
            .filter(j -> j.state() == JobState.RUNNING)
            .filter(j -> ours.contains(j.node()) && !j.homeCluster().equals(cluster))
            .count();
  }

  /** Waits for COMMIT or ABORT; true once the job runs here. */
  private boolean awaitCommit(JobId id, DataInputStream in, LaunchedJob restored)
      throws IOException {
    byte decision;
    try {
      decision = in.readByte();
      in.readUTF();
    } catch (SocketTimeoutException e) {
      return resolveByRecord(id, restored);
    }
    if (decision == Wire.COMMIT) {
      run(id, restored);
      return true;
    }
    return false;
  }

  /**
   * The source is gone after PREPARED: the job's record is the truth. If it names this node the job
   * runs here; if it names the source, the source resumed it. While it cannot be read, the copy
   * here stays stopped (never two running copies).
   */
  private boolean resolveByRecord(JobId id, LaunchedJob restored) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      try {
        Optional<JobRecord> job = store.job(id).map(v -> v.value());
        if (job.isPresent() && job.get().node().equals(self)) {
          run(id, restored);
          return true;
        }
        if (job.isEmpty() || job.get().state().terminal() || !job.get().node().equals(self)) {
          // Give a slow commit a moment before deciding it is not ours.
          Thread.sleep(1000);
          Optional<JobRecord> again = store.job(id).map(v -> v.value());
          if (again.isPresent() && again.get().node().equals(self)) {
            run(id, restored);
            return true;
          }
          return false;
        }
      } catch (StoreException e) {
        LOG.warn("job {}: waiting for ZooKeeper to decide where it runs: {}", id, e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private void run(JobId id, LaunchedJob restored) {
    jobs.adopt(id, restored);
    Signals.resume(restored.rootPid());
    arrivals.accept(id);
  }

  /**
   * Holds the cluster's guest limit with its ledger (one read per admitted guest, and a
   * compare-and-set that keeps two guests at once from both taking the last place) instead of
   * counting every job of the grid.
   */
  public MigrationServer countingGuestsIn(GuestLedger guests) {
    this.ledger = java.util.Objects.requireNonNull(guests, "guests");
    return this;
  }

  /** Refuses guests while {@code busy} says why (local work first); own jobs always come home. */
  public MigrationServer refusingGuestsWhile(java.util.function.Supplier<Optional<String>> busy) {
    this.localWork = java.util.Objects.requireNonNull(busy, "busy");
    return this;
  }

  /**
   * Counts the migrations it admits in {@code arrivals} until they run here or fail, and asks
   * {@code consent} about each balancing move (explicit migrations, detach, expel, homecoming and
   * local-first moves need none).
   */
  public MigrationServer consentingWith(Arrivals arrivals, TargetConsent consent) {
    this.incoming = java.util.Objects.requireNonNull(arrivals, "arrivals");
    this.consent = java.util.Objects.requireNonNull(consent, "consent");
    return this;
  }

  /** Told of each job that arrived and runs here now (fencing learns its checkpoint from it). */
  public MigrationServer onArrival(java.util.function.Consumer<JobId> listener) {
    this.arrivals = listener;
    return this;
  }

  @Override
  public synchronized void close() {
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      // closing anyway
    }
    workers.shutdownNow();
  }
}
