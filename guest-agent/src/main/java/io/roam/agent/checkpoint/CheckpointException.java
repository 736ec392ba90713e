package io.roam.agent.checkpoint;

import java.nio.file.Path;
import java.util.Optional;

/** A checkpoint action failed; {@link #reason()} says why in words for a user. */
public final class CheckpointException extends Exception {
  private final CheckpointStep step;
  private final String reason;
  private final transient Path log;

  public CheckpointException(CheckpointStep step, String reason, Path log) {
    this(step, reason, log, null);
  }

  public CheckpointException(CheckpointStep step, String reason, Path log, Throwable cause) {
    super(
        step.word() + " failed: " + reason + (log == null ? "" : " (details: " + log + ")"), cause);
    this.step = step;
    this.reason = reason;
    this.log = log;
  }

  public CheckpointStep step() {
    return step;
  }

  /** Why it failed, for the job's user (shown by {@code gridctl ps}). */
  public String reason() {
    return reason;
  }

  /** CRIU's log of the failed action, for details, when there is one. */
  public Optional<Path> log() {
    return Optional.ofNullable(log);
  }
}
