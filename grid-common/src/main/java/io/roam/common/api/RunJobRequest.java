package io.roam.common.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.id.NodeId;
import java.util.List;
import java.util.Objects;

/**
 * Asks the grid to start a program.
 *
 * @param command the program and its arguments, as exec sees them (no shell unless you ask for one)
 * @param node where to start it; null lets the grid choose
 * @param locked start it locked: automatic balancing never moves it; null or false: unlocked
 * @param checkpointEverySeconds checkpoint it this often while it runs; null: only on request
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunJobRequest(
    List<String> command, NodeId node, Boolean locked, Long checkpointEverySeconds) {
  public static final int MAX_ARGS = 1024;
  public static final int MAX_ARG_CHARS = 65536;

  /** Shortest period of periodic checkpoints: each one freezes the job for a moment. */
  public static final long MIN_CHECKPOINT_EVERY_SECONDS = 5;

  @JsonCreator
  public RunJobRequest {
    command = CommandLine.check(command);
    if (checkpointEverySeconds != null
        && (checkpointEverySeconds < MIN_CHECKPOINT_EVERY_SECONDS
            || checkpointEverySeconds > 7 * 24 * 3600)) {
      throw new IllegalArgumentException(
          "checkpointEverySeconds must be between "
              + MIN_CHECKPOINT_EVERY_SECONDS
              + " and 604800 (a week), not "
              + checkpointEverySeconds);
    }
  }

  public RunJobRequest(List<String> command, NodeId node) {
    this(command, node, null, null);
  }

  @JsonIgnore
  public boolean lockedOrFalse() {
    return Boolean.TRUE.equals(locked);
  }

  /** Validation shared by every request that carries a command line. */
  public static final class CommandLine {
    private CommandLine() {}

    public static List<String> check(List<String> command) {
      Objects.requireNonNull(command, "command is required");
      if (command.isEmpty()) {
        throw new IllegalArgumentException("command is empty: give the program to run");
      }
      if (command.size() > MAX_ARGS) {
        throw new IllegalArgumentException(
            "command has " + command.size() + " arguments; at most " + MAX_ARGS);
      }
      for (String arg : command) {
        if (arg == null) {
          throw new IllegalArgumentException("command arguments may not be null");
        }
        if (arg.length() > MAX_ARG_CHARS || arg.indexOf('\0') >= 0) {
          throw new IllegalArgumentException(
              "command argument too long or holding a NUL character");
        }
      }
      if (command.get(0).isBlank()) {
        throw new IllegalArgumentException("command's program name is blank");
      }
      return List.copyOf(command);
    }
  }
}
