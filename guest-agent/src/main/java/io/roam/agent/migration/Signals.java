package io.roam.agent.migration;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Signals to whole process trees (Java can only send TERM and KILL by itself). */
public final class Signals {
  private Signals() {}

  /** The process and all its descendants, root first. */
  public static List<Long> tree(long root) {
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

  static void send(String signal, List<Long> pids) {
    if (pids.isEmpty()) {
      return;
    }
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
