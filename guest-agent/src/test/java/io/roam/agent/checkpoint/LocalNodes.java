package io.roam.agent.checkpoint;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Local nodes as the project models them on one machine: each node is a mount namespace in which
 * its own state directory is bind-mounted at the same path ({@link #statePath()}), so that a job
 * moving between nodes really needs its files copied. Jobs are launched with the agent's recipe.
 * {@link #close()} kills every process and with them every mount.
 */
final class LocalNodes implements AutoCloseable {
  /** The launch recipe: a shell, PID 1 of a new PID namespace and session, records the exit. */
  static final String RECIPE =
      "exec </dev/null >\"$0/stdout\" 2>\"$0/stderr\"; cd \"$0/work\" && \"$@\"; echo $? >"
          + " \"$0/exit-status\"";

  static final Duration TIMEOUT =
      Duration.ofSeconds(20).multipliedBy(Long.getLong("roam.test.timeScale", 1));

  private final Path base;
  private final List<Node> nodes = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();

  LocalNodes() throws IOException {
    base = Path.of("/run/roam-it-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    Files.createDirectories(base.resolve("node"));
  }

  /** The node state directory's path as every node sees it. */
  Path statePath() {
    return base.resolve("node");
  }

  Node node(String name) throws IOException {
    Path state = Files.createDirectories(base.resolve(name + "-state"));
    Process holder =
        new ProcessBuilder(
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                "mount --bind \"$0\" \"$1\" && echo ready && exec sleep 100000",
                state.toString(),
                statePath().toString())
            .redirectErrorStream(true)
            .start();
    processes.add(holder);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (!"ready".equals(line)) {
      throw new IOException("node " + name + " did not start: " + line);
    }
    Node node = new Node(name, state, holder);
    nodes.add(node);
    return node;
  }

  Process track(Process p) {
    processes.add(p);
    return p;
  }

  /** Processes whose command line mentions {@code text}. */
  static List<Long> processesMentioning(String text) {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.toList()) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
          if (cmd.contains(text)) {
            out.add(Long.parseLong(name));
          }
        } catch (IOException e) {
          // gone
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    out.remove(ProcessHandle.current().pid());
    return out;
  }

  static boolean alive(long pid) {
    // a zombie has no command line and counts as ended
    try {
      return Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")).length > 0;
    } catch (IOException e) {
      return false;
    }
  }

  static long onlyChild(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    Path children = Path.of("/proc/" + pid + "/task/" + pid + "/children");
    while (System.nanoTime() < deadline) {
      try {
        String s = Files.readString(children).trim();
        if (!s.isEmpty()) {
          return Long.parseLong(s.split("\\s+")[0]);
        }
      } catch (IOException e) {
        throw new IllegalStateException("process " + pid + " ended before its child showed", e);
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("process " + pid + " started no child");
  }

  static void copy(Path from, Path to) throws IOException, InterruptedException {
    Files.createDirectories(to.getParent());
    Process cp = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).inheritIO().start();
    if (cp.waitFor() != 0) {
      throw new IOException("cp -a " + from + " " + to + " failed");
    }
  }

  @Override
  public void close() throws Exception {
    for (int round = 0; round < 50; round++) {
      List<Long> left = processesMentioning(base.toString());
      if (left.isEmpty()) {
        break;
      }
      left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      Thread.sleep(20);
    }
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor();
    }
    new ProcessBuilder("rm", "-rf", base.toString()).inheritIO().start().waitFor();
  }

  /** One local node. */
  final class Node {
    final String name;
    final Path hostState;
    final Process holder;

    Node(String name, Path hostState, Process holder) {
      this.name = name;
      this.hostState = hostState;
      this.holder = holder;
    }

    /** Runs a command inside this node's mount namespace. */
    List<String> prefix() {
      return List.of("nsenter", "--mount=/proc/" + holder.pid() + "/ns/mnt", "--");
    }

    CriuCheckpointer checkpointer(Path criu) {
      return new CriuCheckpointer(criu, prefix(), TIMEOUT);
    }

    /** A job's directory as the host (and so the test) sees it. */
    Path hostJobDir(String jobId) {
      return hostState.resolve("jobs").resolve(jobId);
    }

    /** Images of a job on this node, at a path that is the same inside and outside the node. */
    Path images(String jobId) {
      return hostState.resolve("images").resolve(jobId);
    }

    Job launch(String jobId, String... command) throws IOException, InterruptedException {
      Files.createDirectories(hostJobDir(jobId).resolve("work"));
      List<String> cmd = new ArrayList<>(prefix());
      cmd.addAll(
          List.of(
              "unshare",
              "--pid",
              "--fork",
              "--kill-child",
              "setsid",
              "sh",
              "-c",
              RECIPE,
              statePath().resolve("jobs").resolve(jobId).toString()));
      cmd.addAll(List.of(command));
      Process launcher =
          track(
              new ProcessBuilder(cmd)
                  .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                  .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                  .redirectErrorStream(true)
                  .start());
      return new Job(this, jobId, launcher, onlyChild(launcher.pid()));
    }
  }

  /** A launched job: the launcher process and the host pid of the recipe's shell. */
  record Job(Node node, String id, Process launcher, long rootPid) {
    Path file(String name) {
      return node.hostJobDir(id).resolve(name);
    }

    List<String> lines(String name) throws IOException {
      Path f = file(name);
      return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    Optional<String> exitStatus() throws IOException {
      Path f = file("exit-status");
      return Files.exists(f) ? Optional.of(Files.readString(f).trim()) : Optional.empty();
    }
  }
}
