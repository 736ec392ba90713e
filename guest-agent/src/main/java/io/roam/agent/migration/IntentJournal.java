package io.roam.agent.migration;

import io.roam.agent.launch.AtomicFiles;
import io.roam.common.id.JobId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The migrations this agent is in the middle of, one file per job and side under {@code
 * <state-dir>/migration-intents}. Each file is replaced atomically, so after the agent's crash it
 * holds the last step that was reached, whole.
 */
public final class IntentJournal {
  private static final Logger LOG = LoggerFactory.getLogger(IntentJournal.class);
  static final String DIR = "migration-intents";
  private static final String SUFFIX = ".intent";

  private final Path dir;

  public IntentJournal(Path stateDir) {
    this.dir = stateDir.resolve(DIR);
  }

  public Path dir() {
    return dir;
  }

  /**
   * Records (or replaces) a side's intent; a restarted agent finds it when this returns (not synced
   * to disk: see {@link AtomicFiles}).
   */
  public void write(MigrationIntent intent) throws IOException {
    AtomicFiles.write(file(intent.side(), intent.job()), intent.encode());
  }

  /** This side is done with the job; a failure is logged (recovery then redoes a no-op). */
  public void remove(MigrationIntent.Side side, JobId job) {
    try {
      AtomicFiles.delete(file(side, job));
    } catch (IOException e) {
      LOG.warn("cannot remove the migration intent of job {}: {}", job, e.toString());
    }
  }

  /**
   * Every intent left. A file that cannot be read is reported and left in place for an operator:
   * nothing is done to its job.
   */
  public List<MigrationIntent> all() {
    List<MigrationIntent> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        if (!f.getFileName().toString().endsWith(SUFFIX)) {
          continue;
        }
        try {
          out.add(MigrationIntent.decode(Files.readString(f, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
          LOG.error("migration intent {} cannot be read, left as it is: {}", f, e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.error("cannot list the migration intents in {}: {}", dir, e.toString());
    }
    return out;
  }

  /** Whether no intent file is left, readable or not. */
  public boolean isEmpty() {
    if (!Files.isDirectory(dir)) {
      return true;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.noneMatch(f -> f.getFileName().toString().endsWith(SUFFIX));
    } catch (IOException e) {
      return false;
    }
  }

  private Path file(MigrationIntent.Side side, JobId job) {
    return dir.resolve(side.name().toLowerCase(java.util.Locale.ROOT) + "-" + job.value() + SUFFIX);
  }
}
