package io.roam.agent;

import io.roam.agent.migration.CheckpointPort;
import io.roam.agent.migration.NoCheckpoint;

/** Chooses how this node checkpoints processes. */
final class Checkpoints {
  private Checkpoints() {}

  static CheckpointPort forThisNode() {
    return new NoCheckpoint("this node cannot checkpoint processes (CRIU support is not built in)");
  }
}
