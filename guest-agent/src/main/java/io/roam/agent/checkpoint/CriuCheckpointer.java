package io.roam.agent.checkpoint;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real {@link Checkpointer}: runs CRIU as a subprocess, one log file per action, and reads
 * CRIU's statistics files.
 *
 * <p>CRIU must run in the job's mount namespace (the node's), as the agent does. Tests that model
 * several nodes on one machine give a command prefix that enters the node's namespace, for example
 * {@code nsenter --mount=/proc/<pid>/ns/mnt --}; paths in requests must then name the same files
 * inside and outside it.
 */
public final class CriuCheckpointer implements Checkpointer {
  /** Environment variable naming the criu executable to use. */
  public static final String CRIU_ENV = "ROAM_CRIU";

  /** Where scripts/setup.sh installs a criu that works on the machine. */
  public static final Path CACHED_CRIU = Path.of("/var/cache/roam/bin/criu");

  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  private static final Duration POLL = Duration.ofMillis(2);
  private static final Path DEV_NULL = Path.of("/dev/null");

  private final Path criu;
  private final List<String> prefix;
  private final List<String> restorePrefix;
  private final Duration timeout;
  private volatile Boolean preDumpSupported;

  /** Uses the criu {@link #locate} finds. */
  public CriuCheckpointer() {
    this(
        locate(System.getenv())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "criu not found: set "
                            + CRIU_ENV
                            + ", run scripts/setup.sh (installs "
                            + CACHED_CRIU
                            + ") or put criu on the PATH")));
  }

  public CriuCheckpointer(Path criu) {
    this(criu, List.of(), DEFAULT_TIMEOUT);
  }

  /**
   * @param criu the criu executable
   * @param commandPrefix words put before criu on every command line (empty to run it directly)
   * @param timeout the longest any one action may take before it is abandoned
   */
  public CriuCheckpointer(Path criu, List<String> commandPrefix, Duration timeout) {
    this(criu, commandPrefix, timeout, List.of());
  }

  /**
   * @param restorePrefix words put before the restore command only, e.g. one that joins the node's
   *     jobs cgroup, so that the restored tree (which stays in criu's own groups) lands there
   */
  public CriuCheckpointer(
      Path criu, List<String> commandPrefix, Duration timeout, List<String> restorePrefix) {
    this.criu = Objects.requireNonNull(criu, "criu");
    this.prefix = List.copyOf(commandPrefix);
    this.restorePrefix = List.copyOf(restorePrefix);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.timeout = timeout;
  }

  /**
   * Finds criu: the file named by {@code ROAM_CRIU} if set, else {@link #CACHED_CRIU} if it is
   * executable, else {@code criu} on the {@code PATH}.
   */
  public static Optional<Path> locate(Map<String, String> env) {
    String named = env.get(CRIU_ENV);
    if (named != null && !named.isBlank()) {
      return Optional.of(Path.of(named));
    }
    if (Files.isExecutable(CACHED_CRIU)) {
      return Optional.of(CACHED_CRIU);
    }
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, "criu");
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  public Path criu() {
    return criu;
  }

  @Override
  public Migratability check(long pid) {
    return ProcScan.check(pid);
  }

  @Override
  public boolean supportsPreDump() {
    Boolean known = preDumpSupported;
    if (known == null) {
      known = probeDirtyTracking();
      preDumpSupported = known;
    }
    return known;
  }

  private boolean probeDirtyTracking() {
    List<String> command = command("check", List.of("--feature", "mem_dirty_track"));
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectInput(DEV_NULL.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public DumpResult preDump(DumpRequest request) throws CheckpointException {
    if (!supportsPreDump()) {
      throw new CheckpointException(
          CheckpointStep.PRE_DUMP,
          CriuFailures.explain(
              CheckpointStep.PRE_DUMP,
              List.of("Error (criu/config.c): Tracking memory is not available.")),
          null);
    }
    return dumpLike(CheckpointStep.PRE_DUMP, request);
  }

  @Override
  public DumpResult dump(DumpRequest request) throws CheckpointException {
    return dumpLike(CheckpointStep.DUMP, request);
  }

  private DumpResult dumpLike(CheckpointStep step, DumpRequest request) throws CheckpointException {
    Path dir = request.imagesDir();
    Path log = dir.resolve(step.word() + ".log");
    createDirectories(step, dir);
    List<String> args = new ArrayList<>();
    args.addAll(List.of("-t", Long.toString(request.pid()), "-D", dir.toString()));
    args.addAll(List.of("-o", log.toString(), "-v4"));
    if (step == CheckpointStep.PRE_DUMP || request.parentImagesDir().isPresent()) {
      args.add("--track-mem");
    }
    if (step == CheckpointStep.DUMP && request.leaveStopped()) {
      args.add("--leave-stopped");
    }
    request
        .parentImagesDir()
        .ifPresent(
            parent -> {
              args.add("--prev-images-dir");
              // CRIU resolves it from the images dir and links it as "parent": keep it relative so
              // that the chain moves as one tree.
              args.add(dir.relativize(parent).toString());
            });
    long start = System.nanoTime();
    Process p = start(step, command(step.word(), args), dir.resolve(step.word() + ".out"), log);
    int rc = await(step, p, log);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    if (rc != 0) {
      throw new CheckpointException(step, CriuFailures.explain(step, readLog(log)), log);
    }
    DumpStats stats;
    try {
      stats = CriuStats.decodeDump(Files.readAllBytes(dir.resolve("stats-dump")));
    } catch (IOException | IllegalArgumentException e) {
      throw new CheckpointException(step, "CRIU left no readable statistics: " + e, log, e);
    }
    return new DumpResult(dir, log, stats, elapsed, imageBytes(dir));
  }

  @Override
  public RestoredJob restore(RestoreRequest request) throws CheckpointException {
    CheckpointStep step = CheckpointStep.RESTORE;
    Path dir = request.imagesDir();
    if (!Files.isDirectory(dir)) {
      throw new CheckpointException(
          step, "the checkpoint images are missing: " + dir + " is not a directory", null);
    }
    Path log = dir.resolve("restore.log");
    Path statsFile = dir.resolve("stats-restore");
    Path pidFile = dir.resolve("restore.pid");
    try {
      Files.deleteIfExists(statsFile);
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      throw new CheckpointException(step, "cannot prepare " + dir + ": " + e.getMessage(), null, e);
    }
    // No -d: criu stays attached, parents the restored root and ends when it ends.
    // --manage-cgroups=ignore: the tree joins criu's own cgroups, i.e. this node's jobs group
    // when restorePrefix joins it (else the agent's).
    List<String> args =
        new ArrayList<>(
            List.of(
                "-D",
                dir.toString(),
                "-o",
                log.toString(),
                "-v4",
                // Stay attached: criu parents the restored root and ends when it ends.
                "--manage-cgroups=ignore",
                "--pidfile",
                pidFile.toString()));
    if (request.leaveStopped()) {
      args.add("--leave-stopped");
    }
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    List<String> command = new ArrayList<>(restorePrefix);
    command.addAll(command(step.word(), args));
    Process p = start(step, command, dir.resolve("restore.out"), log);
    try {
      while (true) {
        // CRIU writes stats-restore only once the tree has resumed, and only on success.
        Optional<RestoreStats> stats = readRestoreStats(statsFile);
        if (stats.isPresent()) {
          long rootPid = Long.parseLong(Files.readString(pidFile).trim());
          return new RestoredJob(
              rootPid, p, log, stats.get(), Duration.ofNanos(System.nanoTime() - start));
        }
        if (!p.isAlive()) {
          if (readRestoreStats(statsFile).isPresent()) {
            continue; // the job ran and ended already: still a success
          }
          throw new CheckpointException(step, CriuFailures.explain(step, readLog(log)), log);
        }
        if (System.nanoTime() > deadline) {
          p.destroyForcibly();
          throw new CheckpointException(
              step, "CRIU did not finish restoring the job within " + timeout, log);
        }
        Thread.sleep(POLL.toMillis());
      }
    } catch (IOException | NumberFormatException e) {
      p.destroyForcibly();
      throw new CheckpointException(step, "cannot read what CRIU wrote: " + e, log, e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new CheckpointException(step, "interrupted while restoring", log, e);
    }
  }

  private static Optional<RestoreStats> readRestoreStats(Path file) {
    try {
      return Optional.of(CriuStats.decodeRestore(Files.readAllBytes(file)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty(); // being written
    }
  }

  private List<String> command(String action, List<String> args) {
    List<String> command = new ArrayList<>(prefix);
    command.add(criu.toString());
    command.add(action);
    command.addAll(args);
    return command;
  }

  private static Process start(CheckpointStep step, List<String> command, Path out, Path log)
      throws CheckpointException {
    try {
      return new ProcessBuilder(command)
          .redirectInput(DEV_NULL.toFile())
          .redirectErrorStream(true)
          .redirectOutput(out.toFile())
          .start();
    } catch (IOException e) {
      throw new CheckpointException(
          step, "cannot run " + String.join(" ", command) + ": " + e.getMessage(), log, e);
    }
  }

  private int await(CheckpointStep step, Process p, Path log) throws CheckpointException {
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new CheckpointException(
            step, "CRIU did not finish within " + timeout + " and was stopped", log);
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new CheckpointException(step, "interrupted", log, e);
    }
  }

  private static void createDirectories(CheckpointStep step, Path dir) throws CheckpointException {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new CheckpointException(step, "cannot create " + dir + ": " + e.getMessage(), null, e);
    }
  }

  private static List<String> readLog(Path log) {
    try {
      return Files.readAllLines(log, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Bytes of the image files in {@code dir}, leaving out logs and the link to a parent. */
  static long imageBytes(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> !Files.isSymbolicLink(f))
          .filter(f -> !f.getFileName().toString().endsWith(".log"))
          .filter(f -> !f.getFileName().toString().endsWith(".out"))
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }
}
