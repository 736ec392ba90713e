package io.roam.gridctl.local;

import io.roam.common.api.LocalGridInfo;
import io.roam.common.api.LocalNodeLimits;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import io.roam.gridctl.client.GridCtlException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops the local grid: a manager process (which runs the embedded ZooKeeper and the
 * local nodes) detached from the terminal, found again through the files of its state directory.
 */
public final class LocalGridControl {
  static final String PID_FILE = "manager.pid";
  static final String LOG_FILE = "manager.log";

  /** The nodes' cgroups, one directory a line, as the manager lists them (LocalGrid). */
  static final String CGROUPS_FILE = "cgroups";

  private static final String MANAGER_MARK = "grid-manager";

  private final Path stateDir;
  private final Path roamHome;
  private final PrintStream progress;

  public LocalGridControl(Path stateDir, Path roamHome, PrintStream progress) {
    this.stateDir = stateDir.toAbsolutePath();
    this.roamHome = roamHome;
    this.progress = progress;
  }

  public Path stateDir() {
    return stateDir;
  }

  /** The running grid's info, if its state file exists and its manager is alive. */
  public Optional<LocalGridInfo> running() {
    Path file = stateDir.resolve(LocalGridInfo.FILE_NAME);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    LocalGridInfo info;
    try {
      info = Json.decode(Files.readAllBytes(file), LocalGridInfo.class);
    } catch (IOException | JsonException e) {
      throw new GridCtlException("the state file " + file + " is unreadable: " + e.getMessage());
    }
    return managerProcess(info.pid()).isPresent() ? Optional.of(info) : Optional.empty();
  }

  /** A live process with that pid that is one of our managers (pids get reused). */
  static Optional<ProcessHandle> managerProcess(long pid) {
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().map(c -> c.contains(MANAGER_MARK)).orElse(true));
  }

  private Optional<ProcessHandle> starting() {
    try {
      Path pidFile = stateDir.resolve(PID_FILE);
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      return managerProcess(Long.parseLong(Files.readString(pidFile).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Starts the grid, its nodes limited as {@code limits} says, and returns once it is ready.
   *
   * @param parallelMoves migrations the manager runs at once for an operation whose request does
   *     not say (0: the manager's default)
   * @param gossipWindow load entries each node sends per gossip message (0: the agents' default)
   */
  public LocalGridInfo up(
      int clusters,
      int nodesPerCluster,
      int port,
      boolean balance,
      LocalNodeLimits limits,
      int parallelMoves,
      int gossipWindow,
      Duration timeout)
      throws IOException {
    Optional<LocalGridInfo> existing = running();
    if (existing.isPresent()) {
      throw new GridCtlException(
          "a local grid is already running (manager pid "
              + existing.get().pid()
              + ", API "
              + existing.get().api()
              + "): stop it first with 'gridctl down'");
    }
    if (starting().isPresent()) {
      throw new GridCtlException(
          "a local grid is starting (manager pid "
              + starting().get().pid()
              + "): wait for it, or stop it with 'gridctl down'");
    }
    Files.createDirectories(stateDir);
    // The grid runs from its own copies, so rebuilding Roam cannot pull jars from under it.
    Path lib = stateDir.resolve("lib");
    Files.createDirectories(lib);
    Path managerJar =
        Files.copy(
            jar("grid-manager"),
            lib.resolve("grid-manager.jar"),
            StandardCopyOption.REPLACE_EXISTING);
    Path agentJar =
        Files.copy(
            jar("guest-agent"),
            lib.resolve("guest-agent.jar"),
            StandardCopyOption.REPLACE_EXISTING);
    Files.deleteIfExists(stateDir.resolve(LocalGridInfo.FILE_NAME));
    Path log = stateDir.resolve(LOG_FILE);
    Files.deleteIfExists(log);
    Files.createFile(log);

    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> argv = new ArrayList<>();
    // setsid: the grid outlives this command and the terminal it was started from.
    // C1 only: the manager shares this machine's cores with the nodes, and C2 compiling its
    // ZooKeeper, JSON and HTTP paths took ~0.6 s of CPU from the migrations of a young grid's first
    // detach (20 guests at two at a time: 2.5-2.8 s instead of 3.0-3.3 s on 2 cores); answers to
    // a listing of 10,000 jobs cost 4 % more CPU (docs/performance.md, Detach).
    argv.addAll(
        List.of(
            "setsid",
            java,
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-jar",
            managerJar.toString(),
            "local",
            "--state-dir",
            stateDir.toString(),
            "--clusters",
            Integer.toString(clusters),
            "--nodes-per-cluster",
            Integer.toString(nodesPerCluster),
            "--http-port",
            Integer.toString(port),
            "--agent-jar",
            agentJar.toString()));
    if (balance) {
      argv.add("--balance");
    }
    if (parallelMoves > 0) {
      argv.addAll(List.of("--parallel-moves", Integer.toString(parallelMoves)));
    }
    if (gossipWindow > 0) {
      argv.addAll(List.of("--gossip-window", Integer.toString(gossipWindow)));
    }
    if (!limits.cpus().isEmpty()) {
      argv.addAll(List.of("--cpu", LocalNodeLimits.join(limits.cpus())));
    }
    if (!limits.memoryMb().isEmpty()) {
      argv.addAll(List.of("--memory-mb", LocalNodeLimits.join(limits.memoryMb())));
    }
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process manager = pb.start();
    Files.writeString(stateDir.resolve(PID_FILE), Long.toString(manager.pid()));

    long deadline = System.nanoTime() + timeout.toNanos();
    long logOffset = 0;
    while (true) {
      logOffset = relayProgress(log, logOffset);
      Optional<LocalGridInfo> info = running();
      if (info.isPresent() && info.get().pid() == manager.pid()) {
        return info.get();
      }
      if (!manager.isAlive()) {
        relayProgress(log, logOffset);
        throw new GridCtlException(
            "the local grid did not start: " + lastError(log) + " (full log: " + log + ")");
      }
      if (System.nanoTime() > deadline) {
        stop(manager.toHandle(), Duration.ofSeconds(30));
        throw new GridCtlException(
            "the local grid was not ready after "
                + timeout.toSeconds()
                + " s; stopped it (log: "
                + log
                + ")");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop(manager.toHandle(), Duration.ofSeconds(30));
        throw new GridCtlException("interrupted; the grid was stopped");
      }
    }
  }

  /** Stops the grid; false if none was running. */
  public boolean down(Duration timeout) throws IOException {
    Optional<ProcessHandle> manager =
        running().flatMap(i -> managerProcess(i.pid())).or(this::starting);
    boolean wasRunning = manager.isPresent();
    manager.ifPresent(p -> stop(p, timeout));
    removeCgroups();
    Files.deleteIfExists(stateDir.resolve(LocalGridInfo.FILE_NAME));
    Files.deleteIfExists(stateDir.resolve(PID_FILE));
    return wasRunning;
  }

  /**
   * Removes the nodes' cgroups the manager listed, should it have died without removing them
   * itself: deepest first, each once nothing runs in it (what still does is killed: it belonged to
   * the grid).
   */
  void removeCgroups() throws IOException {
    Path list = stateDir.resolve(CGROUPS_FILE);
    if (!Files.exists(list)) {
      return;
    }
    List<Path> dirs = new ArrayList<>();
    for (String line : Files.readAllLines(list)) {
      if (!line.isBlank()) {
        dirs.add(Path.of(line.trim()));
      }
    }
    dirs.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
    List<String> left = new ArrayList<>();
    for (Path dir : dirs) {
      if (!removeGroup(dir)) {
        left.add(dir.toString());
      }
    }
    if (!left.isEmpty()) {
      throw new GridCtlException("cannot remove the cgroups " + left + " (see " + list + ")");
    }
    Files.delete(list);
  }

  private static boolean removeGroup(Path dir) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (Files.isDirectory(dir)) {
      try {
        Files.delete(dir);
        return true;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          return false;
        }
        try {
          for (String pid : Files.readString(dir.resolve("cgroup.procs")).split("\\s+")) {
            if (!pid.isBlank()) {
              ProcessHandle.of(Long.parseLong(pid.trim()))
                  .ifPresent(ProcessHandle::destroyForcibly);
            }
          }
          Thread.sleep(50);
        } catch (IOException | NumberFormatException ignored) {
          // emptied meanwhile
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  /** Asks the manager to stop (it stops its nodes and their jobs); kills what is left. */
  public void stop(ProcessHandle manager, Duration timeout) {
    List<ProcessHandle> tree = new ArrayList<>(manager.descendants().toList());
    manager.destroy();
    try {
      manager.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      progress.println("the manager did not stop in " + timeout.toSeconds() + " s; killing it");
      manager.destroyForcibly();
    }
    tree.addAll(manager.descendants().toList());
    for (ProcessHandle p : tree) {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  /** Waits for the manager to end (the foreground mode of up). */
  public void awaitExit(long pid) {
    managerProcess(pid).ifPresent(p -> p.onExit().join());
  }

  private long relayProgress(Path log, long offset) {
    try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "r")) {
      if (raf.length() <= offset) {
        return offset;
      }
      raf.seek(offset);
      byte[] buf = new byte[(int) (raf.length() - offset)];
      raf.readFully(buf);
      String text = new String(buf, StandardCharsets.UTF_8);
      int end = text.lastIndexOf('\n');
      if (end < 0) {
        return offset;
      }
      for (String line : text.substring(0, end).split("\n")) {
        if (line.startsWith("[up] ")) {
          progress.println(line.substring(5));
        }
      }
      return offset + text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
    } catch (IOException e) {
      return offset;
    }
  }

  private static String lastError(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      for (int i = lines.size() - 1; i >= 0; i--) {
        String line = lines.get(i);
        int at = line.indexOf("roam-manager: error: ");
        if (at >= 0) {
          return line.substring(at + "roam-manager: error: ".length());
        }
      }
      return lines.isEmpty() ? "the manager exited without a word" : lines.get(lines.size() - 1);
    } catch (IOException e) {
      return "the manager exited";
    }
  }

  /** A runnable jar of the distribution (lib/) or of the source tree (module/target/). */
  private Path jar(String module) {
    List<Path> candidates =
        List.of(
            roamHome.resolve("lib").resolve(module + ".jar"),
            roamHome.resolve(module).resolve("target").resolve(module + ".jar"));
    return candidates.stream()
        .filter(Files::isRegularFile)
        .findFirst()
        .orElseThrow(
            () ->
                new GridCtlException(
                    "cannot find "
                        + module
                        + ".jar under "
                        + roamHome
                        + ": build Roam first (mvn -DskipTests package) or run bin/gridctl"));
  }
}
