package io.roam.common.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.id.NodeId;
import java.time.Instant;
import java.util.Objects;

/**
 * How a job's latest migration attempt ended, kept on the job's record (written in the same
 * compare-and-set that moves the job, so a migration costs one ZooKeeper write).
 *
 * @param attempt the id the request was given, so a caller can wait for its own attempt
 * @param endedAt null while the attempt is under way (the job has been committed to its target but
 *     does not run there yet)
 * @param frozenMillis how long the job was stopped (from freeze to running again)
 * @param totalMillis from the request to the job running on the target (or back on the source)
 * @param bytes bytes of process image and files moved
 * @param reason why it failed, in a user's words; null when it succeeded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationOutcome(
    String attempt,
    NodeId from,
    NodeId to,
    boolean succeeded,
    Instant startedAt,
    Instant endedAt,
    long frozenMillis,
    long totalMillis,
    long bytes,
    String reason) {
  public MigrationOutcome {
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (!succeeded && (reason == null || reason.isBlank())) {
      throw new IllegalArgumentException("a failed migration needs a reason");
    }
  }
}
