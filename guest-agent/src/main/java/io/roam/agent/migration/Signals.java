package io.roam.agent.migration;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Signals to whole process trees (Java can only send TERM and KILL by itself). */
public final class Signals {
  /**
   * One shell per agent sends them with its {@code kill} builtin, a line of "SIGNAL PID..." each,
   * and answers each line once it is done: starting {@code /bin/kill} for each signal cost 5 to 30
   * ms, and a SIGCONT ends every migration. It ends with the agent (its input closes).
   */
  private static final String LOOP =
      "while read -r sig pids; do kill -s \"$sig\" $pids 2>/dev/null; echo $?; done";

  // Whether this kernel lists each thread's children in /proc (CONFIG_PROC_CHILDREN, which CRIU
  // needs as well); without, trees are found by reading every process.
  private static final boolean CHILDREN_LISTS =
      Files.isReadable(Path.of("/proc/thread-self/children"));

  private static Process shell;
  private static Writer toShell;
  private static BufferedReader fromShell;

  private Signals() {}

  /**
   * The process and all its descendants, root first; none if the root is gone. Read from each
   * thread's {@code children} in {@code /proc} (the kernel's own list, which CRIU needs too), so
   * only the tree is read: {@code ProcessHandle.descendants()} reads every process of the machine,
   * a few milliseconds at the end of each migration, while the job waits for its SIGCONT.
   */
  public static List<Long> tree(long root) {
    return CHILDREN_LISTS ? tree(Path.of("/proc"), root) : descendants(root);
  }

  /** The tree from {@code proc}'s children lists. */
  static List<Long> tree(Path proc, long root) {
    List<Long> pids = new ArrayList<>();
    Deque<Long> todo = new ArrayDeque<>(List.of(root));
    Set<Long> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      long pid = todo.poll();
      if (!seen.add(pid)) {
        continue; // a PID reused while the tree was read
      }
      List<Path> threads;
      try (Stream<Path> listed = Files.list(proc.resolve(Long.toString(pid)).resolve("task"))) {
        threads = listed.toList();
      } catch (IOException | UncheckedIOException e) {
        continue; // ended meanwhile: its children are re-parented, and not the job's to signal
      }
      pids.add(pid);
      for (Path thread : threads) {
        try {
          for (String child : Files.readString(thread.resolve("children")).trim().split(" ")) {
            if (!child.isEmpty()) {
              todo.add(Long.parseLong(child));
            }
          }
        } catch (IOException | NumberFormatException e) {
          // that thread ended meanwhile
        }
      }
    }
    return pids;
  }

  private static List<Long> descendants(long root) {
    List<Long> pids = new ArrayList<>();
    ProcessHandle.of(root)
        .ifPresent(
            p -> {
              pids.add(p.pid());
              p.descendants().forEach(d -> pids.add(d.pid()));
            });
    return pids;
  }

  /** Sends SIGCONT to every process of the tree: a stopped job runs on. */
  public static void resume(long root) {
    send("CONT", tree(root));
  }

  /** Sends SIGSTOP to every process of the tree. */
  public static void stop(long root) {
    send("STOP", tree(root));
  }

  /** Starts the shell that sends signals, so that the first migration does not wait for it. */
  public static synchronized void prepare() {
    try {
      ensureShell();
    } catch (IOException e) {
      closeShell(); // signals are then sent by /bin/kill
    }
  }

  /** Returns once the signal was sent (to the processes that still exist). */
  static synchronized void send(String signal, List<Long> pids) {
    if (pids.isEmpty()) {
      return;
    }
    String line =
        signal + " " + pids.stream().map(String::valueOf).collect(Collectors.joining(" ")) + "\n";
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        ensureShell();
        toShell.write(line);
        toShell.flush();
        if (fromShell.readLine() != null) {
          return;
        }
      } catch (IOException e) {
        // the shell is gone: start another, or fall back below
      }
      closeShell();
    }
    spawnKill(signal, pids);
  }

  /** Tests only: the shell that sends signals, if one runs. */
  static synchronized java.util.Optional<ProcessHandle> shell() {
    return shell != null && shell.isAlive()
        ? java.util.Optional.of(shell.toHandle())
        : java.util.Optional.empty();
  }

  private static void ensureShell() throws IOException {
    if (shell != null && shell.isAlive()) {
      return;
    }
    closeShell();
    shell =
        new ProcessBuilder("sh", "-c", LOOP).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    toShell = new OutputStreamWriter(shell.getOutputStream(), StandardCharsets.US_ASCII);
    fromShell =
        new BufferedReader(
            new InputStreamReader(shell.getInputStream(), StandardCharsets.US_ASCII));
  }

  private static void closeShell() {
    if (shell != null) {
      shell.destroyForcibly();
    }
    shell = null;
    toShell = null;
    fromShell = null;
  }

  private static void spawnKill(String signal, List<Long> pids) {
    List<String> argv = new ArrayList<>(List.of("kill", "-" + signal));
    pids.forEach(p -> argv.add(Long.toString(p)));
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot send SIG" + signal + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
