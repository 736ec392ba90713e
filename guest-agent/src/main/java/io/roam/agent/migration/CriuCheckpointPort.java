package io.roam.agent.migration;

import io.roam.agent.checkpoint.CheckpointException;
import io.roam.agent.checkpoint.Checkpointer;
import io.roam.agent.checkpoint.DumpRequest;
import io.roam.agent.checkpoint.RestoreRequest;
import io.roam.agent.checkpoint.RestoredJob;
import io.roam.agent.launch.LaunchedJob;
import io.roam.agent.launch.ProcessJob;
import java.nio.file.Path;

/** Migrations through a real {@link Checkpointer}: dumps left stopped, restores left stopped. */
public final class CriuCheckpointPort implements CheckpointPort {
  private final Checkpointer checkpointer;

  public CriuCheckpointPort(Checkpointer checkpointer) {
    this.checkpointer = checkpointer;
  }

  @Override
  public Dump dump(long rootPid, Path imagesDir) throws CheckpointFailure {
    // The tree is frozen right after criu starts: an upper bound of the frozen time.
    long frozenAt = System.nanoTime();
    try {
      var result = checkpointer.dump(DumpRequest.of(rootPid, imagesDir).leavingStopped());
      return new Dump(frozenAt, result.imageBytes());
    } catch (CheckpointException e) {
      throw new CheckpointFailure(e.getMessage(), e);
    }
  }

  @Override
  public LaunchedJob restore(Path imagesDir, Path jobDir) throws CheckpointFailure {
    try {
      RestoredJob restored = checkpointer.restore(new RestoreRequest(imagesDir, true));
      return ProcessJob.restored(restored.handle(), restored.rootPid());
    } catch (CheckpointException e) {
      throw new CheckpointFailure(e.getMessage(), e);
    }
  }
}
