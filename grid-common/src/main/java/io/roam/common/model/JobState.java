package io.roam.common.model;

/** Where a job is in its life. Terminal states never change again. */
public enum JobState {
  /** Registered in the grid; its home agent has not started it yet. */
  PENDING,
  RUNNING,
  /** Its program ended by itself; the exit code is known. */
  EXITED,
  /** The grid could not start or keep it; the reason says why. */
  FAILED,
  /** Stopped on request (gridctl kill). */
  KILLED,
  /** Its node vanished and no checkpoint could bring it back; the reason says why. */
  LOST,
  /**
   * Its node was lost; it is being restored from its latest checkpoint on the node that keeps it,
   * and runs again from there (RUNNING, the reason saying from when).
   */
  RESTARTING;

  public boolean terminal() {
    return this != PENDING && this != RUNNING && this != RESTARTING;
  }
}
