package io.roam.agent.launch;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A job held through the process that started it: {@code unshare} for a fresh job, {@code criu
 * restore} for a job that arrived by migration. Either way the job's tree ends when that process
 * does, and killing it kills the tree.
 */
public final class ProcessJob implements LaunchedJob {
  private final Process process;
  private final boolean rootIsChild;
  private final CompletableFuture<Void> exit;
  // The first process, once found (0 before): finding it reads every process of the machine
  // (ProcessHandle.children), and the node's sampling services ask for every job's root each
  // second. A process keeps its PID for life; once the process that started it has ended, the
  // PID may belong to another, so it is no longer given.
  private volatile long root;

  /**
   * @param rootIsChild whether the job's first process is a child of {@code process} (unshare,
   *     criu) rather than the process itself
   */
  public ProcessJob(Process process, boolean rootIsChild) {
    this.process = process;
    this.rootIsChild = rootIsChild;
    this.exit = process.onExit().thenApply(p -> null);
  }

  /**
   * A job restored by {@code criu restore}, whose root CRIU named (its pidfile): the root is not
   * looked for among the machine's processes, which took a few milliseconds of the job's frozen
   * time on every migration.
   */
  public static ProcessJob restored(Process criu, long root) {
    if (root <= 0) {
      throw new IllegalArgumentException("a restored job's root is a PID, not " + root);
    }
    ProcessJob job = new ProcessJob(criu, true);
    job.root = root;
    return job;
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public long rootPid() {
    if (!rootIsChild) {
      return process.pid();
    }
    long known = root;
    if (known != 0 && process.isAlive()) {
      return known;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      var child = process.children().findFirst();
      if (child.isPresent()) {
        root = child.get().pid();
        return root;
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("job process " + process.pid() + " has no first process");
      }
      Thread.onSpinWait();
    }
  }

  @Override
  public CompletableFuture<Void> onExit() {
    return exit;
  }

  @Override
  public void kill(Duration grace) {
    // The namespace's init (the wrapper shell) ignores SIGTERM; the user's processes get it.
    List<ProcessHandle> tree = process.descendants().toList();
    if (!grace.isZero()) {
      tree.forEach(ProcessHandle::destroy);
      try {
        exit.get(grace.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // still running after the grace period
      }
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    tree.forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
