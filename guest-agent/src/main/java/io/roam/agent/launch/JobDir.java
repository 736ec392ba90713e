package io.roam.agent.launch;

import io.roam.common.id.JobId;
import java.nio.file.Path;

/**
 * The files of one job on a node. The whole directory moves with the job when it migrates; {@code
 * work/} is the program's working directory.
 */
public record JobDir(Path root) {
  public static final String STDOUT = "stdout";
  public static final String STDERR = "stderr";
  public static final String EXIT_STATUS = "exit-status";
  public static final String WORK = "work";

  public static JobDir of(Path stateDir, JobId job) {
    return new JobDir(stateDir.resolve("jobs").resolve(job.value()));
  }

  public Path stdout() {
    return root.resolve(STDOUT);
  }

  public Path stderr() {
    return root.resolve(STDERR);
  }

  public Path exitStatus() {
    return root.resolve(EXIT_STATUS);
  }

  public Path work() {
    return root.resolve(WORK);
  }

  /** stdout or stderr, by name; null for anything else. */
  public Path stream(String name) {
    return switch (name) {
      case STDOUT -> stdout();
      case STDERR -> stderr();
      default -> null;
    };
  }
}
