package io.roam.agent.launch;

import io.roam.common.id.JobId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

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

  /** Deletes a directory tree; what cannot be deleted is left for a later clean-up. */
  public static void deleteTree(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // left behind
                }
              });
    } catch (IOException e) {
      // left behind
    }
  }
}
