package io.roam.agent.migration;

import io.roam.agent.launch.LaunchedJob;
import java.nio.file.Path;

/** A node where processes cannot be checkpointed (no CRIU, or not root): it says so. */
public final class NoCheckpoint implements CheckpointPort {
  private final String why;

  public NoCheckpoint(String why) {
    this.why = why;
  }

  @Override
  public Dump dump(long rootPid, Path imagesDir) throws CheckpointFailure {
    throw new CheckpointFailure(why);
  }

  @Override
  public LaunchedJob restore(Path imagesDir, Path jobDir) throws CheckpointFailure {
    throw new CheckpointFailure(why);
  }
}
