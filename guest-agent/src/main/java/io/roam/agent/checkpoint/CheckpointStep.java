package io.roam.agent.checkpoint;

/** The checkpointer's actions, as named in logs and failures. */
public enum CheckpointStep {
  PRE_DUMP("pre-dump"),
  DUMP("dump"),
  RESTORE("restore");

  private final String word;

  CheckpointStep(String word) {
    this.word = word;
  }

  /** The action's name as the criu command line spells it. */
  public String word() {
    return word;
  }
}
