package io.roam.agent.recovery;

import io.roam.agent.launch.JobDir;
import io.roam.common.id.JobId;
import io.roam.common.model.JobRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The checkpoints a node keeps for jobs whose home it is: the latest one per job, replaced
 * atomically.
 *
 * <pre>
 * STATE/checkpoints/JOB/current -> ck-NNN    symlink, swapped by rename(2): readers see old or new
 * STATE/checkpoints/JOB/ck-NNN/job/          the job's directory, copied while the job was frozen
 * STATE/checkpoints/JOB/ck-NNN/images/       CRIU's images of the same instant
 * STATE/checkpoints/JOB/ck-NNN/taken-at      ISO instant
 * </pre>
 */
public final class CheckpointStore {
  public static final String JOB = "job";
  public static final String IMAGES = "images";
  private static final String CURRENT = "current";
  private static final String TAKEN_AT = "taken-at";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path root;

  public CheckpointStore(Path stateDir) {
    this.root = stateDir.resolve("checkpoints");
  }

  /** One kept checkpoint. */
  public record Kept(Path dir, Instant takenAt, long bytes) {
    public Path job() {
      return dir.resolve(JOB);
    }

    public Path images() {
      return dir.resolve(IMAGES);
    }
  }

  /**
   * A fresh directory, next to the job's kept ones, to receive {@code job/} and {@code images/}.
   */
  public Path staging(JobId id) throws IOException {
    Path dir = root.resolve(id.value()).resolve("ck-" + Long.toHexString(RANDOM.nextLong() >>> 1));
    Files.createDirectories(dir);
    return dir;
  }

  /**
   * Makes the checkpoint staged in {@code staged} (which holds {@code job/} and {@code images/})
   * the job's latest, then removes the one it replaces.
   */
  public synchronized Kept install(JobId id, Path staged, Instant takenAt) throws IOException {
    if (!Files.isDirectory(staged.resolve(JOB)) || !Files.isDirectory(staged.resolve(IMAGES))) {
      throw new IOException("a checkpoint needs the job's files and its images");
    }
    Path jobRoot = root.resolve(id.value());
    if (!staged.getParent().equals(jobRoot)) {
      throw new IllegalArgumentException(staged + " is not a staging directory of job " + id);
    }
    // A slow transfer from the node the job just left must not replace a later checkpoint.
    Optional<Kept> latest = latest(id);
    if (latest.isPresent() && !latest.get().takenAt().isBefore(takenAt)) {
      throw new IOException(
          "a checkpoint of job " + id + " taken at " + latest.get().takenAt() + " is kept already");
    }
    Files.writeString(staged.resolve(TAKEN_AT), takenAt.toString(), StandardCharsets.US_ASCII);
    Path current = jobRoot.resolve(CURRENT);
    Optional<Path> before = target(current);
    Path link = jobRoot.resolve(".current-" + Long.toHexString(RANDOM.nextLong() >>> 1));
    Files.createSymbolicLink(link, staged.getFileName());
    try {
      Files.move(
          link, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (FileAlreadyExistsException e) {
      Files.deleteIfExists(link);
      throw e;
    }
    before.filter(p -> !p.equals(staged)).ifPresent(JobDir::deleteTree);
    return new Kept(staged, takenAt, bytes(staged));
  }

  /** The job's latest checkpoint kept here. */
  public Optional<Kept> latest(JobId id) {
    Optional<Path> dir = target(root.resolve(id.value()).resolve(CURRENT));
    if (dir.isEmpty()) {
      return Optional.empty();
    }
    try {
      Instant at =
          Instant.parse(
              Files.readString(dir.get().resolve(TAKEN_AT), StandardCharsets.US_ASCII).trim());
      return Optional.of(new Kept(dir.get(), at, bytes(dir.get())));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The jobs this node keeps a checkpoint (or a staging directory) of. */
  public java.util.Set<JobId> jobs() {
    if (!Files.isDirectory(root)) {
      return java.util.Set.of();
    }
    java.util.Set<JobId> out = new java.util.HashSet<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        try {
          out.add(JobId.of(d.getFileName().toString()));
        } catch (IllegalArgumentException e) {
          // not a job's directory
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * The kept jobs whose checkpoints no longer serve: the job has ended (or its record is gone), so
   * nothing will ever restart from them. A RESTARTING job's checkpoint is kept, of course.
   */
  public static java.util.Set<JobId> stale(
      java.util.Set<JobId> kept, java.util.Map<JobId, JobRecord> records) {
    java.util.Set<JobId> out = new java.util.HashSet<>();
    for (JobId id : kept) {
      JobRecord job = records.get(id);
      if (job == null || job.state().terminal()) {
        out.add(id);
      }
    }
    return out;
  }

  /** Forgets every checkpoint of the job (and a staging directory left behind). */
  public void drop(JobId id) {
    JobDir.deleteTree(root.resolve(id.value()));
  }

  private static Optional<Path> target(Path link) {
    if (!Files.isSymbolicLink(link)) {
      return Optional.empty();
    }
    try {
      Path dir = link.resolveSibling(Files.readSymbolicLink(link));
      return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
          ? Optional.of(dir)
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static long bytes(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies a tree, keeping modes and times (CRIU checks the files a job has open). */
  public static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(dest);
          Files.setPosixFilePermissions(dest, Files.getPosixFilePermissions(p));
        } else {
          Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        }
      }
    }
  }
}
