package io.roam.agent.launch;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A running job's handle on this node. */
public interface LaunchedJob {
  /** Host PID of the launcher process (outside the job's PID namespace). */
  long pid();

  /**
   * Host PID of the job's own first process (the wrapper shell, PID 1 of its namespace): the root
   * of the tree that is checkpointed.
   */
  long rootPid();

  /** Completes when the job's whole process tree has ended. */
  CompletableFuture<Void> onExit();

  /**
   * Stops the job: SIGTERM to its processes, then SIGKILL to whatever is left after {@code grace}.
   */
  void kill(Duration grace);
}
