package io.roam.agent.migration;

import io.roam.agent.launch.LaunchedJob;
import java.nio.file.Path;

/** What a migration needs from a checkpointer: dump a tree left stopped, restore one stopped. */
public interface CheckpointPort {
  /**
   * @param frozenAtNanos when the tree was frozen ({@link System#nanoTime()})
   * @param imageBytes size of the images written
   */
  record Dump(long frozenAtNanos, long imageBytes) {}

  /**
   * Freezes the process tree rooted at {@code rootPid} and dumps it into {@code imagesDir}, leaving
   * it stopped (not killed), so the source can resume it if the migration fails.
   *
   * @throws CheckpointFailure with a user's reason; the tree then runs on
   */
  Dump dump(long rootPid, Path imagesDir) throws CheckpointFailure;

  /**
   * Restores the tree dumped in {@code imagesDir}, left stopped until the migration commits; the
   * returned handle ends when the restored job does.
   *
   * @throws CheckpointFailure with a user's reason; nothing is left behind
   */
  LaunchedJob restore(Path imagesDir, Path jobDir) throws CheckpointFailure;

  /** Why a checkpoint or restore could not be done, in words a user understands. */
  final class CheckpointFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public CheckpointFailure(String reason) {
      super(reason);
    }

    public CheckpointFailure(String reason, Throwable cause) {
      super(reason, cause);
    }
  }
}
