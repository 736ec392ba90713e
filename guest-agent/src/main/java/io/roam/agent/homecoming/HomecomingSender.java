package io.roam.agent.homecoming;

import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.migration.PeerAddresses;
import io.roam.agent.transfer.NoProgressTimeout;
import io.roam.agent.transfer.SealedChannel;
import io.roam.agent.transfer.TreeArchive;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The side where a job ended away from its home: sends the job's directory home, and deletes it
 * here only once the job's record says {@code returnedHome}. Until then the files stay here and
 * logs are read here. An unreachable home is tried again with a growing wait; a small marker file
 * per job ({@code <state>/homecoming/<job>}) lets a restarted agent carry on.
 */
public final class HomecomingSender implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HomecomingSender.class);
  private static final SecureRandom SALTS = new SecureRandom();
  private static final Set<JobState> RETURNING =
      Set.of(JobState.EXITED, JobState.KILLED, JobState.FAILED);

  private final NodeId self;
  private final JobSupervisor jobs;
  private final GridStore store;
  private final byte[] secret;
  private final long maxBytes;
  private final Duration ioTimeout;
  private final Backoff backoff;
  private final Random random;
  private final Path markers;
  // One at a time: returning files is never urgent and should not crowd out migrations.
  private final ScheduledExecutorService worker =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("homecoming"));

  /**
   * @param maxBytes largest set of files sent (the migration size limit)
   */
  // Inside a VM with user-mode networking, peers advertising loopback are reached via the host.
  private volatile PeerAddresses peers = PeerAddresses.direct();

  /** How this node reaches its peers' migration ports (direct unless set). */
  public HomecomingSender reachingPeersThrough(PeerAddresses peers) {
    this.peers = java.util.Objects.requireNonNull(peers, "peers");
    return this;
  }

  public HomecomingSender(
      JobSupervisor jobs,
      GridStore store,
      String secret,
      long maxBytes,
      Duration ioTimeout,
      Backoff backoff,
      Random random) {
    this.self = jobs.node();
    this.jobs = jobs;
    this.store = store;
    this.secret = WorkspaceWire.secretBytes(secret);
    this.maxBytes = maxBytes;
    this.ioTimeout = ioTimeout;
    this.backoff = backoff;
    this.random = random;
    this.markers = jobs.stateDir().resolve("homecoming");
  }

  /** Called with each end recorded on this node; sends the files home if home is elsewhere. */
  public void ended(JobRecord job) {
    if (!job.node().equals(self)
        || job.home().equals(self)
        || !RETURNING.contains(job.state())
        || job.returnedHome() != null) {
      return;
    }
    try {
      Files.createDirectories(markers);
      Files.writeString(marker(job.id()), job.home().value(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      LOG.warn("job {}: cannot note that its files must go home: {}", job.id(), e.toString());
    }
    schedule(job.id(), 0, Duration.ZERO);
  }

  /** At start: carries on with the returns an earlier run of this agent had not finished. */
  public void resumePending() {
    if (!Files.isDirectory(markers)) {
      return;
    }
    try (DirectoryStream<Path> pending = Files.newDirectoryStream(markers)) {
      for (Path p : pending) {
        try {
          schedule(JobId.of(p.getFileName().toString()), 0, Duration.ZERO);
        } catch (IllegalArgumentException e) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list the pending returns in {}: {}", markers, e.toString());
    }
  }

  /** Jobs whose files wait to go home from here. */
  public Set<JobId> pending() {
    if (!Files.isDirectory(markers)) {
      return Set.of();
    }
    try (Stream<Path> files = Files.list(markers)) {
      Set<JobId> out = new java.util.HashSet<>();
      files.forEach(
          p -> {
            try {
              out.add(JobId.of(p.getFileName().toString()));
            } catch (IllegalArgumentException e) {
              // not a marker
            }
          });
      return out;
    } catch (IOException e) {
      return Set.of();
    }
  }

  private void schedule(JobId id, int failures, Duration after) {
    try {
      worker.schedule(() -> attempt(id, failures), after.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Shutting down: the marker stays and the next start carries on.
    }
  }

  /** What one attempt came to. */
  private sealed interface Step permits Home, Dropped, Refused, Later {}

  /** The record says returnedHome: the copy here may go. */
  private record Home() implements Step {}

  /** Nothing to send from here (any more); nothing is deleted. */
  private record Dropped() implements Step {}

  /** The files stay here for good, for this reason. */
  private record Refused(String reason) implements Step {}

  /** Try again later. */
  private record Later(String reason) implements Step {}

  private void attempt(JobId id, int failures) {
    Step step;
    try {
      step = step(id);
    } catch (StoreException e) {
      step = new Later("cannot read the grid's store: " + e.getMessage());
    } catch (RuntimeException e) {
      step = new Later(e.toString());
    }
    if (step instanceof Home) {
      forget(id);
    } else if (step instanceof Refused r) {
      refuse(id, r.reason(), failures);
    } else if (step instanceof Later l) {
      Duration wait = backoff.delay(failures + 1, random);
      LOG.info(
          "job {}: its files stay here for now ({}); trying again in {} ms",
          id,
          l.reason(),
          wait.toMillis());
      schedule(id, failures + 1, wait);
    }
  }

  private Step step(JobId id) {
    Optional<JobRecord> found = store.job(id).map(v -> v.value());
    if (found.isEmpty()) {
      LOG.warn("job {} has no record any more; its files stay here", id);
      return dropMarker(id);
    }
    JobRecord job = found.get();
    if (job.returnedHome() != null) {
      return new Home();
    }
    JobDir dir = JobDir.of(jobs.stateDir(), id);
    if (!job.node().equals(self)
        || job.home().equals(self)
        || !RETURNING.contains(job.state())
        || !Files.isDirectory(dir.root())) {
      // Not ours to send (or nothing to send): nothing is deleted.
      return dropMarker(id);
    }
    long size;
    try {
      size = size(dir.root());
    } catch (IOException e) {
      return new Later("cannot measure its files: " + e.getMessage());
    }
    if (size > maxBytes) {
      return new Refused("they exceed the limit of " + size(maxBytes) + " of node " + self);
    }
    Optional<NodeRecord> home = store.node(job.home());
    if (home.isEmpty()) {
      return new Later("home node " + job.home() + " is not up");
    }
    if (home.get().migrationPort() == 0) {
      return new Refused("home node " + job.home() + " takes no transfers");
    }
    Step sent = send(id, dir, size, home.get());
    // Only the record decides (the home may also have marked it with its reply lost).
    Optional<JobRecord> now = store.job(id).map(v -> v.value());
    if (now.isPresent() && now.get().returnedHome() != null) {
      return new Home();
    }
    return sent instanceof Home ? new Later("the record does not say returnedHome yet") : sent;
  }

  private Step send(JobId id, JobDir dir, long size, NodeRecord home) {
    byte[] salt = new byte[32];
    SALTS.nextBytes(salt);
    String attempt = Long.toHexString(random.nextLong() & Long.MAX_VALUE);
    WorkspaceWire.Header header =
        new WorkspaceWire.Header(id.value(), self.value(), home.id().value(), attempt, salt);
    try (Socket socket = new Socket()) {
      NoProgressTimeout.connect(socket, peers.migration(home), ioTimeout);
      socket.setTcpNoDelay(true);
      DataOutputStream raw = SealedChannel.socketOutput(socket, ioTimeout);
      header.write(raw);
      SealedChannel.Writer sealed =
          new SealedChannel.Writer(raw, header.keys(secret, WorkspaceWire.TO_HOME));
      DataOutputStream out = new DataOutputStream(sealed);
      DataInputStream in =
          new DataInputStream(
              new SealedChannel.Reader(
                  SealedChannel.socketInput(socket), header.keys(secret, WorkspaceWire.FROM_HOME)));
      out.writeByte(WorkspaceWire.RETURN);
      out.writeLong(size);
      sealed.flush();
      Step first = reply(in, home);
      if (first != null) {
        return first;
      }
      TreeArchive.pack(dir.root(), "job", out);
      TreeArchive.finish(out);
      sealed.close();
      Step last = reply(in, home);
      return last != null ? last : new Home();
    } catch (IOException e) {
      return new Later("sending to " + home.id() + " failed: " + e.getMessage());
    }
  }

  /** Null for ACCEPT and STORED (go on); otherwise what the home said. */
  private static Step reply(DataInputStream in, NodeRecord home) throws IOException {
    byte type = in.readByte();
    String text = in.readUTF();
    return switch (type) {
      case WorkspaceWire.ACCEPT, WorkspaceWire.STORED -> null;
      case WorkspaceWire.REFUSED -> new Refused(text);
      default -> new Later("node " + home.id() + " answered: " + text);
    };
  }

  /** The files stay here for good: the record says why (logs keep working from here). */
  private void refuse(JobId id, String why, int failures) {
    String note = "its files stay on " + self + ": " + why;
    try {
      store.updateJob(
          id,
          j ->
              j.returnedHome() == null && (j.reason() == null || !j.reason().contains(note))
                  ? j.withNote(note)
                  : j);
    } catch (StoreException e) {
      schedule(id, failures + 1, backoff.delay(failures + 1, random));
      return;
    }
    LOG.warn("job {}: {}", id, note);
    forgetMarker(id);
  }

  /** Home has the files and the record says so: the copy here goes. */
  private void forget(JobId id) {
    JobDir.deleteTree(JobDir.of(jobs.stateDir(), id).root());
    forgetMarker(id);
    LOG.info("job {}: its files are home; the copy on {} is deleted", id, self);
  }

  private Step dropMarker(JobId id) {
    forgetMarker(id);
    return new Dropped();
  }

  private void forgetMarker(JobId id) {
    try {
      Files.deleteIfExists(marker(id));
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", marker(id), e.toString());
    }
  }

  private Path marker(JobId id) {
    return markers.resolve(id.value());
  }

  static long size(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      long total = 0;
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          total += Files.size(p);
        }
      }
      return total;
    }
  }

  static String size(long bytes) {
    return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : bytes + " bytes";
  }

  /**
   * Stops sending: once this returns, nothing more goes out. An attempt under way is interrupted
   * and waited for, so that it cannot reach a home that comes up after the close (its marker stays;
   * the next start carries on).
   */
  @Override
  public void close() {
    worker.shutdownNow();
    try {
      if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("a return home was still under way 10 s after the close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
