package io.roam.agent.checkpoint;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What to restore.
 *
 * @param imagesDir the directory a {@link Checkpointer#dump} wrote (with the pre-dumps it links to
 *     as {@code parent}, at the same relative places); the restore log goes there too
 * @param leaveStopped leave the restored tree stopped (SIGCONT lets it run), so that a migration
 *     lets it run only once it has committed
 */
public record RestoreRequest(Path imagesDir, boolean leaveStopped) {
  public RestoreRequest(Path imagesDir) {
    this(imagesDir, false);
  }

  public RestoreRequest {
    Objects.requireNonNull(imagesDir, "imagesDir");
    if (!imagesDir.isAbsolute()) {
      throw new IllegalArgumentException("imagesDir must be absolute: " + imagesDir);
    }
  }
}
